"""A re-run that copies the parent's bytes of what did not change
(pipeline.rerun) writes every byte a re-run without the copies writes: the
same versions, file for file, through changes that move duplicate decisions
of documents that did not change."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from array import array
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from pipeline import carry, dedup, incremental, merged, parent_rows, rerun, rerun_child, rerun_files, rescreen, version
from pipeline.config import Config
from pipeline.hashed import ShortRead, Syncer
from pipeline.process import process

DEV_RAW = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "raw"
FILES = ("documents.jsonl", "records.jsonl", "rejected.jsonl", "report.json", "report.md", "manifest.json")
DAY_NS = 86_400 * 10**9


def _texts(n: int) -> list[str]:
    """n dev-set texts that the pipeline keeps (on their own)."""
    if not DEV_RAW.is_dir():
        pytest.skip("no dev set")
    out = []
    for p in sorted(DEV_RAW.glob("*.txt")):
        if process(p.stem, p.name, p.read_bytes(), Config()).doc.rejection is None:
            out.append(p.read_text(encoding="utf-8"))
        if len(out) == n:
            return out
    pytest.skip("too few kept dev-set texts")


def _near(text: str) -> str:
    """The text with one word of its second half changed: a near duplicate of it."""
    at = text.index(" the ", len(text) // 2)
    return text[:at] + " one " + text[at + 5:]


def _write(raw: Path, files: dict[str, str]) -> None:
    """Make raw hold exactly these files (name -> text), unchanged ones untouched."""
    for p in raw.iterdir():
        if p.name not in files:
            p.unlink()
    for name, text in files.items():
        p = raw / name
        if not p.exists() or p.read_text(encoding="utf-8") != text:
            p.write_text(text, encoding="utf-8")
            st = p.stat()
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - DAY_NS))  # stats trusted next time


def _steps() -> list[dict[str, str]]:
    t = _texts(14)
    first = {f"d{i:02}.txt": t[i] for i in range(6)}
    first.update({
        "m_a.txt": t[6], "m_c.txt": t[6],  # c: a duplicate of a
        "m_e.txt": t[7], "m_f.txt": t[8],
        "m_h.txt": t[9], "m_i.txt": t[9],  # i: a duplicate of h
        "m_j.txt": t[10], "m_k.txt": t[10],  # k: a duplicate of j
        "m_l.txt": t[11], "m_n.txt": _near(t[11]),  # n: a near duplicate of l
    })
    second = dict(first)
    second.update({
        "m_0.txt": t[7],  # added before e: e (unchanged) becomes its duplicate
        "m_f.txt": t[7],  # changed into a duplicate of what is kept (m_0)
        "m_c.txt": t[12],  # changed: no longer a duplicate
        "m_h.txt": t[13],  # changed: i (unchanged) is no longer a duplicate
        "d01.txt": t[1] + "\nA sentence added after the first run.\n",
    })
    del second["m_j.txt"]  # removed: k (unchanged) is no longer a duplicate
    del second["d03.txt"]
    third = dict(second)  # nothing changed: no version
    fourth = dict(second)
    fourth.update({"m_l.txt": t[5], "m_e.txt": t[0]})  # l now duplicates d05, e is kept again... of d00
    del fourth["m_0.txt"]
    return [first, second, third, fourth]


def _run_all(tmp: Path, fast: bool, steps, monkeypatch, config: Config = Config()) -> tuple[Path, list[int]]:
    raw, clean = tmp / f"raw-{fast}", tmp / f"clean-{fast}"
    raw.mkdir()
    used = []
    monkeypatch.setattr(version, "FAST_RERUN", fast)
    real = rerun.Rerun.run

    def counted(self):
        used.append(1)
        return real(self)

    monkeypatch.setattr(rerun.Rerun, "run", counted)
    for files in steps:
        _write(raw, files)
        version.run(raw, clean, config, cache_dir=clean / ".cache")
    return clean, used


def _same_versions(a: Path, b: Path) -> None:
    names = version.versions(a)
    assert names == version.versions(b)
    for name in names:
        for f in FILES:
            assert (a / name / f).read_bytes() == (b / name / f).read_bytes(), (name, f)


@pytest.mark.parametrize("batches,written", [("as run", "in a child"), ("as run", "here"), ("small", "in a child"),
                                             ("split", "in a child"), ("split", "here")])
def test_copies_of_the_parent_give_the_bytes_of_writing_everything(tmp_path: Path, monkeypatch, batches,
                                                                  written) -> None:
    if batches == "small":  # rows compared, copied and added to the index 2 at a time;
        monkeypatch.setattr(parent_rows, "BATCH", 2)  # the cache's rows matched with the inputs 2 at a time
        monkeypatch.setattr(merged, "BATCH", 2)
    if batches == "split":  # every range of the parent's data files handed on in pieces of 100 bytes, at once
        monkeypatch.setattr(rerun_files, "SPLIT", 100)
    monkeypatch.setattr(rerun_child, "IN_CHILD", written == "in a child")
    writers = []
    real_files = rerun_child.files
    monkeypatch.setattr(rerun_child, "files", lambda *a, **k: writers.append(real_files(*a, **k)) or writers[-1])
    steps = _steps()
    fast, used = _run_all(tmp_path, True, steps, monkeypatch)
    slow, unused = _run_all(tmp_path, False, steps, monkeypatch)
    assert len(used) == 2 and not unused  # every re-run copied (but the third step's: nothing changed)
    kind = rerun_child.Copier if written == "in a child" else rerun_files.Files
    assert len(writers) == 2 and all(type(w) is kind for w in writers)
    assert version.versions(fast) == ["v1", "v2", "v3"]
    _same_versions(fast, slow)
    rejected = [(fast / v / "rejected.jsonl").read_text() for v in ("v1", "v2", "v3")]
    assert "duplicate of m_a" in rejected[0] and "near duplicate of m_l" in rejected[0]
    assert "m_k" in rejected[0] and "m_i" in rejected[0] and "m_e" not in rejected[0]
    # e (unchanged) became a duplicate of the added m_0; i and k (unchanged) stopped being duplicates
    assert "duplicate of m_0" in rejected[1] and '"m_e"' in rejected[1]
    assert '"m_i"' not in rejected[1] and '"m_k"' not in rejected[1] and '"m_c"' not in rejected[1]
    assert '"m_l"' in rejected[2] and "near duplicate of m_l" not in rejected[2]


def _mixed(a: str, b: str, share: int) -> str:
    """The first ``share`` percent of a's words, then b."""
    words = a.split(" ")
    return " ".join(words[:len(words) * share // 100]) + " " + b


@pytest.mark.parametrize("batch", [1, 3, 64])
def test_rows_compared_and_copied_a_batch_at_a_time_give_the_bytes_of_writing_everything(
        tmp_path: Path, monkeypatch, batch: int) -> None:
    """The rows are compared with the inputs and copied a batch at a time
    (parent_rows.BATCH; boundaries fall inside stretches of copied rows): inputs
    inserted and removed between them, an input whose id is not its path's,
    rows with dirty band keys inside a batch (a kept one that stays kept, its
    duplicate that stays one). Every version is what writing everything gives."""
    t = _texts(14)
    first = {f"d{i:02}.txt": t[i] for i in range(9)}
    first.update({"notes": t[10], "notes.txt": t[12],  # 'notes' is given another id (and rejected)
                  "x.txt": t[9], "y.txt": _near(t[9]), "z.txt": t[13]})  # y: a near duplicate of x
    second = dict(first)
    second.update({"c0.txt": _mixed(t[9], t[11], 46),  # before x, sharing band keys with it: not a duplicate
                   "d03b.txt": t[3] + "\nA new document, inserted.\n", "d05.txt": t[5] + "\nA sentence added.\n"})
    del second["d02.txt"], second["d07.txt"]
    third = dict(second)
    del third["c0.txt"]  # x's band keys dirty again
    third.update({"d02.txt": t[2], "d08.txt": t[8] + "\nAnother sentence.\n"})
    config = Config(repeat_min_docs=1000)  # no line repeated: x's lines in c0 change none of its answers (reused)
    fx, fc = (dedup.fingerprint(process("x", "x.txt", text.encode(), config).doc.text, config)
              for text in (t[9], second["c0.txt"]))
    assert set(array("I", fx.bands)) & set(array("I", fc.bands))  # (else the rows below are not touched)
    monkeypatch.setattr(parent_rows, "BATCH", batch)
    kept = []
    real = rescreen.Index.still_kept
    monkeypatch.setattr(rescreen.Index, "still_kept", lambda self, *a: kept.extend(real(self, *a)) or real(self, *a))
    fast, used = _run_all(tmp_path, True, [first, second, third], monkeypatch, config)
    assert len(used) == 2 and True in kept  # x screened again, kept still, copied
    assert "near duplicate of x" in (fast / "v3" / "rejected.jsonl").read_text()
    slow, _ = _run_all(tmp_path, False, [first, second, third], monkeypatch, config)
    _same_versions(fast, slow)


def test_a_parent_that_is_not_the_rows_version_means_the_full_path(tmp_path: Path, monkeypatch) -> None:
    steps = _steps()
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    _write(raw, steps[0])
    version.run(raw, clean, Config(), cache_dir=clean / ".cache")
    _write(raw, steps[1])
    version.run(raw, clean, Config())  # without the cache: v2 is not what the rows describe
    _write(raw, steps[3])
    used = []
    real = rerun.Rerun.run
    monkeypatch.setattr(rerun.Rerun, "run", lambda self: used.append(1) or real(self))
    done = version.run(raw, clean, Config(), cache_dir=clean / ".cache").inputs_done
    assert not used
    assert done["processed"] == len(steps[3])  # the text of v1's documents is not the parent's: none reused
    full = tmp_path / "full"
    version.run(raw, full, Config())
    for f in FILES[:3]:
        assert (clean / "v3" / f).read_bytes() == (full / "v1" / f).read_bytes()
    shutil.rmtree(full)


def test_the_text_of_a_reused_document_is_its_bytes_in_the_parent_else_it_is_processed_again(
        tmp_path: Path, monkeypatch) -> None:
    """The cache keeps no output text. e (unchanged, its questions answered
    as before) becomes a duplicate of an added document: its rejected line is
    made from its text read back from the parent's files. Once that document
    is removed, e is kept again: its lines were never written (screened out
    in the parent), so it is processed again."""
    t = _texts(5)
    first = {f"d{i}.txt": t[i] for i in range(4)} | {"m_e.txt": t[4]}
    steps = [first, first | {"m_0.txt": t[4]}, first]
    read, again = [], []
    real_read, real_again = carry.read_parts, incremental.Plan.process_again
    monkeypatch.setattr(carry, "read_parts", lambda fds, row, at: read.append(row.path) or real_read(fds, row, at))
    monkeypatch.setattr(incremental.Plan, "process_again",
                        lambda self, i, stats: again.append(self.inputs[i].path) or real_again(self, i, stats))
    fast, used = _run_all(tmp_path, True, steps, monkeypatch)
    assert used == [1, 1] and read == ["m_e.txt"] and again == ["m_e.txt"]
    assert "duplicate of m_0" in (fast / "v2" / "rejected.jsonl").read_text()
    assert '"m_e"' in (fast / "v3" / "documents.jsonl").read_text()
    slow, _ = _run_all(tmp_path, False, steps, monkeypatch)
    _same_versions(fast, slow)


def test_a_run_that_writes_no_version_leaves_the_rows_to_the_parent(tmp_path: Path, monkeypatch) -> None:
    """A first run with a cache whose output is the parent's (no version is
    written) records its rows as the parent's: the next runs reuse them."""
    steps = _steps()
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    _write(raw, steps[0])
    version.run(raw, clean, Config())  # no cache
    first = version.run(raw, clean, Config(), cache_dir=clean / ".cache")
    assert first.version is None and first.inputs_done["processed"] == len(steps[0])
    used = []
    real = rerun.Rerun.run
    monkeypatch.setattr(rerun.Rerun, "run", lambda self: used.append(1) or real(self))
    again = version.run(raw, clean, Config(), cache_dir=clean / ".cache")
    assert again.version is None and again.inputs_done["processed"] == 0 and not used  # nothing changed: no pass
    _write(raw, steps[1])
    done = version.run(raw, clean, Config(), cache_dir=clean / ".cache")
    assert done.version == "v2" and used == [1]
    full = tmp_path / "full"
    version.run(raw, full, Config())
    for f in FILES[:3]:
        assert (clean / "v2" / f).read_bytes() == (full / "v1" / f).read_bytes(), f


def test_rows_are_adopted_by_the_parent_only_for_the_same_bytes(tmp_path: Path) -> None:
    parent, tmp = tmp_path / "v1", tmp_path / "tmp"
    parent.mkdir()
    tmp.mkdir()
    heads = {"report.json": (rerun.report_json_start("v1", None), rerun.report_json_start("v2", "v1")),
             "report.md": (b"# v1\n", b"# v2, longer\n")}
    tails = {"report.json": (b'],"summary":1}\n', b'],"summary":22,"more":[]}\n')}  # (its counts end it)
    body = {f: f"{f}: the documents' parts\n".encode() * 3 for f in carry.FILES}
    sizes, starts, ends = {}, [], []
    for f in carry.FILES:
        old, new = heads.get(f, (b"", b""))
        old_tail, new_tail = tails.get(f, (b"", b""))
        (parent / f).write_bytes(old + body[f] + old_tail)
        (tmp / f).write_bytes(new + body[f] + new_tail)
        sizes[f] = len(new + body[f] + new_tail)
        starts.append(len(new))
        ends.append(len(new + body[f]))
    outputs = {f: {"sha256": hashlib.sha256((parent / f).read_bytes()).hexdigest(),
                   "lines": (parent / f).read_bytes().count(b"\n")} for f in carry.FILES}
    (parent / "manifest.json").write_text(json.dumps({"inputs": [], "outputs": outputs}, indent=2))
    db = sqlite3.connect(":memory:")
    carry.prepare(db)
    totals = {"tally": {"kept": 2}, "review": {"count": 1}}
    assert carry.adopt(db, parent, tmp, sizes, starts, ends, totals)
    got = carry.parent(db, tmp_path, "v1")
    assert got is not None and got.totals == totals and got.starts == [0, 0, 0, len(heads["report.json"][0]), len(heads["report.md"][0])]
    assert got.sizes == [(parent / f).stat().st_size for f in carry.FILES]
    for f in ("report.md", "report.json"):  # a document's part differs
        new_bytes = (tmp / f).read_bytes()
        (tmp / f).write_bytes(new_bytes.replace(b"parts", b"PARTS", 1))
        assert not carry.adopt(db, parent, tmp, sizes, starts, ends, totals), f
        (tmp / f).write_bytes(new_bytes)
    assert carry.adopt(db, parent, tmp, sizes, starts, ends, totals)
    (parent / "report.json").write_bytes(b"{" + body["report.json"] + tails["report.json"][0])  # not opened as a report
    assert not carry.adopt(db, parent, tmp, sizes, starts, ends, totals)


def test_a_rows_manifest_entry_is_what_the_manifest_keeps(tmp_path: Path) -> None:
    """carry.manifest_line (kept with each row, copied by a re-run) gives
    what spill.FlatDicts keeps for the values (path, sha256 or None, size),
    for any path and each form of sha256."""
    from pipeline import spill

    for path in ("a.txt", 'we"ird\\ ,\t,é.txt', "sub/dir/b.txt", "ctl\x01\n.txt"):
        for sha256 in ("ab" * 32, "", None):
            flat = spill.FlatDicts(rerun.MANIFEST_INPUT, tmp_path)
            flat.append_values(path, sha256 or None, 1234)
            assert carry.manifest_line(path, sha256, 1234) == next(flat.lines())


def test_the_totals_are_the_sum_of_the_rows(tmp_path: Path) -> None:
    """What a re-run starts from (the totals kept with the rows) is what
    adding up every row gives, after a full run and after a re-run."""
    from pipeline import cache, report, to_review
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    for files in _steps():
        _write(raw, files)
        version.run(raw, clean, Config(), cache_dir=clean / ".cache")
        (directory,) = (clean / ".cache").iterdir()
        db = sqlite3.connect(directory / cache.FILE)
        meta = json.loads(db.execute("SELECT value FROM carry_meta WHERE name = 'version'").fetchone()[0])
        tally, review = report.Tally(), to_review.Review(Config())
        for row in carry.rows(db):
            t = carry.Tally.of_row(row)
            tally.add_counts(t.reason, t.chars_in, t.chars_out, t.records, t.rule_edits)
            review.add(t)
        assert meta["totals"] == carry.totals(tally, review)
        db.close()


def _report_head(vdir: Path) -> dict:
    report = json.loads((vdir / "report.json").read_text(encoding="utf-8"))
    return {"summary": report["summary"], "stages": report["stages"]}


def _touched(raw: Path, names) -> None:
    """New mtimes (a day earlier: not racily recent), the same bytes."""
    for name in names:
        st = (raw / name).stat()
        os.utime(raw / name, ns=(st.st_atime_ns, st.st_mtime_ns - DAY_NS))


@pytest.mark.parametrize("config", [Config(), Config(repeat_min_docs=2, repeat_min_share=0.1)])
def test_a_run_where_only_stats_changed_copies_nothing_and_writes_no_version(
        tmp_path: Path, monkeypatch, config: Config) -> None:
    """Inputs touched (new stats, the same bytes): each is hashed again, and
    the output is known to be the parent's without a pass over its rows. The
    summary is the parent's; the new stats are kept (not hashed next time)."""
    steps = _steps()
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    _write(raw, steps[0])
    version.run(raw, clean, config, cache_dir=clean / ".cache")
    _write(raw, steps[1])
    version.run(raw, clean, config, cache_dir=clean / ".cache")
    made = []
    monkeypatch.setattr(rerun, "Rerun", lambda *a, **k: made.append(1) or pytest.fail("a pass over the rows"))
    names = sorted(steps[1])[::3]
    _touched(raw, names)
    done = version.run(raw, clean, config, cache_dir=clean / ".cache")
    assert done.version is None and done.latest == "v2" and not made
    assert done.inputs_done["hashed"] == len(names) and done.inputs_done["processed"] == 0
    assert {"summary": done.summary, "stages": done.stages} == _report_head(clean / "v2")
    assert version.run(raw, clean, config, cache_dir=clean / ".cache").inputs_done["hashed"] == 0
    assert version.versions(clean) == ["v1", "v2"]


def _outcome_forgotten(clean: Path, path: str) -> None:
    from pipeline import cache
    (directory,) = (clean / ".cache").iterdir()
    db = sqlite3.connect(directory / cache.FILE)
    assert db.execute("DELETE FROM outcome WHERE path = ?", (path,)).rowcount == 1
    db.commit()
    db.close()


@pytest.mark.parametrize("change", ["bytes", "removed", "added", "no outcome", "renamed"])
def test_any_other_change_takes_the_pass_and_gives_the_bytes_of_a_full_run(
        tmp_path: Path, monkeypatch, change: str) -> None:
    """What the shortcut above must leave alone: a changed byte, an input
    removed, added or renamed (its bytes the same), a cache that lacks one
    input's outcome. Each takes the pass over the rows (or processes the
    input again) and writes what a full run writes."""
    steps = _steps()
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    _write(raw, steps[0])
    version.run(raw, clean, Config(), cache_dir=clean / ".cache")
    used = []
    real = rerun.Rerun.run
    monkeypatch.setattr(rerun.Rerun, "run", lambda self: used.append(1) or real(self))
    files = dict(steps[0])
    if change == "bytes":
        files["d02.txt"] += "\nOne more sentence, in a paragraph of its own.\n"
    elif change == "removed":
        del files["d02.txt"]
    elif change == "added":
        files["d99.txt"] = files["d02.txt"] + "\nAnd a last word.\n"
    elif change == "renamed":
        files["d02b.txt"] = files.pop("d02.txt")
    _write(raw, files)
    if change == "no outcome":
        _outcome_forgotten(clean, "d02.txt")
        _touched(raw, ["d02.txt"])
    done = version.run(raw, clean, Config(), cache_dir=clean / ".cache")
    assert used == [1] or done.inputs_done["processed"] > 0
    full = tmp_path / "full"
    version.run(raw, full, Config())
    latest = version.read_latest(clean)
    for f in FILES[:3]:
        assert (clean / latest / f).read_bytes() == (full / "v1" / f).read_bytes(), f
    assert (done.version is None) == (change == "no outcome")


def test_changed_inputs_are_processed_from_the_start_of_the_pass_and_the_others_in_their_turn(
        tmp_path: Path, monkeypatch) -> None:
    """A re-run's workers start on the new and changed inputs before the
    cached outcomes are scanned (Plan.processed); the unchanged inputs the
    scan finds not reusable (here: their outcomes forgotten) go to workers
    of their own as the pass reaches them. Both kinds interleave in input
    order: the bytes of a full run."""
    from pipeline.executors import make
    from pipeline.executors.local import LocalExecutor
    monkeypatch.setattr(incremental, "IN_PROCESS_MAX", 0)  # workers for a few inputs too
    steps = _steps()
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    _write(raw, steps[0])
    version.run(raw, clean, Config(), cache_dir=clean / ".cache", executor=make("local", 2))
    files = dict(steps[0])
    for name in ("d01.txt", "d04.txt", "m_f.txt"):
        files[name] += "\nA sentence added after the first run, in a paragraph of its own.\n"
    _write(raw, files)
    for name in ("d00.txt", "d02.txt", "m_l.txt"):
        _outcome_forgotten(clean, name)
    events = []
    real_reusable, real_map = incremental.Plan._reusable, LocalExecutor.map
    monkeypatch.setattr(incremental.Plan, "_reusable", lambda self, *a, **k: events.append("scan") or real_reusable(self, *a, **k))

    def map_(self, fn, items, shared):
        events.append(f"{fn.__module__}.{fn.__name__}")
        yield from real_map(self, fn, items, shared)
    monkeypatch.setattr(LocalExecutor, "map", map_)
    done = version.run(raw, clean, Config(), cache_dir=clean / ".cache", executor=make("local", 2))
    second = "pipeline.runner.work"  # (the first pass's is pipeline.stats_pass's)
    assert events == ["pipeline.stats_pass.work", second, "scan", second]
    assert done.inputs_done["processed"] == 6
    full = tmp_path / "full"
    version.run(raw, full, Config())
    for f in FILES[:3]:
        assert (clean / "v2" / f).read_bytes() == (full / "v1" / f).read_bytes(), f


def test_an_iterator_started_is_advanced_once_made_and_gives_every_item() -> None:
    taken = []

    def items(n):
        for i in range(n):
            taken.append(i)
            yield i
    started = incremental._Started(items(3))
    assert taken == [0]
    assert list(started) == [0, 1, 2]
    assert list(incremental._Started(items(0))) == []
    gen = items(5)
    stopped = incremental._Started(gen)
    stopped.close()
    assert gen.gi_frame is None and taken == [0, 1, 2, 0]  # closed: nothing more taken


def _words(seed: int, n: int = 120) -> list[str]:
    import random
    rng = random.Random(seed)
    return [f"w{rng.randrange(400)}" for _ in range(n)]


def test_the_index_names_each_candidate_by_the_input_at_its_step() -> None:
    """rescreen.Index keeps no id or path per parent row: a candidate (a
    parent row kept, or a written document) is named by the input at its
    step. Parent rows at odd steps (their band keys loaded two rows at a
    time), documents written at even ones: every decision is the one a full
    run's DuplicateIndex gives, naming the same document; a parent row
    screened again with its parent's decision (``was``) keeps it."""
    config = Config()
    a, b, c, d, e = (" ".join(_words(seed)) for seed in range(5))
    near_b = " ".join(_words(1)[:60] + ["changed"] + _words(1)[61:])
    texts = [a, b, a, near_b, near_b, "", "", c, c, a, d, b, "", a, near_b, d, a, e, e]
    not_screened = {7}  # a parent row rejected before screening
    dropped = {13: b}  # a parent row written again: the parent's text was b, the new one is a
    keys = [(f"d{i:02}", f"d{i:02}.txt") for i in range(len(texts))]
    fps = [dedup.fingerprint(t, config) for t in texts]
    full, decisions = dedup.DuplicateIndex(config), []
    for i, fp in enumerate(fps):
        match = None if i in not_screened else full.find_fingerprint(keys[i][0], fp)
        decisions.append(None if match is None else dedup.detail(match, config))
    assert decisions[2] == dedup.detail(dedup.Match("d00", True, 1.0), config)
    assert decisions[4].startswith("near duplicate of d01") and decisions[6].startswith("duplicate of d05")
    assert decisions[8] is None  # d07 is not in the index
    assert decisions[18].startswith("duplicate of d17")  # a parent row of the last batch

    parent = [i for i in range(len(texts)) if i % 2]
    old_fps = {i: dedup.fingerprint(dropped[i], config) if i in dropped else fps[i] for i in parent}
    bands = [None if i in not_screened else old_fps[i].bands for i in parent]
    records = [None if i in not_screened else old_fps[i].digest + old_fps[i].signature for i in parent]

    index = rescreen.Index(config, keys.__getitem__)
    for step, fp in enumerate(fps):
        row = parent.index(step) if step in parent else None
        if row is not None and row % 2 == 0:  # the parent rows read two at a time, as they are reached
            index.add_parent_rows(row, bands[row:row + 2], records[row:row + 2])
        if row is not None and step not in dropped:
            if decisions[step] is not None:  # screened again: still a duplicate of the same document
                assert index.decide(step, fp, decisions[step]) == decisions[step]
            index.keep_parent(row, step, step not in not_screened and decisions[step] is None)
            continue
        if row is not None:
            index.drop_parent(row)
        assert index.decide(step, fp) == decisions[step], step
        if decisions[step] is None:
            index.add(step, fp)
    assert len(index._steps) == len(parent) and index._steps[0] == 1 and index._steps[1] == -1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(st.integers(0, 40), max_size=6)), min_size=1, max_size=60),
       st.integers(1, 7), st.data())
