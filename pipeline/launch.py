"""The `curate` command's entry point (``python -m pipeline`` too): for a
likely re-run, the listing of --raw (pipeline.listing, a forked child) starts
before the rest of curate is imported, so that the two overlap: at 20k
inputs the listing takes ~85 ms and the imports ~120 ms; started after them,
the run waited ~65 ms for it. The last version's files, and the cache's,
are asked for from the disk then too (pipeline.readahead): the re-run
copies most of the version's bytes. As the re-run exits, the version it
published is asked for in turn, for the next one (it was written around the
page cache).

Only the arguments the listing needs are read here, by a parser that takes
no abbreviation: whatever it does not recognise, the run lists as before.
pipeline.version uses the listing only for the --raw it was made for, and
only when the run did not wait for another run's lock (then it may be stale:
the run lists again).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CACHE_DIR = ".cache"  # <clean>/.cache: the per-document cache (pipeline.cache), as pipeline.version names it


def entry() -> None:
    args = _rerun_args(sys.argv[1:])
    ahead = _started(args) if args is not None else None
    from pipeline import compiled_regexes
    with compiled_regexes.kept():  # (their programs made by an earlier start)
        from pipeline import cli  # the rest of curate, while the child lists
    cli.entry(ahead, then=_read_ahead_after(args) if ahead is not None else None)


def _rerun_args(argv: list[str]) -> argparse.Namespace | None:
    """The arguments of a `run` with the local executor and a cache to
    compare with (a re-run), else None."""
    if not argv or argv[0] != "run":
        return None
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--raw", type=Path, default=Path("raw"))
    parser.add_argument("--clean", type=Path, default=Path("clean"))
    parser.add_argument("--executor", default="local")
    parser.add_argument("--no-cache", action="store_true")
    try:
        args, _ = parser.parse_known_args(argv[1:])
    except SystemExit:  # not arguments this parser understands: the run's own parser reports them
        return None
    if args.executor != "local" or args.no_cache or not (args.clean / CACHE_DIR).is_dir() or not args.raw.is_dir():
        return None
    return args


def early_listing(argv: list[str]):
    """A pipeline.listing.Ahead of the run's --raw when argv is a `run` with
    the local executor and a cache to compare with (a re-run); else None."""
    args = _rerun_args(argv)
    return _started(args) if args is not None else None


def _started(args: argparse.Namespace):
    """The listing of --raw started, and the last version's files asked for."""
    from pipeline import listing, readahead
    ahead = listing.start(args.raw)
    readahead.start(args.clean, args.clean / CACHE_DIR)
    return ahead


def _read_ahead_after(args: argparse.Namespace):
    """What the re-run calls as it exits: the version it published, if any
    (LATEST names another than now), asked for for the next re-run."""
    from pipeline import readahead
    before = readahead.latest(args.clean)
    return lambda: readahead.after_run(args.clean, args.clean / CACHE_DIR, before)
