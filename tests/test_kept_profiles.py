"""langdetect's profiles kept as arrays (pipeline.kept_profiles): what is read
back is what the JSON gives, and langdetect's rows come out of it."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

from pipeline import fastlang, kept_profiles


def _same(a: kept_profiles.Table, b: kept_profiles.Table) -> bool:
    return (a.langsize, a.langlist, a.ngrams) == (b.langsize, b.langlist, b.ngrams) and all(
        np.array_equal(x, y) for x, y in zip(a[3:], b[3:]))


@lru_cache(maxsize=1)
def _langdetects() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


@pytest.mark.parametrize("read", ["from their JSON", "as kept"])
def test_the_profiles_give_langdetects_rows_read_either_way(tmp_path: Path, monkeypatch, read: str) -> None:
    kept = tmp_path / "kept.bin"
    monkeypatch.setattr(kept_profiles, "cache_file", lambda: str(kept))
    if read == "as kept":
        fastlang.Profiles(PROFILES_DIRECTORY)  # (writes the file)
        monkeypatch.setattr(kept_profiles, "_parsed", None)  # not parsed again: read back
    ours, theirs = fastlang.Profiles(PROFILES_DIRECTORY), _langdetects()
    assert kept.is_file()
    assert ours.langlist == theirs.langlist and ours.langsize == len(os.listdir(PROFILES_DIRECTORY))
    assert ours.ngrams.keys() == theirs.word_lang_prob_map.keys()
    assert all(ngram == same for ngram, same in ours.ngrams.items())
    for ngram, probs in theirs.word_lang_prob_map.items():
        assert ours.row(ngram).tolist() == probs, ngram
    assert ours.row("not an n-gram").tolist() == [0.0] * ours.langsize


def _profiles(directory: Path, counts: dict[str, dict[str, int]]) -> None:
    directory.mkdir(exist_ok=True)
    for name, freq in counts.items():
        (directory / name).write_text(json.dumps({"name": name, "freq": freq, "n_words": [10, 20, 30]}),
                                      encoding="utf-8")


def test_a_file_of_other_profiles_or_damaged_is_read_again_and_written_anew(tmp_path: Path) -> None:
    profiles, kept = tmp_path / "profiles", str(tmp_path / "kept.bin")
    _profiles(profiles, {"aa": {"a": 3, "ab": 2, "abc": 1}, "bb": {"b": 4, "ab": 5}})
    (profiles / ".hidden").write_text("not a profile")
    first = kept_profiles.load(str(profiles), kept)
    assert first.langsize == 3 and sorted(first.langlist) == ["aa", "bb"]  # (the listing's order)
    assert first.ngrams == ["a", "ab", "abc", "b"]
    ab = first.ngrams.index("ab")
    got = dict(zip(first.langs[first.starts[ab]:first.starts[ab + 1]].tolist(),
                   first.counts[first.starts[ab]:first.starts[ab + 1]].tolist()))
    assert got == {first.langlist.index("aa"): 2, first.langlist.index("bb"): 5}
    assert _same(kept_profiles.load(str(profiles), kept), first)
    data = Path(kept).read_bytes()
    count = len(data) - len("a\0ab\0abc\0b") - 8  # the low byte of the last count (then the n-grams)
    for damaged in (data[:-1], data[:len(data) // 2], data[:-2] + bytes([data[-2] ^ 1]) + data[-1:],
                    data[:count] + bytes([data[count] ^ 1]) + data[count + 1:],
                    b"x" + data[1:], data.replace(b'"format": 1', b'"format": 9'), b"", kept_profiles.MAGIC + b"[]\n"):
        Path(kept).write_bytes(damaged)
        assert _same(kept_profiles.load(str(profiles), kept), first)
        assert Path(kept).read_bytes() == data  # written anew
    _profiles(profiles, {"bb": {"b": 4, "ab": 6}})  # other bytes: read from the JSON again
    again = kept_profiles.load(str(profiles), kept)
    assert Path(kept).read_bytes() != data and again.counts.tolist() != first.counts.tolist()
    assert _same(again, kept_profiles._parsed(3, [(profiles / n).read_bytes() for n in os.listdir(profiles)
                                                    if not n.startswith(".")]))


def test_an_unwritable_place_keeps_nothing_and_reads_the_json(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    _profiles(profiles, {"aa": {"a": 1}})
    blocked = tmp_path / "file"
    blocked.write_text("")
    table = kept_profiles.load(str(profiles), str(blocked / "kept.bin"))  # (its directory is a file)
    assert table.ngrams == ["a"] and table.counts.tolist() == [1]


def test_a_profile_without_three_word_counts_is_an_error(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "aa").write_text(json.dumps({"name": "aa", "freq": {"a": 1}, "n_words": [1, 2]}))
    with pytest.raises(ValueError, match="'aa' counts 2 word lengths"):
        kept_profiles.load(str(profiles), str(tmp_path / "kept.bin"))


def test_profiles_with_an_ngram_holding_a_nul_are_read_but_not_kept(tmp_path: Path) -> None:
    profiles, kept = tmp_path / "profiles", tmp_path / "kept.bin"
    _profiles(profiles, {"aa": {"b\0": 2, "a": 1}, "bb": {"a": 3}})
    table = kept_profiles.load(str(profiles), str(kept))
    assert table.ngrams == ["a", "b\0"] and not kept.exists()
    a = table.langs[table.starts[0]:table.starts[1]].tolist()
    assert sorted(zip(a, table.counts[:2].tolist())) == sorted(
        [(table.langlist.index("aa"), 1), (table.langlist.index("bb"), 3)])