def test_the_parent_rows_sharing_a_band_key_are_each_row_in_the_index_with_one(rows, batch, data) -> None:
    """Index._rows gives the rows passed, kept in the index, that have one of
    the band keys (without any: the rows screened without words), each once,
    however the rows' keys were added (batches merged into a few sorted arrays)."""
    config = Config()
    size = 16 + 4 * config.duplicate_num_perm
    index = rescreen.Index(config, lambda step: (f"d{step}", f"d{step}.txt"))
    bands = [None if keys is None else array("I", keys).tobytes() for keys in rows]
    for first in range(0, len(rows), batch):
        some = bands[first:first + batch]
        index.add_parent_rows(first, some, [None if b is None else bytes(size) for b in some])
    passed = data.draw(st.integers(0, len(rows)))
    kept = data.draw(st.lists(st.booleans(), min_size=passed, max_size=passed))
    for row in range(passed):
        if kept[row]:
            index.keep_parent(row, 3 * row, bands[row] is not None)
        else:
            index.drop_parent(row)
    asked = data.draw(st.lists(st.integers(0, 42), max_size=5))
    want = {(3 * r, 0, r) for r in range(passed) if kept[r] and rows[r] is not None
            and (set(rows[r]) & set(asked) if asked else not rows[r])}
    got = index._rows(np.array(asked, np.uint32))
    index.close()
    assert len(got) == len(set(got)) and set(got) == want


