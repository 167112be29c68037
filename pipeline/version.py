"""Writing a version: clean/vN built in a temporary directory, validated,
renamed into place, then LATEST replaced atomically. A version is never
touched again; when the output equals LATEST's, no version is written.

A run can be killed at any moment (SIGKILL, power loss): the rename of the
complete, fsynced temporary directory is the moment a version is published,
so clean/ only ever holds complete versions. What a killed run leaves behind
is repaired by the next run, under the lock, before it does anything else:
temporary directories and LATEST files are removed, and a version published
by a run that died before it could update LATEST (the newest version, whose
parent is what LATEST names) becomes LATEST.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pipeline
from pipeline import carry, changes, dedup, listing, report, rerun, spill
from pipeline import to_review  # removals to review
from pipeline import cache, handover, incremental  # per-input work, mapped by an executor, cached
from pipeline.config import Config
from pipeline.hashed import HashedWriter, ShortRead, Syncer
from pipeline.launch import CACHE_DIR  # <clean>/.cache: the per-document cache (pipeline.cache)
from pipeline.corpus import list_inputs
from pipeline.schemas import SCHEMA_DIR, check

DATA_FILES = ("documents.jsonl", "records.jsonl", "rejected.jsonl")
VERSION_RE = re.compile(r"^v([1-9][0-9]*)$")
TMP_PREFIX = ".tmp-"  # a version being built
LATEST_TMP_PREFIX = ".LATEST."  # a LATEST being written
SPILL_DIR = ".spill"  # in a version being built: repaired documents between the passes (pipeline.handover)
_JSON = json.JSONDecoder()
GC_YOUNG = 20_000  # container objects made (net) between two collections of the young ones (Python's: 700)
FAST_RERUN = True  # copy the parent's bytes of what did not change (pipeline.rerun); tests turn it off


class ProcessingError(Exception):
    """A stage raised on one input: a bug in the pipeline (nothing is published)."""


@dataclass
class RunResult:
    version: str | None  # the version written, or None when nothing changed
    latest: str | None  # what LATEST names after the run
    summary: dict = field(default_factory=dict)
    stages: list = field(default_factory=list)
    inputs_done: dict = field(default_factory=dict)  # inputs hashed, decoded, rechecked, processed (pipeline.incremental)


def code_version() -> dict:
    """The package version and a hash over the pipeline's sources and schemas."""
    root = Path(pipeline.__file__).resolve().parent
    h = hashlib.sha256()
    files = sorted(root.rglob("*.py")) + sorted(SCHEMA_DIR.glob("*.json"))
    for path in files:
        h.update(path.relative_to(root.parent).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return {"package": pipeline.__version__, "source_sha256": h.hexdigest()}


def versions(clean_dir: Path) -> list[str]:
    if not clean_dir.is_dir():
        return []
    names = [p.name for p in clean_dir.iterdir() if p.is_dir() and VERSION_RE.match(p.name)]
    return sorted(names, key=lambda n: int(n[1:]))


def read_latest(clean_dir: Path) -> str | None:
    try:
        name = (clean_dir / "LATEST").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if VERSION_RE.match(name) and (clean_dir / name).is_dir() else None


@contextmanager
def locked(clean_dir: Path, on_wait: Callable[[], None]) -> Iterator[None]:
    """One run at a time per clean/: a second run waits for the first.

    The lock is a POSIX record lock (lockf) on clean/.lock, which the kernel
    releases when the process holding it ends, however it ends: a killed run
    never leaves a stale lock. Not flock: an flock belongs to the open file,
    which forked workers share, so workers orphaned by a SIGKILL of the run
    would hold it forever; a record lock belongs to the process alone.
    """
    with open(clean_dir / ".lock", "w") as lock:
        try:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            on_wait()
            fcntl.lockf(lock, fcntl.LOCK_EX)
        yield


def file_stats(path: Path) -> dict:
    h, lines = hashlib.sha256(), 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            lines += chunk.count(b"\n")
    return {"sha256": h.hexdigest(), "lines": lines}


def run(raw_dir: Path, clean_dir: Path, config: Config,
        on_progress: Callable[[int, int, int], None] = lambda done, total, nbytes: None,
        on_wait: Callable[[], None] = lambda: None, executor=None, cache_dir: Path | None = None,
        rehash: bool = False, on_note: Callable[[str], None] = lambda message: None,
        ahead: "listing.Ahead | None" = None) -> RunResult:
    """``executor`` (pipeline.executors) decides where documents are processed;
    None processes them in this process. ``cache_dir`` keeps the per-document
    cache (pipeline.cache; the CLI uses ``<clean>/.cache``); None runs without;
    ``rehash`` reads every input instead of trusting unchanged stats. The
    output is the same either way. ``on_note`` hears of a damaged cache.
    ``ahead``: a listing of raw_dir the caller started (pipeline.launch),
    taken by a re-run when it did not wait for the lock (else it is closed:
    inputs may have changed while another run had the lock)."""
    clean_dir.mkdir(parents=True, exist_ok=True)
    waited = []

    def wait() -> None:
        waited.append(True)
        on_wait()
    with locked(clean_dir, wait), _collecting_less():
        recover(clean_dir)
        parent = read_latest(clean_dir)
        given = ahead if ahead is not None and not waited and ahead.raw_dir == raw_dir else None
        if ahead is not None and given is None:
            ahead.close()
        code = code_version()  # once: the cache's key and the manifest name the same code
        for attempt in (1, 2):
            tmp, store, ahead = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=clean_dir)), None, None
            try:
                if attempt == 1 and cache_dir is not None and cache_dir.is_dir():  # a re-run, likely
                    # listed and stated meanwhile, in a child process
                    ahead, given = given if given is not None else listing.start(raw_dir), None
                store = _open_cache(cache_dir, config, on_note, code["source_sha256"])
                with Syncer() as syncer:  # left (its fsyncs done) before tmp is removed
                    return _build(raw_dir, clean_dir, tmp, parent, config, code, on_progress, executor, store,
                                  rehash, syncer, ahead)
            except cache.Damaged as err:  # found while reading an entry: start again without it
                if attempt == 2 or store is None:
                    raise
                store.close()
                on_note(f"the cache is damaged ({err}); removed it, the run starts again and rebuilds it")
                cache.remove(store.path.parent)
            finally:
                for unused in (ahead, given):
                    if unused is not None:
                        unused.close()  # (nothing to do once its result was taken)
                given = None
                if store is not None:
                    store.close()  # without commit (pipeline.incremental commits): as before the run
                handover.close_all()
                shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def _collecting_less() -> Iterator[None]:
    """Python's cycle collector scans the young objects every 700 container
    objects made (net of those freed): a chunk of Results unpickled makes
    more than that at once, almost all freed with their document, so it ran
    once per chunk (~0.1 s of the main process at 20k). Every 20,000 it runs
    a few times per run. Restored after the run (a library call).

    What exists when the run starts (the modules: ~90,000 objects) is frozen
    for the run (gc.freeze: no collection looks at it): the full collection
    before each pool of workers forks (pipeline.executors.local) looked at
    all of it, ~10 ms each. Unfrozen after the run, unless the caller had
    frozen objects itself (then they stay as the caller left them)."""
    before = gc.get_threshold()
    gc.set_threshold(GC_YOUNG, *before[1:])
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        yield
    finally:
        if freeze:
            gc.unfreeze()
        gc.set_threshold(*before)


