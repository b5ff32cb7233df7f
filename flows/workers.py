"""Parsing processes with a budget.

Each file is read in a separate process (spawned, so no Prefect threads are forked) that the run
ends when the file runs over its wall-clock or memory budget (`max_parse_seconds`,
`max_parse_memory_mb` in extractors/rules/limits.yaml): a pathological PDF costs its budget, not
the run, and never holds the warehouse lock for ever. A parsing process also ends itself when the
run that started it dies, however it dies.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from multiprocessing.connection import wait
from pathlib import Path

from extractors.limits import Limits, default_limits
from extractors.pipeline import ExtractedDocument
from extractors.readers import UnreadableDocument
from flows.parse_cache import cached_result, extract_cached, remember_refusal

POLL_SECONDS = 0.05  # how often a busy parsing process's clock and memory are read
START_SECONDS = 300.0  # a new process imports pdfplumber and spaCy: slow on a loaded machine, never a verdict


class WorkerDied(ChildProcessError):
    """The parsing process died (killed from outside, or by the kernel): the file may pass on a retry."""


class OverBudget(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _exit_with_parent(parent_pid: int) -> None:
    """End this process when its parent is gone (the run was killed): orphans are adopted by another."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.2)
        os._exit(70)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _serve(conn, parent_pid: int) -> None:
    """A parsing process: jobs in, (kind, value) out, until the pipe closes."""
    _exit_with_parent(parent_pid)
    import pdfplumber  # noqa: F401  (imported now, outside any file's budget)

    from extractors.dates import find_dates

    find_dates("1 April 2020")  # loads spaCy's tokenizer and the date rules
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", extract_cached(*job))
        except MemoryError:
            reply = ("memory", None)
        except Exception as err:
            reply = ("error", err)
        try:
            conn.send(reply)
        except Exception as err:  # an error that does not pickle: its text does
            conn.send(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]} ({err})")))


def _rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux /proc; 0 where unreadable, and the memory budget is not enforced)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class ParsingProcess:
    """One parsing process, started on first use and again after it was ended."""

    def __init__(self) -> None:
        self._proc = None
        self._conn = None
        self._ready = False

    def launch(self) -> ParsingProcess:
        """Spawn the process without waiting for it to be ready (it imports the extractors meanwhile)."""
        ctx = multiprocessing.get_context("spawn")
        parent_end, child_end = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(child_end, os.getpid()), name="csa-parse", daemon=True)
        proc.start()
        child_end.close()
        self._proc, self._conn, self._ready = proc, parent_end, False
        return self

    def _start(self) -> None:
        self.launch()
        self._await_ready()

    def _await_ready(self) -> None:
        parent_end = self._conn
        if not parent_end.poll(START_SECONDS):
            self.stop()
            raise WorkerDied(f"a parsing process did not start within {START_SECONDS:g}s")
        try:
            parent_end.recv()
        except (EOFError, OSError):
            self.stop()
            raise WorkerDied("a parsing process died while starting") from None
        self._ready = True

    def run(self, job: tuple, limits: Limits) -> ExtractedDocument:
        """`extract_cached(*job)` in the process, within the budget; raises OverBudget or WorkerDied,
        or whatever the job raised (UnreadableDocument, SourceChanged, OSError)."""
        if self._proc is None or not self._proc.is_alive():
            self.stop()
            self._start()
        elif not self._ready:  # launched ahead (`prestart`): it may still be importing
            self._await_ready()
        proc, conn = self._proc, self._conn
        baseline = _rss_bytes(proc.pid)
        try:
            conn.send(job)
        except OSError:
            self.stop()
            raise WorkerDied("the parsing process died before it was given the file") from None
        deadline = time.monotonic() + limits.max_parse_seconds
        memory_cap = limits.max_parse_memory_mb * 1024 * 1024
        while True:
            ready = wait([conn, proc.sentinel], timeout=POLL_SECONDS)
            if conn in ready:
                try:
                    kind, value = conn.recv()
                except (EOFError, OSError):
                    self.stop()
                    raise WorkerDied("the parsing process died while reading the file") from None
                if kind == "ok":
                    return value
                if kind == "memory":
                    self.stop()  # a process that ran out of memory is not trusted with the next file
                    raise OverBudget(self._memory_reason(limits, "it ran out of memory"))
                raise value
            if proc.sentinel in ready:
                code = proc.exitcode
                self.stop()
                raise WorkerDied(f"the parsing process died while reading the file (exit code {code})")
            if time.monotonic() > deadline:
                self.stop()
                raise OverBudget(limits.refuse(
                    f"over its time budget: still parsing after {limits.max_parse_seconds:g} s", "max_parse_seconds",
                    " s", "the parsing process was ended").reason)
            if baseline and _rss_bytes(proc.pid) - baseline > memory_cap:
                self.stop()
                raise OverBudget(self._memory_reason(limits, "the parsing process was ended"))

    @staticmethod
    def _memory_reason(limits: Limits, how: str) -> str:
        return limits.refuse(f"over its memory budget: parsing used more than {limits.max_parse_memory_mb:,} MB",
                             "max_parse_memory_mb", " MB", how).reason

    def stop(self) -> None:
        proc, conn, self._proc, self._conn = self._proc, self._conn, None, None
        if conn is not None:
            conn.close()  # an idle process sees the pipe close and returns
        if proc is not None:
            proc.join(timeout=2)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=10)