def test_a_parent_rows_record_of_another_size_is_refused() -> None:
    """The index reads the parent rows' records by position: one of another
    size (another num_perm, a damaged cache) would shift every one after it."""
    config = Config()
    fp = dedup.fingerprint("a few words for a fingerprint of their own, " * 4, config)
    index = rescreen.Index(config, lambda step: (f"d{step}", f"d{step}.txt"))
    with pytest.raises(ValueError):
        index.add_parent_rows(0, [fp.bands], [fp.digest + fp.signature[:-4]])
    with pytest.raises(ValueError):
        index.add_parent_rows(0, [fp.bands, fp.bands], [fp.digest + fp.signature])
    index.add_parent_rows(0, [fp.bands, None], [fp.digest + fp.signature, None])  # (None: not screened)
    index.close()


def test_a_kept_row_without_its_record_means_the_full_path(tmp_path: Path, monkeypatch) -> None:
    """A screened parent row whose record is missing (a damaged cache) is
    found as its batch is read: the run starts again without the cache and
    writes what a run without it writes."""
    from pipeline import cache
    steps = _steps()
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    _write(raw, steps[0])
    version.run(raw, clean, Config(), cache_dir=clean / ".cache")
    (directory,) = (clean / ".cache").iterdir()
    db = sqlite3.connect(directory / cache.FILE)
    with db:
        assert db.execute("UPDATE carry SET record = NULL WHERE id = 'm_l'").rowcount == 1
    db.close()
    _write(raw, steps[1])
    damaged = []
    real = cache.Damaged.__init__
    monkeypatch.setattr(cache.Damaged, "__init__", lambda self, *a: damaged.append(a) or real(self, *a))
    version.run(raw, clean, Config(), cache_dir=clean / ".cache")
    assert damaged and "no duplicate record for m_l.txt" in str(damaged[0])
    full = tmp_path / "full"
    version.run(raw, full, Config())
    for f in FILES[:3]:
        assert (clean / "v2" / f).read_bytes() == (full / "v1" / f).read_bytes()


