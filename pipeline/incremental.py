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
import json
import os
import time
from array import array
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from itertools import islice, zip_longest
from operator import itemgetter
from pathlib import Path
from typing import Iterator

import numpy as np

from pipeline import cache, corpus_stats, handover, merged, runner, stats_pass, unforked
from pipeline.corpus import Input, Inputs, as_input, key_of, read_input
from pipeline.corpus_stats import SKETCH_DEPTH, SKETCH_WIDTH, CorpusStats, CountMin, distinct_keys
from pipeline.executors.local import LocalExecutor
from pipeline.rehash import digests, plain_digest
from pipeline.stat_keys import NO_STAT, stat_key_of, stat_keys

IN_PROCESS_MAX = 32  # changed inputs processed without starting workers (~the cost of starting them)
# The first pass too: its work per input is small (decode, repair, line keys:
# ~0.15 ms), but the main process is a re-run's critical path. At 200 inputs
# (1% of 20k changed) it spent ~36 ms on them here against ~7 ms handing
# them to workers (forked in ~4 ms), and the re-run took 0.10-0.17 s less.
MAX_LINES = 2**31  # counted lines: far from saturating a 32-bit counter
KEYS_COUNTED_AT_ONCE = 1 << 16  # line keys of changed documents counted in the sketch at once (_count)
RECOUNTED_AT_ONCE = 64  # documents whose keys the recount of the examples counts at once


# Per-input state, one byte per input (by its ordinal in the run's inputs):
# a run keeps nothing per input in dicts or objects (memory must not grow
# with the corpus: ~1.5 KB per input did).
CLEAN = 1  # bytes as cached: its first-pass row is reused
COUNTED = 2  # its lines are counted (it has a first-pass row)
ROW = 4  # it has a first-pass row (a sha256)
REUSE = 8  # its cached Result holds under the new statistics