class Workers:
    """`n` parsing processes behind the run's per-file tasks.

    A file the cache holds never reaches a process. `in_task` (the task runner already spreads the
    tasks, e.g. on Dask): parse in the task itself, under the static limits only, since the task
    runner's own workers own their processes.
    """

    def __init__(self, n: int, in_task: bool = False, limits: Limits | None = None):
        self.n = max(1, int(n))
        self.in_task = in_task
        self.limits = limits or default_limits()
        self._free: queue.SimpleQueue[ParsingProcess] | None = None
        self._all: list[ParsingProcess] = []

    def __getstate__(self) -> dict:  # shipped to remote task runners without the local processes
        return {**self.__dict__, "_free": None, "_all": []}

    @property
    def in_flight(self) -> int:
        """Tasks kept submitted: more than the processes, so Prefect's per-task bookkeeping overlaps parsing."""
        return self.n if self.in_task else max(8, 4 * self.n)

    def _processes(self) -> queue.SimpleQueue[ParsingProcess]:
        if self._free is None:
            self._all = [_take_prestarted() or ParsingProcess() for _ in range(self.n)]
            free: queue.SimpleQueue[ParsingProcess] = queue.SimpleQueue()
            for process in self._all:
                free.put(process)
            self._free = free
        return self._free

    def run(self, path: Path | None, source_path: str, sha256: str, cache_dir: Path | None) -> ExtractedDocument:
        hit = cached_result(source_path, sha256, cache_dir, self.limits)
        if hit is not None:
            return hit
        job = (path, source_path, sha256, cache_dir, self.limits)
        if self.in_task:
            return extract_cached(*job)
        free = self._processes()
        process = free.get()
        try:
            return process.run(job, self.limits)
        except OverBudget as err:
            remember_refusal(source_path, sha256, cache_dir, self.limits, err.reason)
            raise UnreadableDocument(err.reason) from None
        finally:
            free.put(process)

    def close(self) -> None:
        for process in self._all:
            process.stop()


# Parsing processes launched ahead of a run (`prestart`), taken by the run's first `Workers`.
_prestarted: list[ParsingProcess] = []


def prestart(n: int) -> None:
    """Launch `n` parsing processes now, so that their start-up (importing the extractors and spaCy)
    overlaps what the run waits for before its first parse (Prefect's server starting)."""
    _prestarted.extend(ParsingProcess().launch() for _ in range(max(0, n - len(_prestarted))))


def _take_prestarted() -> ParsingProcess | None:
    return _prestarted.pop() if _prestarted else None


def discard_prestarted() -> None:
    """Stop the processes launched ahead that no run took."""
    while _prestarted:
        _prestarted.pop().stop()