def test_a_manifests_outputs_are_read_from_its_end(tmp_path: Path, monkeypatch) -> None:
    """carry.manifest_outputs reads back from the end of a manifest until its
    "outputs" (a path that looks like them is escaped JSON), not the whole file."""
    import io

    class Counted(io.BytesIO):
        read_bytes = 0

        def read(self, n=-1):
            data = super().read(n)
            self.read_bytes += len(data)
            return data

    outputs = {f: {"sha256": f"{i}" * 64, "lines": i} for i, f in enumerate(carry.FILES)}
    inputs = [{"path": f'in{i}.txt\n  "outputs": {{}}', "sha256": "ab" * 32, "size": i} for i in range(200)]
    text = json.dumps({"inputs": inputs, "outputs": outputs, "counts": {"inputs": 200}}, indent=2) + "\n"
    vdir = tmp_path / "v1"
    vdir.mkdir()
    (vdir / "manifest.json").write_text(text)
    monkeypatch.setattr(carry, "TAIL", 64)  # read back in doubling lengths
    assert carry.manifest_outputs(vdir) == outputs
    f = Counted(text.encode())
    assert carry._tail_from(f, carry.OUTPUTS_AT) == text[text.rindex('\n  "outputs": '):].encode()
    assert 0 < f.read_bytes < len(text) // 10
    (vdir / "manifest.json").write_text(json.dumps({"inputs": inputs}, indent=2))
    assert carry.manifest_outputs(vdir) is None