def _open_cache(cache_dir: Path | None, config: Config, on_note, source_sha256: str) -> "cache.Store | None":
    if cache_dir is None:
        return None
    directory = cache.prepare(cache_dir, config, source_sha256)
    try:
        return cache.Store(directory)
    except cache.Damaged as err:
        on_note(f"the cache is damaged ({err}); removed it, this run rebuilds it")
        cache.remove(directory)
        return cache.Store(directory)


def recover(clean_dir: Path) -> list[str]:
    """Repair what killed runs left in clean_dir; call it holding the lock
    (then no other run is writing). Returns what it did, for tests and logs."""
    done = []
    for p in sorted(clean_dir.iterdir()):
        if p.name.startswith(TMP_PREFIX) and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
            done.append(f"removed {p.name}")
        elif p.name.startswith(LATEST_TMP_PREFIX):
            p.unlink()
            done.append(f"removed {p.name}")
    existing = versions(clean_dir)
    if existing:
        newest, latest = existing[-1], read_latest(clean_dir)
        if newest != latest and _parent_of(clean_dir / newest, missing=newest) == latest:
            _write_latest(clean_dir, newest)
            done.append(f"LATEST set to {newest}, published by a run that stopped before updating LATEST")
    return done


def _parent_of(vdir: Path, missing: str) -> str | None:
    try:
        return json.loads((vdir / "manifest.json").read_text(encoding="utf-8"))["parent"]
    except (OSError, ValueError, KeyError, TypeError):
        return missing  # not a version this code wrote: leave LATEST alone


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _build(raw_dir: Path, clean_dir: Path, tmp: Path, parent: str | None,
           config: Config, code: dict, on_progress, executor=None, store: "cache.Store | None" = None,
           rehash: bool = False, syncer: Syncer | None = None, ahead: "listing.Ahead | None" = None) -> RunResult:
    existing = versions(clean_dir)
    name = f"v{int(existing[-1][1:]) + 1}" if existing else "v1"
    found = ahead.result() if ahead is not None else None  # None: it failed, or there is none
    inputs, stated = found if found is not None else (list_inputs(raw_dir), None)
    (tmp / SPILL_DIR).mkdir()
    plan = incremental.Plan(inputs, raw_dir, config, store, executor, rehash, tmp / SPILL_DIR, stated)
    manifest_file = _Manifest(tmp / "manifest.json", name, parent, config, code)
    stats = plan.first_pass()  # corpus_stats.first_pass, on the executor, for what changed
    old = _rows_of_parent(store, clean_dir, parent)  # where the reused documents' text is
    rows = old if FAST_RERUN else None
    if rows is not None and plan.unchanged_since(carry.input_rows(store.db)):
        # Every document reused, every row copied: the output is the parent's
        # bytes, known without copying and hashing them (a run after `touch`).
        plan.finish(stats)  # the new stats of the inputs' files
        tally = report.Tally.from_state(rows.totals["tally"])
        return RunResult(None, parent, tally.summary(), tally.stages(), plan.counts)
    if rows is not None:  # the parent's bytes of what did not change are copied (pipeline.rerun)
        fast = rerun.Rerun(plan, stats, store, rows, config, tmp, on_progress, syncer, (name, parent))
        try:
            fast.run()
            tally, review, manifest_inputs = fast.tally, fast.review, fast.manifest_inputs
            head = _head(name, parent, tally, {**fast.ids, **fast.counts}, stats, review)
            outputs, sizes, starts = fast.write(head, lambda: manifest_file.begin(manifest_inputs))
        except (carry.Unusable, ShortRead, sqlite3.Error, ValueError, TypeError, KeyError) as err:
            # rows or parent files not as recorded: run() starts again without the cache
            raise cache.Damaged(f"the rows of the parent's documents: {err!r}") from err
        finally:
            fast.close()
        copied_all = not fast.rewritten
    else:
        try:
            tally, review, manifest_inputs, outputs, sizes, starts, head = \
                _full(plan, stats, name, parent, clean_dir, config, tmp, on_progress, store, manifest_file, old, syncer)
        except (carry.Unusable, ShortRead) as err:  # the parent's files not as the rows say
            raise cache.Damaged(f"the parent's parts of reused documents: {err!r}") from err
        copied_all = False
    shutil.rmtree(tmp / SPILL_DIR)
    manifest = manifest_file.end(outputs, {"inputs": len(inputs), "kept": tally.kept,
                                           "rejected": head["summary"]["rejected"], "records": tally.records})
    result = RunResult(None, parent, head["summary"], head["stages"], plan.counts)
    same = parent is not None and _same_data(clean_dir / parent, tmp / "manifest.json", manifest)
    if store is not None and not same:
        carry.put_version(store.db, name, outputs, sizes, starts, carry.totals(tally, review))
        store.dirty = True
    elif store is not None and not copied_all:  # the rows describe files that are not published...
        if syncer is not None:
            syncer.wait()  # (the files written, to be read)
        ends = [sizes[f] for f in carry.FILES]  # of the documents' parts: report.json's end follows them
        ends[carry.FILES.index("report.json")] -= len(rerun.report_json_end(head))
        if not carry.adopt(store.db, clean_dir / parent, tmp, sizes, starts, ends, carry.totals(tally, review)):  # ...unless the parent's are the same
            carry.forget_version(store.db)
        store.dirty = True
    plan.finish(stats)  # the cache (and the rows of pipeline.carry) committed
    if same:
        return result
    sealed = syncer.wait() if syncer is not None else set()  # read-only and fsynced already
    for p in tmp.iterdir():
        if p.name not in sealed:
            os.chmod(p, 0o444)  # versions are immutable
            _fsync(p)  # on disk before the rename publishes them
    os.chmod(tmp, 0o755)  # mkdtemp made it private
    _fsync(tmp)
    os.rename(tmp, clean_dir / name)  # atomic: the version appears complete or not at all
    _fsync(clean_dir)
    _write_latest(clean_dir, name)
    result.version = result.latest = name
    return result


