"""The per-document cache gives exactly what processing without it gives,
and a re-run after some inputs changed writes the bytes a full run writes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from pipeline import cache, carry, corpus_stats, dedup, merged, stats_pass, version
from pipeline.config import Config
from pipeline.corpus import Input, list_inputs
from pipeline.executors import make
from pipeline.process import process
from pipeline import result
from pipeline.runner import Shared, work

DEV_RAW = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "raw"
SEED_RAW = Path(__file__).resolve().parents[1] / "raw"
DATA = ("documents.jsonl", "records.jsonl", "rejected.jsonl")
DAY_NS = 86_400 * 10**9


def _dev_raw() -> Path:
    return DEV_RAW if DEV_RAW.is_dir() else SEED_RAW


def _same_as_unspilled(raw: Path, inputs: list[Input], spill_dir: Path, config: Config) -> None:
    """A document resumed from the first pass's spill gives the Result of
    processing it from its bytes."""
    stats = corpus_stats.first_pass(inputs, raw, config)
    spilled = Shared(raw, config, stats, spill_dir)
    for inp in inputs:
        want = result.of(process(inp.id, inp.path, (raw / inp.path).read_bytes(), config, stats), config)
        first = stats_pass.work(inp, spilled)
        assert first.error is None
        location = first.counts.spill if first.counts is not None else None
        for item in ((inp, location), (inp, None)):
            got = work(item, spilled)
            assert got.error is None
            assert got.result == want, inp.path


def test_spilled_documents_give_the_results_of_a_fresh_start(tmp_path: Path) -> None:
    raw = _dev_raw()
    _same_as_unspilled(raw, list_inputs(raw), tmp_path, Config())


@settings(max_examples=40, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300))
def test_spilled_documents_give_the_same_results_on_any_text(tmp_path_factory, text: str) -> None:
    raw = tmp_path_factory.mktemp("raw")
    (raw / "a.txt").write_bytes(text.encode("utf-8"))
    (raw / "b.txt").write_bytes(("Title\n\n" + text + "\n\nThe end of the article.").encode("utf-8", "surrogatepass"))
    _same_as_unspilled(raw, list_inputs(raw), tmp_path_factory.mktemp("spill"), Config())


def test_stale_cache_directories_are_removed(tmp_path: Path) -> None:
    root = tmp_path / ".cache"
    old = cache.prepare(root, Config(), "a" * 64)
    (old / "x").mkdir()
    new = cache.prepare(root, Config(clutter_threshold=0.6), "a" * 64)
    assert new != old and not old.exists() and new.is_dir()
    assert cache.prepare(root, Config(clutter_threshold=0.6), "b" * 64) != new


# -- re-runs against full runs -------------------------------------------------

def _copy(tmp_path: Path) -> Path:
    """A copy of the dev set whose files were last changed a day ago (their
    stats are trusted by the next run, as for any corpus not being written)."""
    raw = tmp_path / "raw"
    shutil.copytree(_dev_raw(), raw)
    _age(raw)
    return raw


def _age(raw: Path) -> None:
    for path in raw.iterdir():
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - DAY_NS))


def _latest(clean: Path) -> Path:
    return clean / (clean / "LATEST").read_text().strip()


def _report(vdir: Path) -> dict:
    r = json.loads((vdir / "report.json").read_text(encoding="utf-8"))
    return {k: v for k, v in r.items() if k not in ("version", "parent", "changes")}


def _assert_same_as_full_run(raw: Path, inc: Path, tmp_path: Path, config: Config = Config()) -> None:
    full = tmp_path / f"full-{len(list(tmp_path.iterdir()))}"
    version.run(raw, full, config)
    for name in DATA:
        assert (_latest(inc) / name).read_bytes() == (full / "v1" / name).read_bytes(), name
    assert _report(_latest(inc)) == _report(full / "v1")
    documents = lambda md: md.split("## Documents", 1)[1]  # noqa: E731 (the head names the version)
    assert documents((_latest(inc) / "report.md").read_text()) == documents((full / "v1" / "report.md").read_text())


def _run(raw: Path, clean: Path, config: Config = Config(), **kw) -> dict:
    return version.run(raw, clean, config, cache_dir=clean / ".cache", **kw).inputs_done


def test_rerun_after_changes_gives_the_bytes_of_a_full_run(tmp_path: Path) -> None:
    raw = _copy(tmp_path)
    inc = tmp_path / "incremental"
    _run(raw, inc, executor=make("local", 2))
    paths = sorted(raw.iterdir())
    for path in paths[::10]:  # change a tenth of the inputs
        with open(path, "a", encoding="utf-8") as f:
            f.write("\nA sentence added after the first run, to change this document.\n")
    paths[5].unlink()
    shutil.copy(paths[7], raw / "zz_a_copy.txt")
    done = _run(raw, inc, executor=make("local", 2))
    changed = len(paths[::10]) + 1
    assert (done["hashed"], done["decoded"]) == (changed - 1, changed)  # the new file is not hashed first
    assert done["processed"] >= changed
    _assert_same_as_full_run(raw, inc, tmp_path)
    assert (inc / "LATEST").read_text().strip() == "v2"


def test_examples_of_repeated_lines_follow_a_change_before_them(tmp_path: Path) -> None:
    """The report's examples depend on the order lines are counted in: a change
    in the first input, or its removal, chooses them again."""
    raw = _copy(tmp_path)
    config = Config(repeat_min_docs=2)  # more repeated lines, so examples are chosen
    inc = tmp_path / "incremental"
    _run(raw, inc, config)
    first = sorted(raw.iterdir())[0]
    first.write_text("Home | News | Sport\n\nA short text.\n" + first.read_text(encoding="utf-8"), encoding="utf-8")
    _run(raw, inc, config)
    _assert_same_as_full_run(raw, inc, tmp_path, config)
    first.unlink()
    _run(raw, inc, config)
    _assert_same_as_full_run(raw, inc, tmp_path, config)


def test_unchanged_stats_mean_unread_inputs(tmp_path: Path) -> None:
    raw = _copy(tmp_path)
    inc = tmp_path / "incremental"
    _run(raw, inc)
    assert _run(raw, inc) == {"hashed": 0, "decoded": 0, "rechecked": 0, "processed": 0}
    assert _run(raw, inc, rehash=True) == {"hashed": len(list(raw.iterdir())), "decoded": 0,
                                           "rechecked": 0, "processed": 0}  # --rehash: read them all


def test_a_changed_stat_means_hashing_and_a_changed_hash_processing(tmp_path: Path) -> None:
    raw = _copy(tmp_path)
    inc = tmp_path / "incremental"
    _run(raw, inc)
    a, b = sorted(raw.iterdir())[:2]
    os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 10**9))  # touched, same bytes
    done = _run(raw, inc)
    assert (done["hashed"], done["decoded"]) == (1, 0)
    assert _run(raw, inc)["hashed"] == 0  # the new stat was recorded
    # Same size, same mtime, other bytes: only the ctime (and the hash) tell.
    st, data = b.stat(), bytearray(b.read_bytes())
    data[-2:-1] = b"?" if data[-2:-1] != b"?" else b"!"
    b.write_bytes(bytes(data))
    os.utime(b, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert b.stat().st_size == st.st_size and b.stat().st_mtime_ns == st.st_mtime_ns
    done = _run(raw, inc)
    assert (done["hashed"], done["decoded"]) == (1, 1)
    _assert_same_as_full_run(raw, inc, tmp_path)


def test_racily_clean_files_are_hashed_again(tmp_path: Path) -> None:
    """A file changed just before the run could change again within the same
    clock tick without its stat showing it: its stat is not trusted next time."""
    raw = tmp_path / "raw"
    shutil.copytree(_dev_raw(), raw, copy_function=shutil.copy)  # fresh mtimes
    inc = tmp_path / "incremental"
    _run(raw, inc)
    assert _run(raw, inc)["hashed"] == len(list(raw.iterdir()))
    _age(raw)
    _run(raw, inc)
    assert _run(raw, inc)["hashed"] == 0


def test_a_damaged_cache_file_is_ignored_with_a_message(tmp_path: Path) -> None:
    raw = _copy(tmp_path)
    inc = tmp_path / "incremental"
    _run(raw, inc)
    (path,) = (inc / ".cache").glob(f"*/{cache.FILE}")
    path.write_bytes(b"not a database at all" * 100)
    (next(iter(sorted(raw.iterdir())))).write_text("Title\n\nA changed document, in English.\n", encoding="utf-8")
    notes: list[str] = []
    _run(raw, inc, on_note=notes.append)
    assert len(notes) == 1 and "cache is damaged" in notes[0] and str(path) in notes[0]
    _assert_same_as_full_run(raw, inc, tmp_path)
    assert _run(raw, inc)["hashed"] == 1  # rebuilt (only the file just written is racily clean)


def test_a_damaged_entry_is_found_and_the_run_starts_again(tmp_path: Path, monkeypatch) -> None:
    raw = _copy(tmp_path)
    inc = tmp_path / "incremental"
    _run(raw, inc)
    (path,) = (inc / ".cache").glob(f"*/{cache.FILE}")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE outcome SET result = '[1, 2' WHERE path = (SELECT min(path) FROM outcome)")
    notes: list[str] = []
    last = sorted(raw.iterdir())[-1]  # changed: the run writes a version to compare
    last.write_text(last.read_text(encoding="utf-8") + "\nA sentence added.\n", encoding="utf-8")
    monkeypatch.setattr(version, "FAST_RERUN", False)  # every reused entry is read
    _run(raw, inc, on_note=notes.append)
    assert len(notes) == 1 and "cache is damaged" in notes[0]
    _assert_same_as_full_run(raw, inc, tmp_path)


def test_a_run_that_stops_before_its_commit_leaves_the_cache_as_it_was(tmp_path: Path) -> None:
    raw = _copy(tmp_path)
    inc = tmp_path / "incremental"
    _run(raw, inc)
    (path,) = (inc / ".cache").glob(f"*/{cache.FILE}")
    before = path.read_bytes()
    store = cache.Store(path.parent)  # as a run killed after writing entries
    for doc_id, input_path in _first_keys(store):
        store.put_first(input_path, "x", "0" * 64, None, None)
        store.forget(doc_id, input_path, outcome_only=True)
    store.close()
    assert path.read_bytes() == before
    assert _run(raw, inc)["hashed"] == 0


def test_a_run_killed_after_writing_into_the_file_leaves_the_cache_as_it_was(tmp_path: Path) -> None:
    """The journal is kept between runs (cache.JOURNAL_LIMIT), and a run
    killed after its writes reached the file is rolled back from it."""
    raw = _copy(tmp_path)
    inc = tmp_path / "incremental"
    _run(raw, inc)
    (path,) = (inc / ".cache").glob(f"*/{cache.FILE}")
    assert path.with_name(cache.FILE + "-journal").exists()
    before = path.read_bytes()
    pid = os.fork()
    if pid == 0:  # a run killed before its commit, its changed pages written into the file
        try:
            store = cache.Store(path.parent)
            store.db.execute("PRAGMA cache_size = 1")  # (each page written goes to the file)
            for doc_id, input_path in _first_keys(store):
                store.put_first(input_path, "x", "0" * 64, None, None)
                store.forget(doc_id, input_path, outcome_only=True)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert path.read_bytes() != before
    cache.Store(path.parent).close()  # opened: rolled back
    assert path.read_bytes() == before
    assert _run(raw, inc)["hashed"] == 0


@pytest.mark.parametrize("fast", [True, False])
def test_the_outcomes_of_changed_and_removed_inputs_are_forgotten_and_the_new_ones_kept(tmp_path: Path, monkeypatch,
                                                                                      fast: bool) -> None:
    """A removed input's outcome is forgotten by the first pass; a changed
    input's is left to the second pass, which writes its new one (the
    re-run's way or the full way) or forgets it: the next run reuses them."""
    monkeypatch.setattr(version, "FAST_RERUN", fast)
    raw = _copy(tmp_path)
    inc = tmp_path / "incremental"
    _run(raw, inc)
    changed, removed, unread = sorted(raw.iterdir())[:3]
    with open(changed, "a", encoding="utf-8") as f:
        f.write("\nA sentence added after the first run, to change this document.\n")
    removed.unlink()
    (tmp_path / "outside.txt").write_text("Title\n\nA document outside --raw.\n", encoding="utf-8")
    unread.unlink()
    unread.symlink_to(tmp_path / "outside.txt")  # (rejected as it is read: no outcome)
    _run(raw, inc)
    (path,) = (inc / ".cache").glob(f"*/{cache.FILE}")
    with sqlite3.connect(path) as db:
        outcomes = dict(db.execute("SELECT path, sha256 FROM outcome"))
    assert removed.name not in outcomes and unread.name not in outcomes
    assert outcomes[changed.name] == hashlib.sha256(changed.read_bytes()).hexdigest()
    again = _run(raw, inc)  # (the changed input is hashed again: its stat is recent)
    assert again["decoded"] == again["processed"] == 1  # the input not read, which has no outcome