@pytest.mark.parametrize("bundle", [1, 4, 16])
def test_the_data_writer_writes_each_file_on_its_thread_and_raises_what_writing_raised(
        tmp_path: Path, monkeypatch, bundle: int) -> None:
    monkeypatch.setattr(rerun_files, "BUNDLE", bundle)  # ranges handed on as they come, some at a time, all at the end
    parents = []
    for f in range(rerun_files.DATA):
        (tmp_path / f"parent-{f}").write_bytes(bytes([65 + f]) * 5000)
        parents.append(os.open(tmp_path / f"parent-{f}", os.O_RDONLY))
    try:
        for name, bad in (("ok", None), ("short", 1)):  # file 1: a range past the end of its parent
            (tmp_path / name).mkdir()
            writer = rerun_files.DataWriter(tmp_path / name, parents, {3: b"head 3\n"})
            assert len(writer.threads) == len(set(rerun_files.LANES)) > 1
            for f in range(rerun_files.DATA):
                sink = writer.sink(f)
                for _ in range(3):
                    sink([rerun_files.PARENT, 4990 if f == bad else 10, 100, None])
                    sink([rerun_files.FRESH, 0, 3, b"new"])
            if bad is None:
                for f, out in enumerate(writer.finish({3: b"]}\n"})):
                    out.close()
                    ranges = [bytes([65 + f]) * 100, b"new"] * 3
                    expected = b"".join(ranges) if f < 3 else b"head 3\n" + b",".join(ranges) + b"]}\n"  # (its separator)
                    assert (tmp_path / name / carry.FILES[f]).read_bytes() == expected
                    assert out.start == (0 if f < 3 else len(b"head 3\n"))
            else:
                with pytest.raises(ShortRead):
                    writer.finish({})
                writer.abort()  # (nothing left to do)
    finally:
        for fd in parents:
            os.close(fd)