def _rows_of_parent(store, clean_dir: Path, parent: str | None) -> "carry.Parent | None":
    """The parent version, when the cache's rows (pipeline.carry) describe
    it: a re-run copies its bytes, and reused documents' text is read there;
    None: the full path, where nothing is reused."""
    if store is None:
        return None
    carry.prepare(store.db)
    return carry.parent(store.db, clean_dir, parent)


def _head(name: str, parent: str | None, tally: report.Tally, changed: dict, stats, review) -> dict:
    return {
        "version": name,
        "parent": parent,
        "summary": tally.summary(),
        "stages": tally.stages(),
        "changes": changed,
        "corpus": stats.summary(),
        "review": review.summary(),
    }


def _full(plan, stats, name: str, parent: str | None, clean_dir: Path, config: Config, tmp: Path,
          on_progress, store, manifest: "_Manifest", old_parent: "carry.Parent | None" = None,
          syncer: Syncer | None = None) -> tuple:
    """Every document screened and written from its Result; the rows of
    pipeline.carry written again for the next run. Reused documents' text is
    read from ``old_parent``'s files (the version the rows described), if any.
    Each complete file goes to ``syncer``, which makes it durable while the
    rest is written; ``manifest`` is begun while the reports are."""
    tally = report.Tally()
    review = to_review.Review(config)
    duplicates = dedup.DuplicateIndex(config, spill_dir=tmp)  # kept documents so far, in id order
    manifest_inputs = spill.FlatDicts(rerun.MANIFEST_INPUT, tmp)  # one entry per input: on disk until written
    db = store.db if store is not None else None
    old = carry.Old(db, old_parent) if db is not None and old_parent is not None else None
    if db is not None:
        carry.clear(db)
    parts_files = [tmp / ".report-documents.jsonl", tmp / ".report-documents.md"]
    total = len(plan.inputs)
    # With no parent, the report's changes are learned here (every document
    # is added), not by reading the files back (pipeline.changes).
    written = changes.Written(tmp) if parent is None else None
    with _closing(old), HashedWriter(tmp / "documents.jsonl") as docs_f, HashedWriter(tmp / "records.jsonl") as recs_f, \
         HashedWriter(tmp / "rejected.jsonl") as rej_f, \
         open(parts_files[0], "wb") as entries_f, open(parts_files[1], "wb") as md_f:
        # screened here, in id order, whatever the executor; a batch at a time (dedup.SCREEN_BATCH)
        for n, (res, final) in enumerate(dedup.screened(plan.results(stats, old=old), duplicates), 1):
            manifest_inputs.append_values(final.path, final.sha256 or None, final.size)
            tally.add(final)
            review.add(final)
            # The lines were serialised and validated by the worker (pipeline.result).
            parts = carry.pieces(final)
            # JSON lines: one newline each (JSON escapes those in strings), not counted again
            docs_f.write(parts[0], count_lines=False)
            recs_f.write(parts[1], count_lines=False)
            rej_f.write(parts[2], count_lines=False)
            docs_f.lines += final.kept
            recs_f.lines += final.records
            rej_f.lines += not final.kept
            entries_f.write((b"," if n > 1 else b"") + parts[3])
            md_f.write(parts[4])
            if written is not None and final.kept:
                written.add(final.id, final.records)
            if db is not None:
                carry.put(db, carry.row_values(final, parts, res.fingerprint if res.kept else None,
                                               final.detail if res.kept and not final.kept else None))
            on_progress(n, total, final.size)
        outputs = {"documents.jsonl": docs_f.stats(), "records.jsonl": recs_f.stats(),
                   "rejected.jsonl": rej_f.stats()}
        sizes = {"documents.jsonl": docs_f.size, "records.jsonl": recs_f.size, "rejected.jsonl": rej_f.size}
        if syncer is not None:
            for out in (docs_f, recs_f, rej_f):
                syncer.submit(out)
    duplicates.close()
    changed = written.changes() if written is not None else None
    if changed is None:
        changed = _changes(tmp, clean_dir / parent if parent else None)
    head = _head(name, parent, tally, changed, stats, review)
    starts = [0, 0, 0]

    def report_file(target: str, parts_file: Path, first: bytes, last: bytes) -> tuple[int, HashedWriter]:
        with HashedWriter(tmp / target) as out, open(parts_file, "rb") as parts:
            out.write(first)
            start = out.size
            out.copy(parts.fileno(), 0, os.fstat(parts.fileno()).st_size)
            out.write(last)
            if syncer is not None:
                syncer.submit(out)
        parts_file.unlink()
        return start, out

    # On two threads (reading, hashing and writing release the GIL): this is
    # the run's serial tail, with the documents' files being synced meanwhile.
    with ThreadPoolExecutor(2) as pool:
        made = [pool.submit(report_file, "report.json", parts_files[0], rerun.report_json_start(name, parent),
                            rerun.report_json_end(head)),
                pool.submit(report_file, "report.md", parts_files[1], rerun.markdown_head(head), b"")]
        manifest.begin(manifest_inputs)
    for target, future in zip(("report.json", "report.md"), made):
        start, out = future.result()
        starts.append(start)
        outputs[target], sizes[target] = out.stats(), out.size
    return tally, review, manifest_inputs, outputs, sizes, starts, head


