"""A re-run's files written by a child process: pipeline.rerun_files.Files
run there, its ranges sent through a pipe (``Copier``).

Copying the parent's bytes (reading, hashing, writing: ~0.3 s of CPU for a
20,000-document version) is most of a re-run's work, on threads that hand
the interpreter lock back and forth with the pass over the rows, whose
every SQLite row read releases it. On two cores a thread that wants the
lock back often waits for one that is not running, and the pass slowed by a
tenth. In a child the copies share no lock with the pass.

The child is forked once the parent's files and the fresh parts' file are
open (it uses the same descriptors). It dies with the run (a Linux parent-
death signal; elsewhere, once its pipe closes). Where no child can be made,
or other threads than the run's own run here (Ray's: no fork then), ``files``
gives the threads here: the bytes are the same either way."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Callable

from pipeline.carry import FILES
from pipeline.executors.local import die_with, picklable, widen
from pipeline.hashed import Syncer
from pipeline.rerun_files import DATA, Files, Written, urgent

IN_CHILD = True  # False: the files are written here (tests compare both)
SENT_AT_ONCE = 64  # ranges sent to the child in one message


class CopierDied(RuntimeError):
    """The child writing a re-run's files ended without its answer (killed, out of memory)."""


def files(tmp: Path, parent_fds: list[int], fresh_fd: int, syncer: Syncer, heads: dict[int, bytes],
          in_child: bool = True):
    """A ``Copier`` when a child can be forked (``in_child``: no other
    engine's threads run here), else ``Files`` here."""
    if in_child and IN_CHILD and "fork" in multiprocessing.get_all_start_methods():
        try:
            return Copier(tmp, parent_fds, fresh_fd, syncer, heads)
        except OSError:  # no pipe or no process (no memory, too many processes)
            pass
    return Files(tmp, parent_fds, fresh_fd, syncer, heads)


class Copier:
    """``Files``' interface, the files written in a child: ``sink``'s
    ranges go to it SENT_AT_ONCE at a time; ``write`` sends the rest and
    waits for its answer, the files then sealed (told to ``syncer``)."""

    def __init__(self, tmp: Path, parent_fds: list[int], fresh_fd: int, syncer: Syncer,
                 heads: dict[int, bytes]) -> None:
        context = multiprocessing.get_context("fork")
        commands_in, self.commands = context.Pipe(duplex=False)
        self.answers, answers_out = context.Pipe(duplex=False)
        widen(self.commands.fileno())  # the pass rarely waits for the child to take its ranges
        self.process = context.Process(target=_serve, args=(commands_in, answers_out, self.commands, tmp,
                                                            parent_fds, fresh_fd, heads, os.getpid()),
                                               daemon=True)
        try:
            self.process.start()
        finally:
            commands_in.close()
            answers_out.close()
        self.syncer = syncer
        self.pending: list[tuple[int, list]] = []
        self.done = False

    def sink(self, f: int) -> Callable[[list], None]:
        pending = self.pending

        def add(item: list) -> None:
            pending.append((f, item))
            if len(pending) >= SENT_AT_ONCE or urgent(item):
                self._send_pending()
        return add

    def _send_pending(self) -> None:
        if self.pending:
            self._send(("ranges", self.pending))
            self.pending.clear()

    def _send(self, command: tuple) -> None:
        try:
            self.commands.send(command)
        except OSError as err:  # (a broken pipe: it ended)
            raise self._died() from err

    def _died(self) -> CopierDied:
        self.process.join()
        return CopierDied(f"the process writing the version's files (pid {self.process.pid}) ended "
                          f"unexpectedly (exit code {self.process.exitcode})")

    def write(self, ends: dict[int, tuple[bytes, bytes]], items: dict[int, list[list]],
              meanwhile: Callable[[], None]) -> list[Written]:
        """As ``Files.write``; the files are sealed when it returns."""
        self._send_pending()
        self._send(("write", ends, items))
        error = None
        try:
            meanwhile()
        except BaseException as err:
            error = err
        try:
            kind, answer = self.answers.recv()
        except (EOFError, OSError) as err:
            raise self._died() from err
        self.done = True
        if error is not None:
            raise error
        if kind == "raised":
            raise answer
        self.syncer.sealed_elsewhere(FILES)
        return answer

    def abort(self) -> None:
        """Stop the child, and reap it, when ``write`` did not end it (else
        it is ending: multiprocessing reaps it, the run does not wait)."""
        if not self.done:
            self.done = True
            try:
                self.commands.send(("abort",))
            except OSError:  # it ended already
                pass
            self.process.join()
        self.commands.close()
        self.answers.close()


def _serve(commands, answers, theirs, tmp: Path, parent_fds: list[int], fresh_fd: int, heads: dict[int, bytes],
           parent: int) -> None:
    """The child: ``Files`` fed with the ranges the commands bring, until
    ``write`` (answered with the files written, or what was raised) or ``abort``."""
    die_with(parent)
    theirs.close()  # the parent's end of the commands
    with Syncer() as syncer:
        here = Files(tmp, parent_fds, fresh_fd, syncer, heads)
        sinks = [here.sink(f) for f in range(DATA)]
        try:
            while True:
                command = commands.recv()
                if command[0] == "ranges":
                    for f, item in command[1]:
                        sinks[f](item)
                elif command[0] == "write":
                    out = here.write(command[1], command[2], lambda: None)
                    syncer.wait()  # read-only and on disk
                    answers.send(("written", out))
                    return
                else:  # abort
                    here.abort()
                    return
        except EOFError:  # the run is gone
            here.abort()
        except BaseException as err:
            here.abort()
            answers.send(("raised", picklable(err)))