def test_a_sinks_range_of_the_parent_goes_on_in_pieces_of_split_bytes(monkeypatch) -> None:
    monkeypatch.setattr(rerun_files, "SPLIT", 100)
    P, F = rerun_files.PARENT, rerun_files.FRESH
    sunk = []
    data = rerun_files.Segments(b"", sunk.append)
    data.add(P, 0, 40)
    data.add(P, 40, 40)  # joined: 80 bytes, kept
    assert sunk == []
    data.add(P, 80, 50)  # joined: 130 bytes, handed on at once
    assert sunk == [[P, 0, 130, None]]
    data.add(P, 130, 20)  # the rest follows as a range of its own
    data.add(P, 150, 250)  # (one range of SPLIT bytes or more: handed on as it comes)
    assert sunk == [[P, 0, 130, None], [P, 130, 270, None]]
    data.add(F, 0, 500, b"x" * 500)  # a fresh part is never cut: it goes when the next range starts
    data.add(P, 400, 10)
    data.close()
    assert sunk[2:] == [[F, 0, 500, b"x" * 500], [P, 400, 10, None]]
    # without a sink (a file written last, and a separator): one range of the parent, all kept for the end
    headed = rerun_files.Segments(b",")
    for at in range(0, 500, 50):
        headed.add(P, at, 49)
    headed.close()
    assert headed.items == [[P, 0, 499, None]]
    # a sink and a separator: parts one separator apart joined; the rest of a range of SPLIT bytes
    # follows as the next range (the next part starts after a separator: the writer puts it there)
    sunk.clear()
    joined = rerun_files.Segments(b",", sunk.append)
    for at in range(0, 150, 50):
        joined.add(P, at, 49)
    assert sunk == [[P, 0, 149, None]]  # (the separator at 149 is the writer's to put)
    joined.add(P, 150, 49)
    joined.add(P, 260, 10)  # not adjacent (a part between them was not copied)
    joined.close()
    assert sunk == [[P, 0, 149, None], [P, 150, 49, None], [P, 260, 10, None]]