@pytest.mark.parametrize("n, config", [(0, Config()), (1, Config()), (3, Config()),
                                       (50, Config(repeat_min_docs=2, repeat_min_share=0.1))])
def test_inputs_removed_and_added_again(tmp_path: Path, n: int, config: Config) -> None:
    """Removing inputs changes the corpus statistics, and with a share of the
    documents as threshold (the last case), the threshold too."""
    raw = _copy(tmp_path)
    inc = tmp_path / "incremental"
    _run(raw, inc, config)
    moved = tmp_path / "moved"
    moved.mkdir()
    for path in sorted(raw.iterdir())[n: n + 3]:
        path.rename(moved / path.name)
    _run(raw, inc, config)
    _assert_same_as_full_run(raw, inc, tmp_path, config)
    for path in moved.iterdir():
        path.rename(raw / path.name)
    _run(raw, inc, config)
    _assert_same_as_full_run(raw, inc, tmp_path, config)


def test_an_input_whose_id_changes_with_the_same_path(tmp_path: Path) -> None:
    """'notes' has the id 'notes' until a 'notes.txt' takes it: re-runs
    across that change and back (the cached rows are scanned in (id, path)
    order, merged with the inputs) equal full runs."""
    raw = _copy(tmp_path)
    inc = tmp_path / "incremental"
    (raw / "notes").write_text("Notes\n\nA file that is not .txt, kept by its name.\n", encoding="utf-8")
    _age(raw)
    _run(raw, inc)
    (raw / "notes.txt").write_text("Notes\n\nNow a text file of the same name.\n", encoding="utf-8")
    _age(raw)
    _run(raw, inc)
    _assert_same_as_full_run(raw, inc, tmp_path)
    ids = {json.loads(line)["id"] for line in (_latest(inc) / "rejected.jsonl").read_text().splitlines()}
    assert "notes (not .txt)" in ids
    (raw / "notes.txt").unlink()
    _run(raw, inc)
    _assert_same_as_full_run(raw, inc, tmp_path)


