"""What a run is given and what it must do, decided before anything heavy starts (no Prefect here).

Discovering and hashing the inputs, reading the ledger and planning against it cost about the
time it takes to hash the files; a run with nothing new ends here (`plan_inputs`, then the log
rows of `rows_without_parsing`), without starting Prefect or a parsing process.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from extractors.readers import SNIFF_BYTES, reader_for, unsupported
from flows.corpus_files import NOT_PAPERS
from flows.ledger import Input, Plan, plan_run
from warehouse.store import IngestLogRow, LedgerEntry, read_state

if TYPE_CHECKING:
    from extractors.pipeline import ExtractedDocument
    from normalisers.audit import AuditedClaim, Finding
    from normalisers.timeline import Normalised


@dataclass(frozen=True)
class ProgressEvent:
    phase: str  # "parsing" (this run's files) | "reloading" (documents already held, from the cache)
    done: int
    total: int
    source_path: str
    status: str  # loaded | replaced | skipped_unchanged | failed: <reason> | kept


ProgressCallback = Callable[[ProgressEvent], None]


def _ignore(*args, **kwargs) -> None:
    return None


class LocalCallback:
    """A callback that stays in this process: pickled (as Prefect does with a flow's parameters
    when it sends tasks to Dask workers), it becomes a no-op instead of dragging the console's
    locks along."""

    def __init__(self, fn: Callable):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __reduce__(self):
        return (_ignore_factory, ())


def _ignore_factory() -> Callable:
    return _ignore


class RunSummary:
    """What a run did and what the warehouse now holds. A plain class, not a dataclass, on purpose:
    Prefect walks a flow's returned dataclasses field by field looking for futures, which for a
    thousand papers' documents took longer than the rest of the run."""

    def __init__(self, db_path: Path, documents: list[tuple[str, ExtractedDocument]] | None = None,
                 added: list[tuple[str, ExtractedDocument]] | None = None, log: list[IngestLogRow] | None = None,
                 rewritten: bool = False, normalised: Normalised | None = None,
                 audited: tuple[list[AuditedClaim], list[Finding]] | None = None):
        self.db_path = db_path
        self.documents = documents if documents is not None else []  # all the warehouse holds now
        self.added = added if added is not None else []  # loaded or replaced by this run
        self.log = log if log is not None else []  # this run's rows
        self.rewritten = rewritten  # False: nothing new, only the log rows were appended
        self.normalised = normalised
        self.audited = audited
        self.bodies = 0  # bodies (partnerships) the warehouse holds papers of
        self.bodies_again: list[str] = []  # those normalised again by this run (the rest came from the cache)

    def __repr__(self) -> str:
        return (f"RunSummary({self.db_path}, {len(self.documents)} documents, {len(self.added)} added, "
                f"{len(self.log)} log rows, rewritten={self.rewritten})")

    def with_status(self, status: str) -> list[IngestLogRow]:
        return [r for r in self.log if r.status == status]

    @property
    def failed(self) -> list[IngestLogRow]:
        return self.with_status("failed")

    @property
    def skipped(self) -> list[IngestLogRow]:
        return self.with_status("skipped_unchanged")


def printable(path: str) -> str:
    """A path as one printable line: control characters and undecodable bytes escaped."""
    text = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def discover(paths: list[Path]) -> list[Path]:
    """Every entry under each path that is not a folder, in a stable order: files, and also pipes,
    sockets, devices and links (dangling, looping, or to folders, which are not followed inside a
    folder), so that each gets its row. Hidden entries and the files that describe papers
    (manifests, fetch log, sources.yaml) are skipped. A folder given
    as an argument is walked even when it is a link."""
    found: list[Path] = []
    for base in map(Path, paths):
        if base.is_dir():
            found.extend(sorted(_entries(base)))
        else:
            found.append(base)  # a missing file is reported by `hash_input`
    seen: set[str] = set()
    return [p for p in found if not ((key := os.path.realpath(p)) in seen or seen.add(key))]


