"""The run's per-input state is compact: packed by input ordinal, inputs made
when asked for; it must give back exactly what was put."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings, strategies as st

from pipeline.corpus import Input, Inputs, as_input, key_of
from pipeline.incremental import _Locations


def test_locations_give_back_what_was_put() -> None:
    where = _Locations(5)
    where.put(1, ("/tmp/a/1.jsonl", 0, 10))
    where.put(3, ("/tmp/a/2.jsonl", 2**40, 7))
    where.put(4, ("/tmp/a/1.jsonl", 10, 0))
    assert [where.get(i) for i in range(5)] == [
        None, ("/tmp/a/1.jsonl", 0, 10), None, ("/tmp/a/2.jsonl", 2**40, 7), ("/tmp/a/1.jsonl", 10, 0)]
    assert where.files == ["/tmp/a/1.jsonl", "/tmp/a/2.jsonl"]


def test_an_input_as_listed_makes_the_input() -> None:
    """What workers are sent of an input (its path, or its Input when it is
    unusual) makes the same Input, with the same key."""
    odd = Input("notes (not .txt)", "notes", Path("/raw/notes"))
    inputs = Inputs(Path("/raw"), ["a/d0.txt", "d1.txt", odd, "d2"])
    assert [inputs.listed(i) for i in range(4)] == ["a/d0.txt", "d1.txt", odd, "d2"]
    for i in range(4):
        made = as_input(inputs.listed(i), inputs.raw_dir)
        assert made == inputs[i] and key_of(inputs.listed(i)) == (made.id, made.path)
    assert inputs[0] == Input("a/d0", "a/d0.txt", Path("/raw/a/d0.txt"))


def test_plain_sha256_hashes_the_bytes_read_input_reads(tmp_path) -> None:
    """The first pass's shortcut for hashing an input whose stat changed
    answers only for what read_input reads without rejecting, and the same."""
    import hashlib
    import os

    from pipeline import incremental
    from pipeline.config import Config
    from pipeline.corpus import list_inputs, read_input

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes(b"plain text\n" * 9)  # 99 bytes
    (raw / "empty.txt").write_bytes(b"")
    (raw / "big.txt").write_bytes(b"x" * 101)
    (raw / "notes.md").write_bytes(b"not a .txt")
    os.symlink(raw / "a.txt", raw / "link.txt")
    os.mkfifo(raw / "fifo.txt")
    config = Config(max_file_bytes=100)
    for inp in list_inputs(raw):
        fast = incremental.plain_sha256(inp, config.max_file_bytes)
        data, rejected = read_input(inp, raw, config)
        if fast is not None:
            assert rejected is None and fast == hashlib.sha256(data).hexdigest(), inp.path
        assert (fast is not None) == (inp.path in ("a.txt", "empty.txt")), inp.path


def test_the_stat_keys_of_a_re_runs_loop_are_plan_stat_key(tmp_path) -> None:
    """Plan._stat_keys (relative to an open --raw) gives each input as listed
    what Plan._stat_key gives it: regular files old and racily recent, in a
    subdirectory too, symlinks (to a file, to a directory, dangling), a FIFO,
    a directory named .txt, a file gone since the listing, an unusual input."""
    import os
    import time

    from pipeline import cache, incremental, stat_keys
    from pipeline.config import Config
    from pipeline.corpus import list_inputs

    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    for name in ("old.txt", "sub/old.txt", "recent.txt", "gone.txt", "notes", "notes.txt"):
        (raw / name).write_text("text\n", encoding="utf-8")
    long_ago = time.time_ns() - 10 * stat_keys.RACY_NS
    for name in ("old.txt", "sub/old.txt", "gone.txt", "notes", "notes.txt"):
        os.utime(raw / name, ns=(long_ago, long_ago))
    os.symlink(raw / "old.txt", raw / "link.txt")
    os.symlink(raw / "sub", raw / "dirlink.txt")
    os.symlink(raw / "nowhere", raw / "dangling.txt")
    os.mkfifo(raw / "fifo.txt")
    (raw / "dir.txt").mkdir()
    (raw / "dir.txt" / "inner.txt").write_text("x\n", encoding="utf-8")
    inputs = list_inputs(raw)
    (raw / "gone.txt").unlink()
    store = cache.Store(tmp_path)  # (a store: without one there is no stat to key)
    try:
        plan = incremental.Plan(inputs, raw, Config(), store)
        listed = [inputs.listed(i) for i in range(len(inputs))]
        assert any(not isinstance(x, str) for x in listed)  # notes (its id is notes.txt's): an unusual input
        with plan._stat_keys() as stat_key:
            fast = [stat_key(i, x) for i, x in enumerate(listed)]
        assert fast == [plan._stat_key(x) for x in listed]
        assert {key_of(x)[1] for x, key in zip(listed, fast) if key is not None} == \
            {"old.txt", "sub/old.txt", "notes", "notes.txt"}
    finally:
        store.close()


@settings(max_examples=60, deadline=None)
@example(["a", "a-b", "a b", "ab", "a.b"], False)
@given(st.lists(st.text(st.sampled_from("ab -.!é_~A0"), min_size=1, max_size=6), min_size=1, max_size=12, unique=True),
       st.booleans())
def test_list_inputs_orders_the_inputs_by_key_of(tmp_path_factory, stems, subdir) -> None:
    """list_inputs' order (by the id alone when every input is a .txt path)
    is sorted(key=key_of), with ids that are prefixes of one another and
    characters that sort before '.' ('a-b.txt' < 'a.txt' but 'a' < 'a-b');
    Inputs keeps each path (and an unusual input) as listed."""
    from pipeline.corpus import list_inputs

    raw = tmp_path_factory.mktemp("raw")
    names = [s + ".txt" for s in stems if not s.startswith(".")]
    if subdir:
        (raw / "a").mkdir()
        names += ["a/" + names[0]] if names else []
    if not names:
        return
    for name in names:
        (raw / name).write_bytes(b"x\n")
    inputs = list_inputs(raw)
    listed = [inputs.listed(i) for i in range(len(inputs))]
    assert sorted(listed) == sorted(names)
    assert listed == sorted(names, key=key_of)
    (raw / "notes").write_bytes(b"x\n")  # not .txt: ordered by key_of
    (raw / "notes.txt").write_bytes(b"x\n")
    inputs = list_inputs(raw)
    listed = [inputs.listed(i) for i in range(len(inputs))]
    assert [key_of(x) for x in listed] == sorted(key_of(x) for x in listed)
    assert any(isinstance(x, Input) for x in listed)  # notes, its id told apart from notes.txt's


# -- the cache's rows matched with the inputs a batch at a time (pipeline.merged) --

_NAMES = st.lists(st.tuples(st.text(st.sampled_from("ab.-é"), min_size=1, max_size=3), st.booleans()),
                  min_size=0, max_size=24, unique_by=lambda t: t[0])


@settings(max_examples=150, deadline=None)
@example([("a", True), ("b", True), ("c", True), ("d", True)], [0, 1, 3], [0, 1, 2, 3], [], [], 2, False)
@given(_NAMES, st.lists(st.integers(0, 23), max_size=24), st.lists(st.integers(0, 23), max_size=24),
       st.lists(st.integers(0, 23), max_size=4), st.lists(st.integers(0, 23), max_size=24),
       st.sampled_from([1, 2, 3, 5, 1024]), st.booleans())
def test_batches_match_each_row_with_the_input_of_its_key(tmp_path_factory, names, listed, cached, other_ids,
                                                          wanted, batch, odd) -> None:
    """merged.batches gives each input the row of its key, if any, and each
    other row as gone, once and in order, whatever the batch size: inputs
    added, removed, renamed (an id that changed), .txt or not, an unusual
    input; with ``wanted``, each wanted input has its row."""
    import pytest

    from pipeline import cache, merged

    paths = [stem + ".txt" if txt else stem for stem, txt in names]
    items = [paths[i] for i in sorted(set(listed)) if i < len(paths)]
    if odd and items:  # its id is not its path's: kept whole
        items[0] = Input("x" + as_input(items[0], Path("/raw")).id, items[0], Path("/raw") / items[0])
    items.sort(key=key_of)
    store = cache.Store(tmp_path_factory.mktemp("cache"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(merged, "BATCH", batch)
        _match_rows(store, paths, items, cached, other_ids, wanted)


def _match_rows(store, paths, items, cached, other_ids, wanted) -> None:
    import numpy as np

    from pipeline import merged

    inputs = Inputs(Path("/raw"), items)
    input_keys = [key_of(x) for x in items]
    try:
        row_keys = []
        for i in sorted(set(cached)):
            if i < len(paths):
                doc_id = as_input(paths[i], Path("/raw")).id
                row_keys.append(("y" + doc_id if i in other_ids else doc_id, paths[i]))
                store.put_first(paths[i], row_keys[-1][0], "0" * 64, None, None)
        row_keys.sort()
        want = {i for i in wanted if i < len(items)}
        for wanted_only in (False, True):
            matched, gone = [], []
            choose = (lambda start, stop: np.array([i for i in range(start, stop) if i in want], np.intp)) \
                if wanted_only else None
            for b in merged.batches(inputs, store.first_in_order(), choose):
                assert all(b.start <= i < b.stop for i in b.ordinals)
                matched += [(int(i), merged.key(row)) for i, row in zip(b.ordinals, b.rows)]
                gone += [merged.key(row) for row in b.gone]
            assert all(input_keys[i] == key for i, key in matched)
            assert sorted([key for _, key in matched] + gone) == row_keys  # each row once
            assert gone == sorted(gone) and [i for i, _ in matched] == sorted(i for i, _ in matched)
            has_row = {i for i, key in enumerate(input_keys) if key in set(row_keys)}
            if wanted_only:
                assert {i for i, _ in matched} & want == has_row & want
            else:
                assert {i for i, _ in matched} == has_row
    finally:
        store.close()


def test_a_re_run_in_batches_flags_what_merging_a_row_at_a_time_flags(tmp_path: Path, monkeypatch) -> None:
    """Plan.first_pass and Plan._reusable matching rows with inputs in
    batches of 3 (most compared at once) flag, count and change what they
    do merging every batch a row at a time (and the first pass's sketch is
    the same, its changes counted at once or as they come): inputs unchanged, appended to,
    touched (a new stat, the same bytes), removed, added and renamed, some
    in one batch, with --rehash too."""
    import os
    import shutil
    import time

    from pipeline import cache, merged, version
    from pipeline.config import Config
    from pipeline.corpus import list_inputs
    from pipeline import incremental

    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(20):
        (raw / f"d{n:02d}.txt").write_text(f"Title {n}\n\nA document, number {n}, of one sentence.\n"
                                           "A line that every document repeats.\n", encoding="utf-8")
    (raw / "d05.txt").write_bytes(b"\x00\x01 not text")  # rejected before its lines are counted
    day_ago = time.time_ns() - 86_400 * 10**9
    for path in raw.iterdir():
        os.utime(path, ns=(day_ago, day_ago))
    clean = tmp_path / "clean"
    version.run(raw, clean, Config(), cache_dir=clean / ".cache")
    with open(raw / "d03.txt", "a", encoding="utf-8") as f:
        f.write("\nOne more sentence, appended.\n")
    os.utime(raw / "d04.txt", ns=(day_ago + 10**9, day_ago + 10**9))  # a new stat, the same bytes
    (raw / "d07.txt").unlink()
    (raw / "d08.txt").rename(raw / "d08b.txt")  # (the same stat: its bytes are hashed anew, as a new input's)
    (raw / "d12a.txt").write_text("A new input with a sentence.\n", encoding="utf-8")
    (raw / "d15.txt").unlink()
    (raw / "d16.txt").write_text("Title 16\n\nA new text.\nA line that every document repeats.\n", encoding="utf-8")
    os.utime(raw / "d16.txt", ns=(day_ago, day_ago))
    (cached,) = (clean / ".cache").glob(f"*/{cache.FILE}")
    monkeypatch.setattr(merged, "BATCH", 3)
    same_keys = merged._same_keys
    for rehash in (False, True):
        found, at_once = [], []
        for one_by_one in (False, True):
            if one_by_one:  # (and each changed document counted in the sketch as it comes)
                monkeypatch.setattr(merged, "_same_keys", lambda *args: False)
                monkeypatch.setattr(incremental, "KEYS_COUNTED_AT_ONCE", 1)
            else:
                monkeypatch.setattr(merged, "_same_keys", lambda *args: at_once.append(same_keys(*args)) or at_once[-1])
            directory = tmp_path / f"cache-{rehash}-{one_by_one}"
            shutil.copytree(cached.parent, directory)
            (tmp_path / f"spill-{rehash}-{one_by_one}").mkdir()
            store = cache.Store(directory)
            try:
                plan = incremental.Plan(list_inputs(raw), raw, Config(), store, None, rehash,
                                        tmp_path / f"spill-{rehash}-{one_by_one}")
                stats = plan.first_pass()
                first = (bytes(plan.flags), dict(plan.counts), plan.first_change, plan.changed.tolist(),
                         bytes(stats.lines.table), stats.documents, stats.lines_counted)
                reused = plan._reusable(stats, None)
                found.append((first, reused, bytes(plan.flags), plan.counts))
            finally:
                store.close()
        assert found[0] == found[1]
        assert any(at_once) and not all(at_once)  # batches compared at once, and merged a row at a time
        flags, counts = found[0][2], found[0][3]
        (flags_first, counts_first, first_change, *_), reused, flags, counts = found[0]
        # appended to, renamed, new, rewritten (4 of the 19); the cached ones whose stat changed hashed
        assert counts == {"hashed": 17 if rehash else 3, "decoded": 4, "rechecked": 14, "processed": 0}
        assert first_change == ("d03", "d03.txt")
        listed = list_inputs(raw)
        new = {listed.listed(i) for i in range(len(listed)) if not flags[i] & incremental.CLEAN}
        assert new == {"d03.txt", "d08b.txt", "d12a.txt", "d16.txt"}
        listed = [listed.listed(i) for i in range(len(listed))]
        assert flags_first[listed.index("d05.txt")] == incremental.CLEAN | incremental.ROW  # not COUNTED
        assert flags_first[listed.index("d06.txt")] == incremental.CLEAN | incremental.ROW | incremental.COUNTED
        # every other one reused, its questions asked again (the line all repeat is in one document fewer;
        # d05, rejected, asked none)
        assert reused == 15 and all(f & incremental.REUSE for f in flags if f & incremental.CLEAN)


def test_a_batch_of_rows_has_the_keys_of_the_inputs_wanted_among_a_batch(tmp_path: Path) -> None:
    """merged._same_keys compares the rows' paths with those of the wanted
    inputs cut out of the batch's (the others: no row expected)."""
    import numpy as np

    from pipeline import merged

    inputs = Inputs(Path("/raw"), ["a.txt", "bb.txt", "c.txt", "dé.txt", "e"])
    row = {path: (path.encode(), None) for path in ("a.txt", "bb.txt", "c.txt", "dé.txt")}
    at = np.array([1, 3])
    assert merged._same_keys(inputs, 0, 4, at, [row["bb.txt"], row["dé.txt"]])
    assert merged._same_keys(inputs, 0, 4, np.arange(4), list(row.values()))
    assert merged._same_keys(inputs, 1, 3, np.array([2]), [row["c.txt"]])
    assert not merged._same_keys(inputs, 0, 4, at, [row["a.txt"], row["c.txt"]])
    assert not merged._same_keys(inputs, 0, 4, at, [row["bb.txt"], (b"d\xc3\xa9.txt", "d")])  # another id
    assert not merged._same_keys(inputs, 0, 4, at, [row["bb.txt"]])  # a row short
    assert not merged._same_keys(inputs, 3, 5, np.array([4]), [(b"e", "e")])  # not .txt: merged a row at a time


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 40), max_size=60),
       st.sampled_from([(8, 2), (16, 4), (1 << 18, 4)]), st.sampled_from([0, 1, 0xFFFFFFFE, 0xFFFFFFFF]), st.booleans())
def test_keys_counted_at_once_are_counted_as_one_by_one(keys, shape, start, mixed) -> None:
    """CountMin.add_each (keys counted at once) leaves the
    sketch as CountMin.add one key after another leaves it, and gives the
    estimates add returned: with colliding cells (small sketches), a key
    twice, counters near saturation."""
    from array import array

    import numpy as np

    from pipeline.corpus_stats import CountMin

    width, depth = shape
    table = array("I", [start if cell % 3 == 0 or not mixed else 0 for cell in range(width * depth)])
    at_once, one_by_one = CountMin(width, depth, array("I", table)), CountMin(width, depth, array("I", table))
    want = [one_by_one.add(k) for k in keys]
    assert at_once.add_each(np.array(keys, np.uint64)).tolist() == want
    assert at_once.table == one_by_one.table