def test_the_scan_of_first_pass_rows_follows_writes_made_after_opening(tmp_path: Path) -> None:
    """The Store starts its scan of the first-pass rows as it opens (the first pass reads
    them in order); a write before that scan is taken starts a new one."""
    raw = _copy(tmp_path)
    inc = tmp_path / "incremental"
    _run(raw, inc)
    (path,) = (inc / ".cache").glob(f"*/{cache.FILE}")
    store = cache.Store(path.parent)
    assert store.has_rows()
    first = _first_keys(cache.Store(path.parent))[0]
    store.put_first("zzz.txt", "zzz", "0" * 64, None, None)
    store.forget(*first)
    keys = _first_keys(store)
    assert keys == sorted(keys) and ("zzz", "zzz.txt") in keys and first not in keys
    store.reset()
    assert not store.has_rows() and _first_keys(store) == []
    store.close()


def test_the_first_pass_rows_are_read_in_order_from_an_index_without_sorting(tmp_path: Path) -> None:
    """FIRST_IN_ORDER is a scan of an index holding every column it asks
    for, in its order: SQLite sorted every row as the cache opened, without."""
    store = cache.Store(tmp_path)
    plan = [row[-1] for row in store.db.execute("EXPLAIN QUERY PLAN " + cache.FIRST_IN_ORDER)]
    store.close()
    assert plan == ["SCAN first USING COVERING INDEX first_in_order"]