class Plan:
    def __init__(self, inputs: Inputs, raw_dir: Path, config, store: cache.Store | None,
                 executor=None, rehash: bool = False, spill_dir: Path | None = None,
                 ahead: tuple[int, array] | None = None) -> None:
        """``ahead``: (the run's start, every input's stat key, 4 values each,
        NO_STAT for none) as pipeline.listing found them; None: stated here."""
        self.inputs, self.raw_dir, self.config = inputs, raw_dir, config
        self._raw = os.fspath(raw_dir)
        self.store, self.executor, self.rehash, self.spill_dir = store, executor, rehash, spill_dir
        self.meta = store.meta if store is not None else None
        if self.meta is not None and (self.meta["lines_counted"] >= MAX_LINES
                                      or len(self.meta["sketch"]) != SKETCH_WIDTH * SKETCH_DEPTH):
            self.meta = None  # count from scratch
            store.reset()
        self.run_start, self._ahead_keys = ahead if ahead is not None and store is not None else (time.time_ns(), None)
        self.flags = bytearray(len(inputs))  # CLEAN | COUNTED | ROW | REUSE, by input ordinal
        self.spilled = _Locations(len(inputs))  # where each repaired document waits (pipeline.handover)
        self.before: memoryview | None = None  # the sketch before this run's changes (re-runs)
        self.changed: np.ndarray = np.zeros(0, np.intp)  # sketch cells this run changed
        self.first_change: tuple[str, str] | None = None  # the least (id, path) changed or removed
        self.sources: list = []  # [key, excerpt, id, path, sha256] of each example
        self.fill: list | None = None  # [id, path] of the input that completed the examples
        # inputs hashed here (stat changed), sent to the first pass, answers rechecked, processed
        self.counts = {"hashed": 0, "decoded": 0, "rechecked": 0, "processed": 0}
        self._to_count: tuple[list, list] = ([], [])  # line keys to take out of the sketch, to add (_count)
        self._keys_to_count = 0

    def _executor(self, n: int):
        return self.executor if n > IN_PROCESS_MAX else None

    # -- first pass ---------------------------------------------------------

    def first_pass(self) -> CorpusStats:
        stats = self._restored() if self.meta is not None else \
            CorpusStats(self.config.repeat_min_docs, self.config.repeat_min_share)
        todo, stat_keys = array("I"), array("q")  # ordinals to decode; their stat keys, 4 each
        listed = self.inputs.listed  # the usual input's path, else its Input: no Input (and Path) made for most
        removed: list[tuple[str, str]] = []  # (id, path) of cached inputs that are not inputs now
        if self.meta is None or not self.store.has_rows():  # nothing cached: every input is new
            todo = range(len(self.inputs))
            if self._ahead_keys is not None:
                stat_keys = self._ahead_keys
                to_decode = map(listed, todo)
            else:  # stated as handed out: the workers start at once
                to_decode = self._stated(map(listed, todo), stat_keys)
        else:
            fresh, check = self._merged(removed)
            fresh += self._hashed_again(check)  # those whose bytes changed
            for i, key in sorted(fresh):  # in input order
                todo.append(i)
                stat_keys.extend(key or NO_STAT)
            to_decode = map(listed, todo)
        shared = runner.Shared(self.raw_dir, self.config, spill_dir=self.spill_dir)
        self.counts["decoded"] = len(todo)
        items = stats_pass.results(to_decode, shared, self._executor(len(todo)))
        adder = stats_pass.Adder(stats)
        for j, (x, done) in enumerate(items):
            key = tuple(stat_keys[4 * j: 4 * j + 4])
            self._changed(todo[j], *key_of(x), None if key == NO_STAT else key, done.counts, adder)
        adder.flush()
        del todo, stat_keys
        for doc_id, path in removed:  # (a row of an input whose id is not its path's now was forgotten as it changed)
            if self._forget(path, stats, doc_id):
                self._changes((doc_id, path))
        self._counted(stats)
        if self.meta is not None:
            self._examples(stats)
            now, before = np.frombuffer(stats.lines.table, np.uint32), np.frombuffer(self.before, np.uint32)
            self.changed = np.flatnonzero(now != before)
        return stats

    def _merged(self, removed: list[tuple[str, str]]) -> tuple[list, list]:
        """The inputs merged with the cache's first-pass rows (both in (id,
        path) order, a batch at a time: pipeline.merged): flags CLEAN those
        whose stat is as recorded (not --rehash), adds the rows of no input
        to ``removed``; returns (ordinal, stat key) of the new inputs, and
        (ordinal, as listed, stat key, cache.Known) of the cached ones to hash again."""
        listed, rehash, store = self.inputs.listed, self.rehash, self.store
        flags = np.frombuffer(self.flags, np.uint8)
        ahead = None if self._ahead_keys is None else np.frombuffer(self._ahead_keys, np.int64).reshape(-1, 4)
        fresh, check = [], []
        with self._stat_keys() as stat_key:
            for batch in merged.batches(self.inputs, store.first_in_order()):
                removed += map(merged.key, batch.gone)
                matched, rows = batch.ordinals, batch.rows
                if len(matched):
                    stats = b"".join(map(_STAT, rows))
                    if len(stats) != cache.STAT.size * len(rows):
                        raise cache.Damaged(f"{store.path}: a first-pass row's stat is not {cache.STAT.size} bytes")
                    recorded = np.frombuffer(stats, "<i8").reshape(-1, 4)
                    if ahead is not None:  # (NO_STAT's -1s equal no stat recorded: NO_STAT_RECORDED's -2s)
                        now = ahead[matched]
                    else:
                        now = np.array([stat_key(i, listed(i)) or NO_STAT for i in matched.tolist()], np.int64)
                    same = (recorded == now).all(1) & (not rehash)
                    counted = np.fromiter(map(_COUNTED, rows), np.uint8, len(rows)).astype(bool)
                    flags[matched[same & counted]] |= CLEAN | ROW | COUNTED
                    flags[matched[same & ~counted]] |= CLEAN | ROW
                    for j in np.flatnonzero(~same).tolist():  # (a stat recorded without a key was not recorded)
                        i = int(matched[j])
                        x = listed(i)
                        check.append((i, x, stat_key(i, x), store.known(rows[j][0].decode("utf-8"))))
                new = np.ones(batch.stop - batch.start, bool)
                new[matched - batch.start] = False
                for i in (batch.start + np.flatnonzero(new)).tolist():
                    fresh.append((i, stat_key(i, listed(i))))
        return fresh, check

    def unchanged_since(self, rows: Iterator[tuple[str, str, str | None]]) -> bool:
        """After the first pass of a re-run: True when nothing is new, changed
        or removed since the cache's last run (so the statistics are as they
        were) and ``rows`` (pipeline.carry.input_rows of the parent version)
        are this run's inputs, in order, with the bytes the cache holds an
        outcome of. A re-run would then reuse every document and copy every
        row: the output is the parent's bytes, with nothing to write."""
        if self.meta is None or self.first_change is not None:  # (a decoded input is a change)
            return False
        for found, row in zip_longest(self.store.outcomes_of(keys(self.inputs)), rows):
            if found is None or row is None or found[0] != row[:2]:  # (None: more rows than inputs, or fewer)
                return False
            outcome = found[1]
            if outcome is None or outcome[2] != outcome[3] or row[2] != outcome[2]:
                return False
        return True

    def _stat_key(self, x: str | Input) -> tuple | None:
        """The stat key (pipeline.cache) of an input as listed; None without a cache."""
        return None if self.store is None else stat_key_of(x, self._raw, self.run_start)

    @contextmanager
    def _stat_keys(self) -> Iterator[Callable[[int, str | Input], tuple | None]]:
        """``_stat_key`` of input i (as listed) as one function, for the loop
        over every input of a re-run: taken from the keys pipeline.listing
        found ahead, if any, else ``stat_keys``."""
        ahead = self._ahead_keys
        if ahead is None:
            with stat_keys(self._raw, self.run_start) as key_of_listed:
                yield lambda i, x: key_of_listed(x)
            return

        def key_at(i: int, x: str | Input) -> tuple | None:
            key = tuple(ahead[4 * i: 4 * i + 4])
            return None if key == NO_STAT else key
        yield key_at

    def _stated(self, listed: Iterator[str | Input], stat_keys: array) -> Iterator[str | Input]:
        """The inputs, each one's stat key added to ``stat_keys`` as it is taken."""
        for x in listed:
            stat_keys.extend(self._stat_key(x) or NO_STAT)
            yield x

    def _hashed_again(self, check: list[tuple]) -> list[tuple[int, tuple | None]]:
        """The cached inputs whose stat changed (ordinal, as listed, stat key,
        cache.Known), hashed here (cheaper than a worker): the same bytes are
        kept (their new stat recorded); (ordinal, stat key) of the others."""
        usual = [x for _, x, _, _ in check if type(x) is str]
        got = iter(digests(self._raw, usual, self.config.max_file_bytes, self._local_cores()))
        changed, stats = [], []
        for i, x, key, old in check:
            digest = next(got) if type(x) is str else None
            if digest is not None:
                self.counts["hashed"] += 1
                same = digest.hex() == old.sha256
            else:  # not a plain file, or an unusual input: as the pipeline reads it
                same = self._same_bytes(as_input(x, self.raw_dir), old)
            if not same:
                changed.append((i, key))
                continue
            self._keep(i, old)
            if key != old.stat:
                stats.append((old.path, key))
        self.store.put_stats(stats)
        return changed

    def forks_safely(self) -> bool:
        """No other engine's threads run beside this process's (Ray's do):
        a child may be forked (pipeline.rerun_child)."""
        return self.executor is None or isinstance(self.executor, LocalExecutor)

    def _local_cores(self) -> int:
        """The local executor's workers, which this process may use too (a
        fork is not made beside another engine's threads, as Ray's)."""
        return self.executor.workers if isinstance(self.executor, LocalExecutor) else 1

    def _same_bytes(self, inp: Input, old: cache.Known) -> bool:
        self.counts["hashed"] += 1
        sha = plain_sha256(inp, self.config.max_file_bytes)
        if sha is not None:
            return sha == old.sha256
        data, rejected = read_input(inp, self.raw_dir, self.config)  # anything else: as it is read for the pipeline
        return rejected is None and hashlib.sha256(data).hexdigest() == old.sha256

    def _keep(self, i: int, old: cache.Known) -> None:
        self.flags[i] |= CLEAN | ROW | (COUNTED if old.counted else 0)

    def _changes(self, where: tuple[str, str]) -> None:
        if self.first_change is None or where < self.first_change:
            self.first_change = where

    def _changed(self, i: int, doc_id: str, path: str, stat: tuple | None, c, adder: stats_pass.Adder) -> None:
        """A new or changed input (c None: rejected when read)."""
        stats = adder.stats
        self._changes((doc_id, path))
        self._forget(path, stats, processed=doc_id)
        if c is None:
            return
        if c.spill is not None:
            self.spilled.put(i, c.spill)
        keys = None if c.lines is None else [k for k, _ in c.lines]
        if self.meta is not None and keys is not None:
            self._count(stats, keys, +1)
        elif keys is not None:  # counting from scratch, in input order: examples as corpus_stats
            before = len(stats.examples)
            adder.add(c.lines)
            if before < corpus_stats.MAX_EXAMPLES:
                excerpts = dict(c.lines)
                self.sources += [[k, excerpts[k], doc_id, path, c.sha256] for k in list(stats.examples)[before:]]
            if self.fill is None and len(stats.examples) >= corpus_stats.MAX_EXAMPLES:
                self.fill = [doc_id, path]
        self.flags[i] |= ROW | (COUNTED if keys is not None else 0)
        if self.store is not None:
            self.store.put_first(path, doc_id, c.sha256, stat,
                                 None if keys is None else cache.packed(keys, "Q"))

    def _forget(self, path: str, stats: CorpusStats, doc_id: str | None = None, processed: str | None = None) -> bool:
        """Take a cached input's counts out of the statistics, and its rows
        out of the cache; False: it has none (under ``doc_id``, if given).
        ``processed``: the id of the input at this path, processed in this
        run's second pass, which writes (or forgets) its outcome then: an
        outcome under that id is left to it. Deleting it here too took ~9 ms
        of a re-run's first pass at 20k (its pages journaled and spilled),
        when the main process is the one at work; until then nothing reads
        the outcome of an input whose bytes changed (never CLEAN)."""
        old = self.store.known(path) if self.store is not None else None
        if old is None or (doc_id is not None and old.id != doc_id):
            return False
        if old.counted:
            self._count(stats, self.store.keys(path), -1)
        if old.id == processed:
            self.store.forget_first(path)
        else:
            self.store.forget(old.id, path)
        return True

    def _count(self, stats: CorpusStats, keys, sign: int) -> None:
        """Add (sign +1) or take out (-1) one document's distinct lines: in
        the sketch by ``_counted``, a batch of documents at once (a sum: the
        order does not matter, uint32 wrapping alike; ~12 us a document one
        at a time)."""
        self._to_count[sign > 0].append(np.asarray(keys, np.uint64))
        self._keys_to_count += len(keys)
        if self._keys_to_count >= KEYS_COUNTED_AT_ONCE:
            self._counted(stats)
        stats.documents += sign
        stats.lines_counted += sign * len(keys)

    def _counted(self, stats: CorpusStats) -> None:
        """The keys ``_count`` was given, counted in the sketch."""
        table = np.frombuffer(stats.lines.table, np.uint32)  # the sketch's own memory
        for add, keys in zip((False, True), self._to_count):
            if keys:
                cells = stats.lines.cells_of(np.concatenate(keys))
                (np.add if add else np.subtract).at(table, cells, np.uint32(1))
                keys.clear()
        self._keys_to_count = 0

    def _restored(self) -> CorpusStats:
        meta = self.meta
        stats = CorpusStats(self.config.repeat_min_docs, self.config.repeat_min_share,
                            meta["documents"], meta["lines_counted"], CountMin(table=meta["sketch"]))
        self.before = self.store.sketch_as_read  # which cells changed, at the end
        return stats

    def _examples(self, stats: CorpusStats) -> None:
        """stats.examples as counting the corpus in order would choose them."""
        old_fill = self.meta["fill"]
        if self.first_change is None or (old_fill is not None and self.first_change > tuple(old_fill)):
            self.sources, self.fill = self.meta["examples"], old_fill
        else:
            self.sources, self.fill = self._recount(stats.min_docs)
        stats.examples = {k: excerpt for k, excerpt, *_ in self.sources}

    def _recount(self, min_docs: int) -> tuple[list, list | None]:
        old = {(k, path, sha): excerpt for k, excerpt, _, path, sha in self.meta["examples"]}
        sketch, found, fill = CountMin(), {}, None
        counted = (inp for i, inp in enumerate(self.inputs) if self.flags[i] & COUNTED)
        while fill is None and (some := list(islice(counted, RECOUNTED_AT_ONCE))):
            keys = self.store.keys_of([inp.path for inp in some])
            estimates = iter(sketch.add_each(np.concatenate(keys)).tolist())
            for inp, its_keys in zip(some, keys):  # (the sketch counted a few documents past the fill: unused)
                for k, n in zip(its_keys, estimates):
                    if n >= min_docs and len(found) < corpus_stats.MAX_EXAMPLES:
                        found.setdefault(k, inp)
                if len(found) >= corpus_stats.MAX_EXAMPLES:
                    fill = [inp.id, inp.path]
                    break
        sources = []
        for k, inp in found.items():
            sha = self.store.sha256(inp.path)
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

    def results(self, stats: CorpusStats, load_reused: bool = True, old=None) -> Iterator:
        """Every input's pipeline.result.Result, in input order. A reused
        input's Result is its cached head with its text read from the parent
        version's files (``old``, a pipeline.carry.Old: with none, nothing is
        reused); with ``load_reused`` False, it is None instead (reads the
        parent's bytes only when needed, and ``process_again``)."""
        reused = self._reusable(stats, None if not load_reused else old.scan() if old is not None else False)
        flags, inputs = self.flags, self.inputs
        done = self._processed(stats, reused)
        cached = self._cached(old, (inputs[i] for i in range(len(inputs)) if flags[i] & REUSE)) \
            if reused and load_reused else iter(())
        for i in range(len(inputs)):
            if flags[i] & REUSE:
                yield next(cached) if load_reused else None
                continue
            yield next(done)[1]

    def processed(self, stats: CorpusStats) -> Iterator[tuple[int, object]]:
        """(ordinal, Result) of each input whose cached Result is not
        reused, in input order: pipeline.rerun copies the parent's rows of
        the others (flagged REUSE by the time this returns), a stretch of
        them at a time, and reads their bytes only when needed. Their
        outcomes are put aside: ``store.apply_later`` writes them.

        The new and changed inputs are processed whatever the statistics
        answer: their workers start now, at work while the cached outcomes
        are scanned (``_reusable``), not once the pass asks for the first
        Result. At 20k with 1% changed, the scan took ~50-100 ms, and the
        pass then waited ~85 ms for Results. The unchanged inputs found not
        reusable (rare) are processed after, as the pass reaches them."""
        flags = np.frombuffer(self.flags, np.uint8)
        shared = runner.Shared(self.raw_dir, self.config, stats, self.spill_dir)
        changed = np.flatnonzero(flags & CLEAN == 0)
        early = _Started(self._results_of(changed, shared, len(changed)))
        try:
            reused = self._reusable(stats, None, later=True)
        except BaseException:
            early.close()
            raise
        self.counts["processed"] = len(self.inputs) - reused
        todo = np.flatnonzero(flags & REUSE == 0) if reused else range(len(self.inputs))
        others = (i for i in map(int, todo) if flags[i] & CLEAN)  # (lazily)
        late = self._results_of(others, shared, len(self.inputs) - reused - len(changed))
        done = (next(late) if flags[i] & CLEAN else next(early) for i in map(int, todo))
        return self._stored(todo, done, later=True)

    def _results_of(self, ordinals, shared: runner.Shared, n: int) -> Iterator:
        """runner.results of the inputs at ``ordinals`` (``n`` of them), lazily."""
        listed = self.inputs.listed  # (a worker makes the Input)
        items = ((listed(i), self.spilled.get(i)) for i in map(int, ordinals))
        return runner.results(items, shared, self._executor(n))

    def _processed(self, stats: CorpusStats, reused: int, later: bool = False) -> Iterator[tuple[int, object]]:
        """(ordinal, Result) of the inputs not flagged REUSE (``reused`` are),
        processed by the executor once asked for; their outcomes go to the cache."""
        flags, inputs = self.flags, self.inputs
        # their ordinals: 8 bytes each, none when nothing is reused
        todo = np.flatnonzero(np.frombuffer(flags, np.uint8) & REUSE == 0) if reused else range(len(inputs))
        shared = runner.Shared(self.raw_dir, self.config, stats, self.spill_dir)
        self.counts["processed"] = len(inputs) - reused
        return self._stored(todo, self._results_of(todo, shared, len(inputs) - reused), later)

    def _stored(self, todo, done, later: bool = False) -> Iterator[tuple[int, object]]:
        """(ordinal, Result) of each of ``done`` (at the ordinals ``todo``), its
        outcome kept in the cache (``later``: put aside, cache.Store.apply_later)."""
        flags, store = self.flags, self.store
        if store is not None:
            put, forget = (store.put_outcome_later, store.forget_outcome_later) if later else \
                (store.put_outcome, lambda doc_id, path: store.forget(doc_id, path, outcome_only=True))
        for i in map(int, todo):
            d = next(done)
            if store is not None and flags[i] & ROW and d.questions is not None:
                put(d.result, d.questions)
            elif store is not None:
                forget(d.result.id, d.result.path)
            yield i, d.result

    def _cached(self, old, reused: Iterator[Input]) -> Iterator:
        """The Results of the reused inputs (in input order): heads from the
        cache, text and fingerprints from the parent's files and rows."""
        from pipeline import carry, dedup
        lookup = old.scan()
        for key, head in self.store.heads((inp.id, inp.path) for inp in reused):
            row = lookup.find(key)
            if row is None or row.dup is not None:  # _reusable found it
                raise carry.Unusable(f"no parts of {key[1]} in the parent")
            fp = None
            if row.bands is not None:
                record = old.record(*key)
                fp = dedup.Fingerprint(record[:16], record[16:], row.bands)
            yield self.store.result_of(*key, head, lookup.parts(row), fp)

    def process_again(self, i: int, stats: CorpusStats):
        """The Result of the input at ordinal i, processed here: a reused
        input whose text the parent's files do not hold (pipeline.rerun)."""
        inp = self.inputs[i]
        shared = runner.Shared(self.raw_dir, self.config, stats, self.spill_dir)
        self.counts["processed"] += 1
        return next(runner.results([(inp, self.spilled.get(i))], shared)).result

    def _reusable(self, stats: CorpusStats, parts, later: bool = False) -> int:
        """Flag REUSE on the unchanged inputs whose cached Result holds under
        the new statistics; returns how many. ``parts``: a pipeline.carry.Lookup
        of the parent's rows, when a reused input needs its parts there (not
        screened out as a duplicate, by the same bytes); False: none are (then
        nothing is reused); None: they are not needed. ``later``: the
        outcomes' new margins are put aside (cache.Store.put_margins_later)."""
        if self.meta is None or parts is False:
            return 0
        threshold = stats.threshold()
        same = threshold == self.meta["threshold"] and not len(self.changed)  # the same answers to every question
        changed = None  # the sketch cells this run changed, a bool each
        if len(self.changed):
            changed = np.zeros(len(stats.lines.table), bool)
            changed[self.changed] = True
        reused, margins = 0, []  # margins: written once the scan of the outcomes is done
        flags = np.frombuffer(self.flags, np.uint8)
        scan = self.store.outcome_rows(threshold, cells=changed is not None, sha256=parts is not None)

        def clean(start: int, stop: int) -> np.ndarray:  # the inputs that may be reused have an outcome
            return start + np.flatnonzero(flags[start:stop] & CLEAN)
        for batch in merged.batches(self.inputs, scan, clean):
            matched, rows = batch.ordinals, batch.rows
            if not rows:
                continue
            bits = np.fromiter(map(_BITS, rows), np.uint8, len(rows))
            # its first-pass row kept (the same bytes), the outcome of those bytes
            ok = (flags[matched] & CLEAN != 0) & (bits & cache.OF_CACHED_BYTES != 0)
            if parts is not None:
                for j in np.flatnonzero(ok).tolist():
                    ok[j] = _written_as_is(parts.find(merged.key(rows[j])), rows[j][-1])
            if not same:
                read_changed = self.store.rows_reading(list(map(_CELLS, rows)), changed) if changed is not None \
                    else np.zeros(len(rows), bool)
                asked_again = np.flatnonzero(ok & read_changed)  # a sketch cell they read changed
                if len(asked_again):
                    ok[asked_again] = self._holding([merged.key(rows[j]) for j in asked_again.tolist()],
                                                    threshold, stats, margins)
                # else the estimates are as they were: the margins tell
                ok &= read_changed | (bits & cache.MARGINS_HOLD != 0)
            flags[matched[ok]] |= REUSE
            reused += int(ok.sum())
        if later:
            self.store.put_margins_later(margins)
        else:
            self.store.put_margins(margins)
        return reused

    def _holding(self, keys: list[tuple[str, str]], threshold: int, stats: CorpusStats,
                 new_margins: list) -> np.ndarray:
        """Which of the cached outcomes (of the (id, path) ``keys``) get the
        same answers, asked again, all at once; changed margins of those are
        added to ``new_margins``, to be written."""
        self.counts["rechecked"] += len(keys)
        questions = self.store.questions(keys)
        holds, low_yes, high_no = self.store.holding(questions, threshold, stats.lines.estimates)
        before = np.array([q[2:] for q in questions], np.int64).reshape(-1, 2)
        moved = holds & ((low_yes != before[:, 0]) | (high_no != before[:, 1]))
        for j in np.flatnonzero(moved).tolist():
            new_margins.append((*keys[j], int(low_yes[j]), int(high_no[j])))
        return holds

    def finish(self, stats: CorpusStats) -> None:
        """Commit the cache (call it after every Result was taken)."""
        if self.store is None:
            return
        meta = {"documents": stats.documents, "lines_counted": stats.lines_counted,
                "threshold": stats.threshold(), "examples": self.sources, "fill": self.fill}
        self.store.commit(meta, stats.lines.table, self.before)  # (before: what the file holds, on a re-run)