def test_the_sinks_hand_on_a_range_of_split_bytes_at_once(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rerun_files, "SPLIT", 100)
    fds = _parents(tmp_path)
    try:
        with Syncer() as syncer:
            for where in ("here", "in a child"):
                monkeypatch.setattr(rerun_child, "IN_CHILD", where == "in a child")
                (tmp_path / where).mkdir()
                writer = rerun_child.files(tmp_path / where, fds[:-1], fds[-1], syncer, {})
                try:
                    waiting = writer.pending if where == "in a child" else writer.data.bundles[0]
                    sink = writer.sink(0)
                    sink([rerun_files.PARENT, 0, 99, None])
                    assert len(waiting) == 1  # (a small range waits for others)
                    sink([rerun_files.PARENT, 99, 100, None])
                    assert waiting == []  # both handed on
                finally:
                    writer.abort()
    finally:
        for fd in fds:
            os.close(fd)


def _parents(tmp_path: Path) -> list[int]:
    """Open files of 5,000 bytes (each of one letter) for each of FILES, and a fresh parts' file."""
    fds = []
    for f in range(len(carry.FILES) + 1):
        (tmp_path / f"parent-{f}").write_bytes(bytes([65 + f]) * 5000)
        fds.append(os.open(tmp_path / f"parent-{f}", os.O_RDONLY))
    return fds