def test_the_keys_of_many_inputs_are_each_ones_keys_and_a_missing_one_is_damage(tmp_path: Path) -> None:
    raw = _copy(tmp_path)
    inc = tmp_path / "incremental"
    _run(raw, inc)
    (path,) = (inc / ".cache").glob(f"*/{cache.FILE}")
    store = cache.Store(path.parent)
    paths = [p for _, p in _first_keys(store)][::-1]  # (in any order)
    assert store.keys_of(paths) == [store.keys(p) for p in paths] and store.keys_of([]) == []
    with pytest.raises(cache.Damaged, match="gone.txt"):
        store.keys_of(paths[:2] + ["gone.txt"])
    store.close()


def _first_keys(store: cache.Store) -> list[tuple[str, str]]:
    """(id, path) of Store.first_in_order's rows."""
    rows, keys = store.first_in_order(), []
    while (row := rows.first()) is not None:
        keys.append(merged.key(row))
        rows.take()
    return keys

def test_the_store_gives_results_back_from_their_heads_and_parts_and_names_a_missing_one(tmp_path: Path) -> None:
    config = Config()
    store = cache.Store(tmp_path)
    texts = [f"Title {i}\n\nSome text, number {i}.\n" for i in (3, 1, 2)] + ["", "\x00\x01 binary"]
    put = [result.of(process(f"d{i}", f"d{i}.txt", text.encode(), config), config) for i, text in enumerate(texts)]
    assert any(r.kept for r in put) and any(not r.kept for r in put)
    for r in put:
        store.put_outcome(r, cache.Questions(b"", b"", b"", cache.NO_YES, -1))
    wanted = sorted((r.id, r.path) for r in put)[1:]
    heads = list(store.heads(wanted))
    assert [key for key, _ in heads] == wanted
    for key, head in heads:
        r = next(r for r in put if (r.id, r.path) == key)
        got = store.result_of(*key, head, carry.pieces(r), r.fingerprint)
        assert got == r and got.fingerprint is r.fingerprint
    with pytest.raises(cache.Damaged, match="no entry for d9.txt"):
        list(store.heads([("d9", "d9.txt")]))
    r = next(r for r in put if r.kept)
    other = next(r for r in put if not r.kept)
    for parts in (carry.pieces(other), carry.pieces(dedup.rejected(r, "duplicate of x")), (b"\xff",) * 5):
        with pytest.raises(cache.Damaged, match=f"the entry of {r.path}"):
            store.result_of(r.id, r.path, store.head(r.id, r.path), parts, r.fingerprint)
    store.close()