@contextmanager
def _closing(old: "carry.Old | None") -> Iterator[None]:
    try:
        yield
    finally:
        if old is not None:
            old.close()


def _changes(tmp: Path, parent_dir: Path | None) -> dict:
    """The report's ``changes`` (its id lists spilled to disk: pipeline.changes)."""
    return changes.compare(tmp, parent_dir, spill_dir=tmp)


class _Manifest:
    """manifest.json, written in two steps: up to the end of its inputs (most
    of its bytes) while the reports are still being written and hashed, then
    the outputs' digests and the counts. The file is
    ``json.dumps(manifest, ensure_ascii=False, indent=2)`` and a newline."""

    def __init__(self, path: Path, name: str, parent: str | None, config: Config, code: dict) -> None:
        self.path = path
        self.manifest = {"version": name, "parent": parent, "code_version": code,
                         "config": config.to_dict(), "config_hash": config.hash, "inputs": None}
        self.plainly_valid = False  # its inputs, seen from their JSON text

    def begin(self, inputs) -> None:
        self.manifest["inputs"] = inputs
        self.plainly_valid = plainly_valid_inputs(inputs)
        with open(self.path, "w", encoding="utf-8") as f:
            spill.dump(self.manifest, f, close=False, indent=2)

    def end(self, outputs: dict, counts: dict) -> dict:
        """The whole manifest, checked against its schema, then its file ended."""
        manifest = {**self.manifest, "outputs": outputs, "counts": counts}
        _check_manifest(manifest, self.plainly_valid)
        rest = json.dumps({"outputs": outputs, "counts": counts}, ensure_ascii=False, indent=2)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(",\n" + rest[len("{\n"):] + "\n")  # (its members, at the top level's indent)
        return manifest


