"""The `curate` command: parse arguments, call the rooms that do the work."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import threading
import time
from pathlib import Path

from pipeline import __version__
from pipeline.config import load_config
from pipeline.schemas import SchemaViolation
from pipeline import version
from pipeline import executors
from pipeline import commands, progress as progress_mod


def entry(ahead=None, then=None) -> None:
    """The `curate` command as a process (pipeline.launch; ``ahead``: its
    listing of --raw, started early, or None): main(), then
    the process ends at once (os._exit, stdout and stderr flushed). All a
    run writes is closed and fsynced before main returns; what is left is the
    interpreter's teardown, a last collection of the run's garbage and every
    module freed (~55 ms after a re-run at 20k), which nothing needs. Not
    with a thread still running (it finishes as usual) or Ray loaded (its
    exit handlers stop the cluster it started). ``then`` is called before
    the quick exit when main succeeded (pipeline.launch: it forks, which
    threads would make unsafe). Other callers use main()."""
    status = main(ahead=ahead)
    if threading.active_count() > 1 or "ray" in sys.modules:
        sys.exit(status)
    if then is not None and status == 0:
        then()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(status)


def main(argv: list[str] | None = None, ahead=None) -> int:
    """``ahead``: a pipeline.listing.Ahead of the run's --raw (closed here if unused)."""
    try:
        return _main(argv, ahead)
    finally:
        if ahead is not None:
            ahead.close()  # (nothing to do once the run took its result)


def _main(argv: list[str] | None, ahead) -> int:
    parser = argparse.ArgumentParser(prog="curate", description="Clean and curate a text corpus.")
    parser.add_argument("--version", action="version", version=f"curate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="clean raw/ into a new version under clean/")
    run.add_argument("--raw", type=Path, default=Path("raw"), help="directory of raw .txt files (default: raw)")
    run.add_argument("--clean", type=Path, default=Path("clean"), help="directory of versions (default: clean)")
    run.add_argument("--config", type=Path, default=None, help="TOML file of Config options")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.add_argument("--workers", type=int, default=None,
                     help="processes that clean documents (default: every core); the output is the same for any number")
    run.add_argument("--executor", choices=executors.NAMES, default="local",
                     help="where documents are processed: local processes or a Ray cluster (pip install -e '.[ray]')")
    run.add_argument("--address", default=None,
                     help="the Ray cluster to join (--executor ray; default: start a local one)")
    run.add_argument("--no-cache", action="store_true",
                     help=f"neither read nor fill the per-document cache in --clean/{version.CACHE_DIR}")
    run.add_argument("--rehash", action="store_true",
                     help="read and hash every input, instead of trusting an unchanged size, mtime, ctime and inode")
    run.add_argument("--follow-symlinks", action="store_true",
                     help="read symlinks that point outside --raw (config allow_symlinks_outside; default: reject them)")
    commands.add_parsers(sub)
    args = parser.parse_args(argv)
    if args.command != "run":
        return commands.dispatch(args)
    return cmd_run(args, ahead)


def cmd_run(args: argparse.Namespace, ahead=None) -> int:
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))
    if not args.raw.is_dir():
        print(f"curate: --raw {args.raw} is not a directory", file=sys.stderr)
        return 2
    try:
        config = load_config(args.config)
    except (OSError, ValueError, TypeError) as err:
        print(f"curate: cannot read config {args.config}: {err}", file=sys.stderr)
        return 2
    if args.follow_symlinks:
        config = dataclasses.replace(config, allow_symlinks_outside=True)
    bar = progress_mod.Bar(sys.stderr) if (sys.stderr.isatty() and not args.quiet) else None
    started = time.monotonic()
    try:
        with progress_mod.timing(progress_mod.StageTimes()) as times:
            result = version.run(args.raw, args.clean, config, on_progress=bar or (lambda *a: None),
                                 on_wait=lambda: say(f"curate: waiting for another run on {args.clean} to finish"),
                                 executor=executors.make(args.executor, args.workers, args.address),
                                 cache_dir=None if args.no_cache else args.clean / version.CACHE_DIR,
                                 rehash=args.rehash, on_note=lambda m: print(f"curate: {m}", file=sys.stderr),
                                 ahead=ahead)
    except (SchemaViolation, version.ProcessingError) as err:
        print(f"\ncurate: BUG, nothing published: {err}", file=sys.stderr)
        return 1
    if bar is not None:
        bar.finish()
    for line in progress_mod.summary_table(result.summary, result.stages, times.seconds,
                                           time.monotonic() - started):
        say(line)
    if not args.no_cache:
        done, n = result.inputs_done, result.summary["documents_in"]
        say(f"cache: {done['processed']} of {n} inputs processed ({done['decoded']} new or changed), "
            f"{n - done['processed']} reused; {done['hashed']} hashed again (their stat changed)")
    if result.version is None:
        say(f"nothing changed since {result.latest}: no new version written")
    else:
        say(f"wrote {args.clean / result.version} (LATEST)")
    return 0