def test_an_outcome_row_says_whether_it_is_of_the_first_pass_rows_bytes_and_its_margins_hold(tmp_path: Path) -> None:
    """Store.outcome_rows: OF_CACHED_BYTES when the outcome's sha256 was the
    first-pass row's as it was written (the first pass's bytes, not another
    read's), MARGINS_HOLD when high_no < threshold <= low_yes."""
    config = Config()
    store = cache.Store(tmp_path)
    try:
        put = {}
        for i, first_sha in enumerate(["same", "other", None]):
            r = result.of(process(f"d{i}", f"d{i}.txt", f"Title\n\nSome text, number {i}.\n".encode(), config), config)
            if first_sha is not None:
                store.put_first(r.path, r.id, r.sha256 if first_sha == "same" else "0" * 64, None, None)
            store.put_outcome(r, cache.Questions(b"", b"", b"", 5 + i, 2 + i))
            put[r.path.encode()] = first_sha == "same"
        for threshold in range(1, 10):
            rows = store.outcome_rows(threshold, cells=False, sha256=True).peek(10)
            assert [row[0] for row in rows] == list(put) and all(row[1] is None for row in rows)
            assert [bool(row[2] & cache.OF_CACHED_BYTES) for row in rows] == list(put.values())
            assert [bool(row[2] & cache.MARGINS_HOLD) for row in rows] == [2 + i < threshold <= 5 + i for i in range(3)]
    finally:
        store.close()


def test_outcomes_put_aside_are_written_as_put_when_applied(tmp_path: Path) -> None:
    """Store.put_outcome_later, forget_outcome_later and put_margins_later
    change nothing until apply_later, which leaves the rows put_outcome,
    forget and put_margins leave (the first-pass row's sha256 read then; an
    outcome put after its margins were has its own)."""
    config = Config()
    results = [result.of(process(f"d{i}", f"d{i}.txt", f"Title\n\nSome text, number {i}.\n".encode(), config), config)
               for i in range(4)]
    questions = [cache.Questions(bytes([i]) * 8, bytes([i]) * 4, b"\x01", 5 + i, 2 + i) for i in range(4)]

    def outcomes(store) -> list:
        return store.db.execute("SELECT * FROM outcome ORDER BY id, path").fetchall()

    rows = []
    for later in (False, True):
        (tmp_path / str(later)).mkdir()
        store = cache.Store(tmp_path / str(later))
        try:
            for r, q in zip(results[:3], questions):  # rows there before: one is forgotten, one replaced
                store.put_outcome(r, q)
            before = outcomes(store)
            store.put_first(results[1].path, results[1].id, results[1].sha256, None, None)
            margins = [(r.id, r.path, 40 + i, i) for i, r in enumerate(results[:2])]  # (d1's outcome is put after)
            (store.put_margins_later if later else store.put_margins)(margins)
            changes = [("put", results[1], questions[3]), ("forget", results[2], None), ("put", results[3], questions[0])]
            for what, r, q in changes:
                if what == "put":
                    (store.put_outcome_later if later else store.put_outcome)(r, q)
                elif later:
                    store.forget_outcome_later(r.id, r.path)
                else:
                    store.forget(r.id, r.path, outcome_only=True)
            if later:
                assert outcomes(store) == before
                store.apply_later()
                store.apply_later()  # (nothing more)
            rows.append(outcomes(store))
        finally:
            store.close()
    assert rows[0] == rows[1]
    assert [row[0] for row in rows[1]] == ["d0", "d1", "d3"] and rows[1][1][-1] == 1  # (d1: of its first-pass bytes)
    assert [row[3:5] for row in rows[1]] == [(40, 0), (8, 5), (5, 2)]  # (margins: put, then d1's outcome's)