def _check_manifest(manifest: dict, inputs_plainly_valid: bool, chunk: int = 1000) -> None:
    """check("manifest", manifest), a thousand inputs at a time (they are on
    disk) unless plainly_valid_inputs said they are valid (``inputs_plainly_valid``)."""
    check("manifest", spill.emptied(manifest), "manifest.json")
    if inputs_plainly_valid:
        return
    batch = []
    for entry in manifest["inputs"]:
        batch.append(entry)
        if len(batch) == chunk:
            check("manifest", {**manifest, "inputs": batch}, "manifest.json")
            batch = []
    if batch:
        check("manifest", {**manifest, "inputs": batch}, "manifest.json")


# Entries of the manifest's inputs as spill.FlatDicts keeps them (each its
# values' JSON, tab-separated, on a line): a string path (a JSON text starting
# with a quote is a string), a null or lower-case hex sha256, a non-negative
# integer size. Matched a batch of lines at a time (one match per line took
# ~14 ms for 20,000, ~9 ms so).
_PLAIN_INPUTS = re.compile(r'(?:"[^\t\n]*\t(?:null|"[0-9a-f]{64}")\t(?:0|[1-9][0-9]*)\n)*')


def plainly_valid_inputs(inputs) -> bool:
    """True when every entry of the manifest's inputs (a spill.FlatDicts of
    rerun.MANIFEST_INPUT) is valid as the manifest schema says, seen from
    their JSON text without decoding them (a few ms for 20,000: checking them
    with the schema costs a second); False: the schema decides."""
    if not isinstance(inputs, spill.FlatDicts) or inputs.keys != rerun.MANIFEST_INPUT:
        return False
    match = _PLAIN_INPUTS.fullmatch
    return all(match("".join(lines)) for lines in inputs.batches())


def _same_data(parent_dir: Path, new_manifest: Path, manifest: dict) -> bool:
    """True when the new data files, config and inputs equal the parent's
    (``new_manifest``: this run's, written; neither is parsed whole)."""
    outputs = carry.manifest_outputs(parent_dir)  # found from its end
    if outputs is None or any(outputs[n] != manifest["outputs"][n] for n in DATA_FILES):
        return False
    return carry.same_inputs_and_config(parent_dir / "manifest.json", new_manifest)


def _write_latest(clean_dir: Path, name: str) -> None:
    tmp = clean_dir / f"{LATEST_TMP_PREFIX}{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, clean_dir / "LATEST")  # atomic: readers see the old name or the new
    _fsync(clean_dir)