@pytest.mark.parametrize("case", ["ok", "short"])
def test_the_files_written_in_a_child_are_those_written_here_and_it_raises_what_writing_raised(
        tmp_path: Path, monkeypatch, case: str) -> None:
    monkeypatch.setattr(rerun_child, "SENT_AT_ONCE", 4)  # ranges sent some at a time, the rest with write
    fds = _parents(tmp_path)
    heads = {3: b"head 3\n"}  # (written first: report.json's documents follow its version and parent)
    ends = {3: (b"", b"]}\n"), 4: (b"head 4\n", b"]}\n")}
    items = {4: [[rerun_files.PARENT, 10, 100, None], [rerun_files.FRESH, 20, 5, None],
                 [rerun_files.PARENT, 4990 if case == "short" else 30, 100, None]]}
    got = {}
    try:
        for where in ("here", "in a child"):
            (tmp_path / where).mkdir()
            with Syncer() as syncer:
                monkeypatch.setattr(rerun_child, "IN_CHILD", where == "in a child")
                writer = rerun_child.files(tmp_path / where, fds[:-1], fds[-1], syncer, heads)
                assert type(writer) is (rerun_child.Copier if where == "in a child" else rerun_files.Files)
                for f in range(rerun_files.DATA):
                    sink = writer.sink(f)
                    for _ in range(3):
                        sink([rerun_files.PARENT, 10, 100, None])
                        sink([rerun_files.FRESH, 0, 3, b"new"])
                try:
                    if case == "short":  # a range past the end of its parent: raised here, from the child
                        with pytest.raises(ShortRead):
                            writer.write(ends, items, lambda: None)
                        continue
                    called = []
                    written = writer.write(ends, items, lambda: called.append(1))
                finally:
                    writer.abort()
                assert called == [1] and syncer.wait() == set(carry.FILES)
            files = [(tmp_path / where / name).read_bytes() for name in carry.FILES]
            assert [w.sha256 for w in written] == [hashlib.sha256(b).hexdigest() for b in files]
            assert [w.size for w in written] == list(map(len, files))
            assert [w.start for w in written] == [0] * 3 + [len(b"head 3\n"), len(b"head 4\n")]
            assert files[0] == (b"A" * 100 + b"new") * 3
            assert files[3] == b"head 3\n" + b",".join([b"D" * 100, b"new"] * 3) + b"]}\n"  # (its separator)
            assert files[4] == b"head 4\n" + b"E" * 100 + b"F" * 5 + b"E" * 100 + b"]}\n"
            assert all(os.stat(tmp_path / where / name).st_mode & 0o222 == 0 for name in carry.FILES)  # sealed
            got[where] = files, written
        if case == "ok":
            assert got["here"] == got["in a child"]
    finally:
        for fd in fds:
            os.close(fd)


@pytest.mark.parametrize("end", ["killed", "killed, then sent ranges", "aborted"])
def test_a_child_that_ends_before_writing_is_an_error_or_is_stopped(tmp_path: Path, monkeypatch, end: str) -> None:
    monkeypatch.setattr(rerun_child, "SENT_AT_ONCE", 2)
    fds = _parents(tmp_path)
    try:
        with Syncer() as syncer:
            writer = rerun_child.Copier(tmp_path, fds[:-1], fds[-1], syncer, {})
            sink = writer.sink(0)
            sink([rerun_files.PARENT, 0, 10, None])
            if end.startswith("killed"):
                os.kill(writer.process.pid, 9)
                writer.process.join()  # (gone: its end of the pipe closed)
                with pytest.raises(rerun_child.CopierDied, match="ended unexpectedly .exit code -9"):
                    if end == "killed":
                        writer.write({}, {}, lambda: None)
                    else:  # during the pass
                        sink([rerun_files.PARENT, 10, 10, None])
            writer.abort()  # (reaped: not waited for again)
            writer.process.join(5)
            assert not writer.process.is_alive()
            assert writer.process.exitcode == (-9 if end.startswith("killed") else 0)
    finally:
        for fd in fds:
            os.close(fd)


@pytest.mark.parametrize("why", ["no child can be made", "another engine's threads run here"])
def test_the_files_are_written_here_when_no_child_may_be_forked(tmp_path: Path, monkeypatch, why: str) -> None:
    def no_child(*args):
        raise OSError("no process")
    if why == "no child can be made":
        monkeypatch.setattr(rerun_child, "Copier", no_child)
    fds = _parents(tmp_path)
    try:
        with Syncer() as syncer:
            writer = rerun_child.files(tmp_path, fds[:-1], fds[-1], syncer, {}, in_child=why != "another engine's threads run here")
            assert type(writer) is rerun_files.Files
            writer.abort()
    finally:
        for fd in fds:
            os.close(fd)


def test_a_plan_forks_beside_the_local_executor_only() -> None:
    from pipeline.executors.local import LocalExecutor

    def plan(executor):
        return incremental.Plan([], Path("."), Config(), None, executor, False, None)
    assert plan(None).forks_safely() and plan(LocalExecutor(2)).forks_safely()
    assert not plan(object()).forks_safely()  # (as Ray's executor: not a LocalExecutor)