def test_no_margins_to_put_leave_the_file_unwritten(tmp_path: Path) -> None:
    store = cache.Store(tmp_path)
    try:
        store.dirty = False  # (as a run that wrote nothing yet)
        store.put_margins([])
        store.put_margins_later([])
        assert not store.dirty and store.db.total_changes == 0
    finally:
        store.close()


def test_margins_put_aside_are_written_by_the_commit_if_not_before(tmp_path: Path) -> None:
    config = Config()
    r = result.of(process("d0", "d0.txt", b"Title\n\nSome text.\n", config), config)
    store = cache.Store(tmp_path)
    store.put_outcome(r, cache.Questions(b"", b"", b"", 5, 2))
    store.commit({"documents": 1}, store.meta["sketch"] if store.meta else corpus_stats.CountMin(8, 4).table)
    store = cache.Store(tmp_path)
    store.put_margins_later([(r.id, r.path, 9, 1)])
    store.commit({"documents": 1}, corpus_stats.CountMin(8, 4).table)
    store = cache.Store(tmp_path)
    try:
        assert store.db.execute("SELECT low_yes, high_no FROM outcome").fetchall() == [(9, 1)]
    finally:
        store.close()


def test_the_recorder_answers_as_the_statistics_and_keeps_consistent_margins() -> None:
    raw = _dev_raw()
    config = Config(repeat_min_docs=2)
    inputs = list_inputs(raw)
    stats = corpus_stats.first_pass(inputs, raw, config)
    recorder = cache.Recorder(stats)
    lines = [line for inp in inputs for line in (raw / inp.path).read_text(encoding="utf-8", errors="replace").splitlines()]
    asked = [line for line in lines if stats.line_key(line) is not None]
    assert [recorder.is_repeated(line) for line in asked] == [stats.is_repeated(line) for line in asked]
    assert not recorder.opaque and any(recorder.answers[k][0] for k in recorder.answers)
    q = recorder.questions()
    keys, answers = cache.unpacked(q.asked, "Q"), q.answers
    assert len(cache.unpacked(q.cells, "I")) == 4 * len(keys) == 4 * len(answers)
    documents = [stats.key_documents(k) for k in keys]
    assert q.high_no < stats.threshold() <= q.low_yes
    assert q.low_yes == min(n for n, a in zip(documents, answers) if a)
    assert q.high_no == max(n for n, a in zip(documents, answers) if not a)
    recorder.is_repeated("   ")  # a line with no words: not a question the cache can keep
    assert recorder.opaque


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(0, 63), max_size=12), max_size=30), st.sets(st.integers(0, 63), max_size=6))
def test_rows_reading_finds_the_outcomes_reading_a_changed_cell(tmp_path_factory, rows, changed_cells) -> None:
    """Store.rows_reading (a batch of rows looked up at once) finds exactly
    the rows a lookup of each row's cells finds (the former scan)."""
    import numpy as np
    store = cache.Store(tmp_path_factory.mktemp("cache"))
    try:
        cells = [cache.packed(read, "I") for read in rows]
        changed = np.zeros(64, bool)
        changed[sorted(changed_cells)] = True
        expected = [bool(read) and bool(changed[np.frombuffer(read, np.uint32)].any()) for read in cells]
        assert store.rows_reading(cells, changed).tolist() == expected
        assert expected == [bool(changed_cells & set(read)) for read in rows]
    finally:
        store.close()


