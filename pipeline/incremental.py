"""The two passes of a run, doing only what changed since the cache was
written (pipeline.cache holds what the last run learnt of each input).

First pass. An input whose stat matches the one recorded with its sha256 (the
stat shortcut, see pipeline.cache) is unchanged: it is not read. Any other
input that was cached is read and hashed here; if its bytes are still those
cached, that is all. New and changed inputs are decoded, repaired and their
lines counted by workers. The corpus
statistics are the last run's sketch with the old counts of every changed or
removed input taken out and the new ones put in: a count-min sketch is a sum
of its documents' counts, so this equals counting the whole corpus anew
(no counter can saturate below 2**32 counted lines). The report's examples of
repeated lines depend on the order lines were counted in: they are the last
run's when every change comes after the document that completed them, else
they are found again by recounting the cached line keys from the first input
on, until they are complete (excerpts are the last run's for the same line of
the same bytes, else taken from the document again).

Second pass. An unchanged input's cached Result is reused when the new
statistics answer every question its stages asked as before: when the
repeated-line threshold is the same and none of the sketch cells its asked
keys read has changed, the estimates are the same; otherwise each asked key
is looked up again. Every other input goes to a worker, which starts from the
repaired document the first pass left (pipeline.handover).

Few changed inputs are processed in this process: starting workers costs more.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Iterator

from pipeline import cache, corpus_stats, runner, stats_pass
from pipeline.corpus import Input, read_input
from pipeline.corpus_stats import CorpusStats, CountMin, distinct_keys

IN_PROCESS_MAX = 32  # changed inputs processed without starting workers (~the cost of starting them)
MAX_LINES = 2**31  # counted lines: far from saturating a 32-bit counter


class Plan:
    def __init__(self, inputs: list[Input], raw_dir: Path, config, store: cache.Store | None,
                 executor=None, rehash: bool = False, spill_dir: Path | None = None) -> None:
        self.inputs, self.raw_dir, self.config = inputs, raw_dir, config
        self.store, self.executor, self.rehash, self.spill_dir = store, executor, rehash, spill_dir
        self.meta = store.meta if store is not None else None
        if self.meta is not None and (self.meta["lines_counted"] >= MAX_LINES
                                      or len(self.meta["sketch"]) != len(CountMin().table)):
            self.meta = None  # count from scratch
            store.reset()
        self.known = store.known if store is not None else {}
        self.run_start = time.time_ns()
        self.stat: dict[str, tuple | None] = {}  # path -> stat key to record
        self.sha: dict[str, str] = {}  # path -> sha256 of inputs with a first-pass row
        self.counted: dict[str, bool] = {}  # path -> its lines are counted (path has a row)
        self.spilled: dict[str, tuple] = {}
        self.clean: set[str] = set()  # bytes as cached: first-pass row reused
        self.touched: dict[int, int] = {}  # sketch cell -> its value before this run's changes
        self.changed: set[int] = set()
        self.sources: list = []  # [key, excerpt, id, path, sha256] of each example
        self.fill: list | None = None  # [id, path] of the input that completed the examples
        # inputs hashed here (stat changed), sent to the first pass, answers rechecked, processed
        self.counts = {"hashed": 0, "decoded": 0, "rechecked": 0, "processed": 0}

    def _executor(self, n: int):
        return self.executor if n > IN_PROCESS_MAX else None

    # -- first pass ---------------------------------------------------------

    def first_pass(self) -> CorpusStats:
        todo = []
        for inp in self.inputs:
            old = self.known.get(inp.path)
            st = cache.plain_file_stat(inp.abspath) if not inp.problem else None
            key = self.stat[inp.path] = cache.stat_key(st, self.run_start) if st is not None else None
            if old is None or old.id != inp.id:
                todo.append(inp)
            elif key is not None and key == old.stat and not self.rehash:
                self._keep(inp, old)
            elif self._same_bytes(inp, old):  # hashed here: cheaper than shipping it to a worker
                self._keep(inp, old)
                if key != old.stat:
                    self.store.put_stat(inp.path, key)
            else:
                todo.append(inp)
        stats = self._restored() if self.meta is not None else \
            CorpusStats(self.config.repeat_min_docs, self.config.repeat_min_share)
        shared = runner.Shared(self.raw_dir, self.config, spill_dir=self.spill_dir)
        changes = []
        self.counts["decoded"] = len(todo)
        items = stats_pass.results(todo, shared, self._executor(len(todo)))
        for inp, done in items:
            c = done.counts
            changes.append((inp.id, inp.path))
            self._changed(inp, c, stats)
        for path in self.known.keys() - {i.path for i in self.inputs}:  # removed inputs
            changes.append((self.known[path].id, path))
            self._forget(path, stats)
        if self.meta is not None:
            self._examples(stats, changes)
            self.changed = {c for c, v in self.touched.items() if stats.lines.table[c] != v}
        return stats

    def _same_bytes(self, inp: Input, old: cache.Known) -> bool:
        self.counts["hashed"] += 1
        data, rejected = read_input(inp, self.raw_dir, self.config)
        return rejected is None and hashlib.sha256(data).hexdigest() == old.sha256

    def _keep(self, inp: Input, old: cache.Known) -> None:
        self.clean.add(inp.path)
        self.sha[inp.path], self.counted[inp.path] = old.sha256, old.counted

    def _changed(self, inp: Input, c, stats: CorpusStats) -> None:
        """A new or changed input (c None: rejected when read)."""
        self._forget(inp.path, stats)
        if c is None:
            return
        if c.spill is not None:
            self.spilled[inp.path] = c.spill
        keys = None if c.lines is None else [k for k, _ in c.lines]
        if self.meta is not None and keys is not None:
            self._count(stats, keys, +1)
        elif keys is not None:  # counting from scratch, in input order: examples as corpus_stats
            before = len(stats.examples)
            stats_pass.add(stats, c.lines)
            excerpts = dict(c.lines)
            self.sources += [[k, excerpts[k], inp.id, inp.path, c.sha256] for k in list(stats.examples)[before:]]
            if self.fill is None and len(stats.examples) >= corpus_stats.MAX_EXAMPLES:
                self.fill = [inp.id, inp.path]
        self.sha[inp.path], self.counted[inp.path] = c.sha256, keys is not None
        if self.store is not None:
            self.store.put_first(inp.path, inp.id, c.sha256, self.stat.get(inp.path),
                                 None if keys is None else cache.packed(keys, "Q"))

    def _forget(self, path: str, stats: CorpusStats) -> None:
        """Take a cached input's counts out of the statistics, and its rows out of the cache."""
        old = self.known.get(path)
        if old is None:
            return
        if old.counted:
            self._count(stats, self.store.keys(path), -1)
        self.store.forget(old.id, path)

    def _count(self, stats: CorpusStats, keys, sign: int) -> None:
        table, touched = stats.lines.table, self.touched
        for k in keys:
            for cell in stats.lines.cells(k):
                touched.setdefault(cell, table[cell])
                table[cell] += sign
        stats.documents += sign
        stats.lines_counted += sign * len(keys)

    def _restored(self) -> CorpusStats:
        meta = self.meta
        stats = CorpusStats(self.config.repeat_min_docs, self.config.repeat_min_share,
                            meta["documents"], meta["lines_counted"])
        stats.lines.table = meta["sketch"]
        return stats

    def _examples(self, stats: CorpusStats, changes: list[tuple[str, str]]) -> None:
        """stats.examples as counting the corpus in order would choose them."""
        old_fill = self.meta["fill"]
        if not changes or (old_fill is not None and min(changes) > tuple(old_fill)):
            self.sources, self.fill = self.meta["examples"], old_fill
        else:
            self.sources, self.fill = self._recount(stats.min_docs)
        stats.examples = {k: excerpt for k, excerpt, *_ in self.sources}

    def _recount(self, min_docs: int) -> tuple[list, list | None]:
        old = {(k, path, sha): excerpt for k, excerpt, _, path, sha in self.meta["examples"]}
        sketch, found, fill = CountMin(), {}, None
        for inp in self.inputs:
            if not self.counted.get(inp.path):
                continue
            for k in self.store.keys(inp.path):
                if sketch.add(k) >= min_docs and len(found) < corpus_stats.MAX_EXAMPLES:
                    found.setdefault(k, inp)
            if len(found) >= corpus_stats.MAX_EXAMPLES:
                fill = [inp.id, inp.path]
                break
        sources = []
        for k, inp in found.items():
            sha = self.sha[inp.path]
            excerpt = old.get((k, inp.path, sha))
            if excerpt is None:
                excerpt = self._excerpt(inp, k)
            sources.append([k, excerpt, inp.id, inp.path, sha])
        return sources, fill

    def _excerpt(self, inp: Input, k: int) -> str:
        """The first pass's excerpt of the line with key k in this input."""
        from pipeline import handover
        data, rejected = read_input(inp, self.raw_dir, self.config)
        if rejected is None:
            doc = handover.decode_and_repair(inp, data, self.config)[0]
            for key, excerpt in distinct_keys(doc.text):
                if key == k:
                    return excerpt
        raise cache.Damaged(f"{inp.path} changed during the run: its line {k} is gone")

    # -- second pass --------------------------------------------------------

    def results(self, stats: CorpusStats, load_reused: bool = True) -> Iterator:
        """Every input's pipeline.result.Result, in input order; with
        ``load_reused`` False, None for a reused input (its Result is in the
        store: pipeline.rerun reads it only when needed)."""
        reuse = self._reusable(stats)
        todo = [(inp, self.spilled.get(inp.path)) for inp in self.inputs if inp.path not in reuse]
        shared = runner.Shared(self.raw_dir, self.config, stats, self.spill_dir)
        self.counts["processed"] = len(todo)
        done = runner.results([i for i, _ in todo], todo, shared, self._executor(len(todo)))
        store = self.store
        cached = store.results((i.id, i.path) for i in self.inputs if i.path in reuse) \
            if reuse and load_reused else iter(())
        for inp in self.inputs:
            if inp.path in reuse:
                yield next(cached) if load_reused else None
                continue
            d = next(done)
            if store is not None and inp.path in self.sha and d.questions is not None:
                store.put_outcome(d.result, d.questions)
            elif store is not None:
                store.forget(inp.id, inp.path, outcome_only=True)
            yield d.result

    def _reusable(self, stats: CorpusStats) -> set[str]:
        """The unchanged inputs whose cached Result holds under the new statistics."""
        if self.meta is None:
            return set()
        outcomes, sha = self.store.outcomes, self.sha
        cached = {path for path in self.clean if path in outcomes and outcomes[path][0] == sha[path]}
        threshold = stats.threshold()
        if threshold == self.meta["threshold"] and not self.changed:  # the same answers to every question
            return cached
        read_changed = self.store.read_cells(self.changed) if self.changed else set()
        ids, reuse = {i.path: i.id for i in self.inputs}, set()
        for path in cached:
            _, low_yes, high_no = outcomes[path]
            if path not in read_changed:
                if high_no < threshold <= low_yes:  # estimates as they were: the same answers
                    reuse.add(path)
                continue
            self.counts["rechecked"] += 1
            asked, _, answers = self.store.questions(ids[path], path)
            keys = cache.unpacked(asked, "Q")
            documents = [stats.key_documents(k) for k in keys]
            if all((n >= threshold) == bool(a) for n, a in zip(documents, answers)):
                reuse.add(path)
                margins = cache.margins(documents, answers)
                if margins != (low_yes, high_no):
                    self.store.put_margins(ids[path], path, *margins)
        return reuse

    def finish(self, stats: CorpusStats) -> None:
        """Commit the cache (call it after every Result was taken)."""
        if self.store is None:
            return
        meta = {"documents": stats.documents, "lines_counted": stats.lines_counted,
                "threshold": stats.threshold(), "examples": self.sources, "fill": self.fill}
        self.store.commit(meta, stats.lines.table)