# the columns of the rows of cache.Store.first_in_order and outcome_rows
_STAT, _COUNTED = itemgetter(2), itemgetter(3)
_BITS, _CELLS = itemgetter(2), itemgetter(3)


def _written_as_is(row, sha256: str) -> bool:
    """The parent's row holds the parts of the Result of these bytes as it
    was made (not screened out as a duplicate)."""
    return row is not None and row.dup is None and json.loads(row.tally)[6] == sha256


def plain_sha256(inp: Input, max_bytes: int) -> str | None:
    """pipeline.rehash.plain_digest of an Input, as hex: the sha256 of a
    plain .txt file read as read_input reads it, else None."""
    if inp.problem:
        return None
    digest = plain_digest(None, str(inp.abspath), max_bytes)
    return None if digest is None else digest.hex()


def keys(inputs: Sequence[Input]):
    """(id, path) of every input: pipeline.corpus.Inputs gives them without making each Input."""
    listed = getattr(inputs, "keys", None)
    return listed() if listed is not None else ((inp.id, inp.path) for inp in inputs)


class _Started:
    """An iterator advanced to its first item as it is made (that item kept
    for ``next``): a LocalExecutor forks its workers, hands them their first
    chunks and returns the first Result (one input's work) then, instead of
    when the first item is asked for."""

    def __init__(self, it: Iterator) -> None:
        self._it = it
        try:
            self._first = [next(it)]
        except StopIteration:
            self._first = []

    def __iter__(self) -> "_Started":
        return self

    def __next__(self):
        return self._first.pop() if self._first else next(self._it)

    def close(self) -> None:
        """Stop the iterator (its workers) when nothing more will be asked of it."""
        close = getattr(self._it, "close", None)
        if close is not None:
            close()


class _Locations:
    """The pipeline.handover.Location of each input's repaired document, if
    any, in 16 bytes per input (the few spill files named once)."""

    def __init__(self, n: int) -> None:
        self.files: list[str] = []
        self._file_index: dict[str, int] = {}
        # where forked workers do not inherit them (they would count in each one's memory)
        self._file = unforked.filled("i", n, -1)
        self._offset = unforked.filled("Q", n, 0)
        self._length = unforked.filled("I", n, 0)

    def put(self, i: int, where: handover.Location) -> None:
        path, offset, length = where
        index = self._file_index.get(path)
        if index is None:
            index = self._file_index[path] = len(self.files)
            self.files.append(path)
        self._file[i], self._offset[i], self._length[i] = index, offset, length

    def get(self, i: int) -> handover.Location | None:
        index = self._file[i]
        return None if index < 0 else (self.files[index], self._offset[i], self._length[i])