def _entries(folder: Path) -> list[Path]:
    out: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return [folder]  # a folder that cannot be listed: `hash_input` says why
    for entry in entries:
        if entry.name.startswith(".") or entry.name in NOT_PAPERS:
            continue
        path = Path(entry.path)
        try:
            real_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            real_folder = False
        out.extend(_entries(path) if real_folder else [path])
    return out


def source_path_of(path: Path, corpus_root: Path) -> str:
    """Relative to the corpus root when under it (the manifest's keys), else absolute. The folder is
    resolved, the name is not: a link is recorded under its own name, whatever it points to."""
    path = Path(path)
    located = Path(os.path.realpath(path.parent)) / path.name
    try:
        rel = located.relative_to(os.path.realpath(corpus_root)).as_posix()
    except ValueError:
        rel = located.as_posix()
    return printable(rel)


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def not_a_regular_file(path: Path) -> str | None:
    """Why `path` cannot be read as a paper without opening it (None: a regular file, or a link to one)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            return f"dangling link: it points to {printable(os.readlink(path))}, which does not exist"
        return "file not found"
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "symlink loop: the link leads back to itself"
        return f"cannot read file: {err.strerror or err}"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return ("a link to a folder: not followed inside a folder (name the folder as an argument to read it)"
                if os.path.islink(path) else "a folder that cannot be listed")
    kind = next((name for test, name in _KINDS if test(mode)), "not a file")
    return f"not a regular file: {kind}"


def hash_input(path: Path, corpus_root: Path) -> Input:
    rel = source_path_of(path, corpus_root)
    why = not_a_regular_file(path)
    if why:
        return Input(path, rel, None, why)
    h = hashlib.sha256()
    try:
        # never blocks: should the file have been swapped for a pipe since, fstat says so
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return Input(path, rel, None, "not a regular file")
            head = fh.read(SNIFF_BYTES)
            h.update(head)
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError as err:
        return Input(path, rel, None, f"cannot read file: {err.strerror or err}")
    if reader_for(path.name, head) is None:
        return Input(path, rel, h.hexdigest(), unsupported(path.name))
    return Input(path, rel, h.hexdigest())


class CannotRebuild(Exception):
    """A document the warehouse holds can be neither found in the cache nor re-read."""


@dataclass
class Planned:
    """A run's inputs, the ledger they were planned against, and the plan."""

    ledger: list[LedgerEntry]
    previous_log: list[IngestLogRow]
    inputs: list[Input]
    plan: Plan

    def nothing_new(self, rebuild: bool) -> bool:
        """An ingest with nothing to parse and no record to move or drop only appends log rows."""
        return not rebuild and not self.plan.parse and not self.plan.changes_ledger


def where(entry: LedgerEntry, corpus_root: Path) -> Path | None:
    """The file a ledger entry came from, if it is still there."""
    path = Path(entry.source_path)
    path = path if path.is_absolute() else Path(corpus_root) / path
    return path if path.is_file() else None


def plan_inputs(paths: list[Path], db_path: Path, corpus_root: Path, rebuild: bool) -> Planned:
    """Discover and hash the inputs and plan them against what the warehouse holds."""
    ledger, previous_log = read_state(Path(db_path))
    inputs = [hash_input(p, corpus_root) for p in discover(paths)]
    gone = {e.source_path for e in ledger if where(e, corpus_root) is None}
    return Planned(ledger, previous_log, inputs, plan_run(inputs, [] if rebuild else ledger, gone))


def rows_without_parsing(plan: Plan, now: dt.datetime) -> dict[str, IngestLogRow]:
    """The log rows a run writes for the files it does not parse: unreadable ones and content already held."""
    rows: dict[str, IngestLogRow] = {}
    for item in plan.unreadable:
        rows[item.source_path] = IngestLogRow(item.source_path, item.sha256, "failed", item.error, now, now)
    for item, why in plan.skipped:
        rows[item.source_path] = IngestLogRow(item.source_path, item.sha256, "skipped_unchanged", why, now, now)
    return rows