def test_rows_reading_a_damaged_row_says_damaged(tmp_path: Path) -> None:
    import numpy as np
    store = cache.Store(tmp_path)
    try:
        with pytest.raises(cache.Damaged):
            store.rows_reading([b"", b"\x01\x02\x03"], np.zeros(64, bool))
    finally:
        store.close()


_KEY = st.integers(0, 2**64 - 1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_KEY, st.integers(1, 5)), max_size=40), st.lists(_KEY, max_size=40))
def test_the_estimates_of_many_keys_at_once_are_each_ones_estimate(counted, keys) -> None:
    """CountMin.estimates (an array of keys at once) gives estimate of each,
    for keys counted and keys never seen (a small sketch: cells collide)."""
    import numpy as np
    sketch = corpus_stats.CountMin(width=64, depth=4)
    for k, times in counted:
        for _ in range(times):
            sketch.add(k)
    asked = keys + [k for k, _ in counted]
    got = sketch.estimates(np.array(asked, np.uint64))
    assert got.dtype == np.int64 and got.tolist() == [sketch.estimate(k) for k in asked]


def _holding_one_at_a_time(question, threshold: int, documents) -> tuple[bool, int, int]:
    """What a re-run did for each outcome asked again, one at a time (the reference)."""
    asked, answers = question[0], question[1]
    n = [documents(k) for k in cache.unpacked(asked, "Q")]
    return (all((x >= threshold) == bool(a) for x, a in zip(n, answers)), *cache.margins(n, answers))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 99), st.booleans()), max_size=8), max_size=20),
       st.integers(0, 12), st.integers(0, 2**32))
def test_outcomes_asked_again_all_at_once_hold_as_each_one_asked_again(tmp_path_factory, outcomes, threshold,
                                                                       seed) -> None:
    """Store.holding (every outcome asked again at once) gives, for each,
    whether its answers hold and its new margins, as asking each one did:
    outcomes with no question, all answered yes or no, and a threshold
    that moves answers either way."""
    import numpy as np
    estimates = {k: (k * 7919 + seed) % 17 for k in range(100)}  # a line's documents, made up

    def documents(keys: np.ndarray) -> np.ndarray:
        return np.array([estimates[int(k)] for k in keys], np.int64)
    questions = [(cache.packed([k for k, _ in q], "Q"), bytes(int(a) for _, a in q), 5, 3) for q in outcomes]
    store = cache.Store(tmp_path_factory.mktemp("cache"))
    try:
        holds, low_yes, high_no = store.holding(questions, threshold, documents)
    finally:
        store.close()
    expected = [_holding_one_at_a_time(q, threshold, estimates.__getitem__) for q in questions]
    assert list(zip(holds.tolist(), low_yes.tolist(), high_no.tolist())) == expected


def test_questions_and_answers_that_differ_in_number_say_damaged(tmp_path: Path) -> None:
    import numpy as np
    store = cache.Store(tmp_path)
    try:
        for asked, answers in ((cache.packed([1, 2], "Q"), b"\x01"), (b"\x01\x02\x03", b"")):
            with pytest.raises(cache.Damaged):
                store.holding([(cache.packed([3], "Q"), b"\x00", 0, 0), (asked, answers, 0, 0)], 1,
                              lambda keys: np.zeros(len(keys), np.int64))
    finally:
        store.close()


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(0, 4095), max_size=40), st.booleans())
def test_a_commit_writing_the_changed_sketch_cells_stores_the_new_sketch(tmp_path_factory, cells, many) -> None:
    """Store.commit with the sketch the file holds (``before``) writes only
    the cells that changed, in place: the file then holds the new sketch, as
    a commit writing it whole leaves it (also when too many cells changed)."""
    from array import array
    directory = tmp_path_factory.mktemp("cache")
    before = array("I", range(4096))
    store = cache.Store(directory)
    store.commit({"documents": 1}, before)
    after = array("I", before)
    for cell in (range(0, 4096, 3) if many else cells):  # (every third cell: more than written in place)
        after[cell] += 7
    store = cache.Store(directory)
    assert store.meta["sketch"] == before
    store.dirty = True
    store.commit({"documents": 2}, after, before)
    store = cache.Store(directory)
    try:
        assert store.meta["sketch"] == after and store.meta["documents"] == 2
    finally:
        store.close()
