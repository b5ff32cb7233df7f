"""The run shared by `csa build` and `csa ingest`: hash, plan, parse per file, normalise, audit, load.

Flows only wire these tasks; the work lives in the extractors, normalisers and the store.
Every run holds the warehouse lock from start to end, so two runs never interleave.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.tasks import exponential_backoff

from extractors.limits import Limits
from extractors.pipeline import ExtractedDocument, with_committee_system_date
from extractors.readers import SNIFF_BYTES, UnreadableDocument, reader_for, unsupported
from flows.corpus_files import NOT_PAPERS, read_sources
from flows.ledger import Input, Plan, plan_run
from flows.parse_cache import SourceChanged
from flows.workers import WorkerDied, Workers
from normalisers.audit import AuditedClaim, Finding, audit
from normalisers.timeline import Normalised, load_curated, normalise_documents
from warehouse.store import (
    IngestLogRow,
    LedgerEntry,
    append_log,
    read_state,
    remove_stale_temp_files,
    write_warehouse,
)


@dataclass(frozen=True)
class ProgressEvent:
    phase: str  # "parsing" (this run's files) | "reloading" (documents already held, from the cache)
    done: int
    total: int
    source_path: str
    status: str  # loaded | replaced | skipped_unchanged | failed: <reason> | kept


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class RunSummary:
    db_path: Path
    documents: list[tuple[str, ExtractedDocument]] = field(default_factory=list)  # all the warehouse holds now
    added: list[tuple[str, ExtractedDocument]] = field(default_factory=list)  # loaded or replaced by this run
    log: list[IngestLogRow] = field(default_factory=list)  # this run's rows
    rewritten: bool = False  # False: nothing new, only the log rows were appended
    normalised: Normalised | None = None
    audited: tuple[list[AuditedClaim], list[Finding]] | None = None

    def with_status(self, status: str) -> list[IngestLogRow]:
        return [r for r in self.log if r.status == status]

    @property
    def failed(self) -> list[IngestLogRow]:
        return self.with_status("failed")

    @property
    def skipped(self) -> list[IngestLogRow]:
        return self.with_status("skipped_unchanged")


class CannotRebuild(Exception):
    """A document the warehouse holds can be neither found in the cache nor re-read."""


# ---------------------------------------------------------------- inputs


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


# ---------------------------------------------------------------- parsing, one task per file


def _transient(task, task_run, state) -> bool:
    """Retry only what may pass on a second try: I/O errors and parsing processes killed from outside."""
    try:
        err = state.result(raise_on_failure=False)
    except Exception as raised:
        err = raised
    return isinstance(err, OSError | WorkerDied) and not isinstance(err, FileNotFoundError)


@task(name="parse-file", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=2),
      retry_jitter_factor=0.5, retry_condition_fn=_transient)
def parse_file(path: Path | None, source_path: str, sha256: str, cache_dir: Path | None,
               workers: Workers) -> tuple[ExtractedDocument | None, str | None]:
    """One file: (extracted, None), or (None, reason) for a refused file. Transient errors raise (retried)."""
    try:
        return workers.run(path, source_path, sha256, cache_dir), None
    except (UnreadableDocument, SourceChanged) as err:
        return None, getattr(err, "reason", None) or str(err)


def parse_all(items: list[tuple[Path | None, str, str]], cache_dir: Path | None, workers: Workers,
              retry_delay: float, phase: str, on_progress: ProgressCallback | None):
    """One task per file, at most `workers.in_flight` submitted at once; yields (index, extracted, reason,
    started, finished) as each completes. A task that still fails after its retries fails its file, never the batch."""
    task_fn = parse_file.with_options(retry_delay_seconds=exponential_backoff(backoff_factor=retry_delay))
    queue = list(enumerate(items))[::-1]
    inflight: dict = {}
    done = 0
    while queue or inflight:
        while queue and len(inflight) < workers.in_flight:
            i, (path, rel, sha) = queue.pop()
            inflight[task_fn.submit(path, rel, sha, cache_dir, workers)] = (i, dt.datetime.now())
        future = next(as_completed(list(inflight)))
        i, started = inflight.pop(future)
        try:
            extracted, reason = future.result()
        except Exception as err:  # retries exhausted
            extracted, reason = None, f"{type(err).__name__}: {printable(str(err))}"[:300]
        done += 1
        if on_progress:
            status = ("loaded" if phase == "parsing" else "kept") if extracted else f"failed: {reason}"
            on_progress(ProgressEvent(phase, done, len(items), items[i][1], status))
        yield i, extracted, reason, started, dt.datetime.now()


# ---------------------------------------------------------------- corpus-wide steps


@task(name="normalise", cache_policy=NO_CACHE)
def normalise_task(docs: list[tuple[str, ExtractedDocument]], curated_path: Path) -> Normalised:
    """Canonical items, links, changes and timeline over every document held (pure, corpus-wide)."""
    return normalise_documents([d for _, d in docs], load_curated(curated_path))


@task(name="audit-claims", cache_policy=NO_CACHE)
def audit_task(docs: list[tuple[str, ExtractedDocument]], normalised: Normalised):
    """Judge every paper's claims about its own changes against the lists (pure, corpus-wide)."""
    extracted = [d for _, d in docs]
    return audit(extracted, normalised, {d.doc_id: list(d.claims) for d in extracted})


@task(name="load-warehouse", cache_policy=NO_CACHE)
def load_warehouse(db_path: Path, docs, sources: dict, log: list, normalised: Normalised, audited: tuple) -> None:
    write_warehouse(db_path, docs, sources, log, normalised, audited)


@task(name="append-log", cache_policy=NO_CACHE)
def append_log_task(db_path: Path, log: list[IngestLogRow]) -> None:
    append_log(db_path, log)


# ---------------------------------------------------------------- the run


def run(
    paths: list[Path],
    db_path: Path,
    corpus_root: Path,
    curated_path: Path,
    cache_dir: Path | None,
    workers: int = 1,
    rebuild: bool = False,
    retry_delay: float = 2.0,
    on_progress: ProgressCallback | None = None,
    parse_in_task: bool = False,
    limits: Limits | None = None,
) -> RunSummary:
    """One run, called inside a flow while the warehouse lock is held.

    `rebuild`: the files given are the whole corpus (csa build); otherwise they are added to
    what the warehouse holds (csa ingest). Either way the earlier ingest log is kept. `limits`: what
    one file may cost (default extractors/rules/limits.yaml).
    """
    db_path = Path(db_path)
    remove_stale_temp_files(db_path)
    ledger, previous_log = read_state(db_path)
    inputs = [hash_input(p, corpus_root) for p in discover(paths)]
    gone = {e.source_path for e in ledger if _where(e, corpus_root) is None}
    plan = plan_run(inputs, [] if rebuild else ledger, gone)
    pool = Workers(workers, in_task=parse_in_task, limits=limits)
    try:
        rows, added = _parse_new(plan, cache_dir, pool, retry_delay, on_progress)
        summary = RunSummary(db_path, added=added, log=rows)
        if not added and not rebuild and not plan.changes_ledger:
            append_log_task(db_path, rows)
            return summary
        if rebuild:
            # papers ingested from outside the corpus root are not in the folder being rebuilt: keep them
            given = {i.sha256 for i in inputs}
            kept = [e for e in ledger if Path(e.source_path).is_absolute() and e.sha256 not in given]
        else:
            replaced = {plan.replaces[rel].doc_id for rel, _ in added if rel in plan.replaces}
            dropped = (replaced | {e.doc_id for e in plan.drops.values()}) - set(plan.moves)
            kept = [replace(e, source_path=plan.moves.get(e.doc_id, e.source_path))
                    for e in ledger if e.doc_id not in dropped]
        try:
            reloaded, lost = _reload(kept, corpus_root, cache_dir, pool, retry_delay, on_progress,
                                     strict=not rebuild)
        except CannotRebuild as err:
            append_log_task(db_path, [_not_loaded(r, str(err)) for r in rows])
            raise
        rows += lost
        summary.documents = reloaded + added
    finally:
        pool.close()
    summary.documents.sort(key=lambda pair: pair[0])
    sources = read_sources(corpus_root, [p for p in paths if Path(p).is_dir()])
    summary.documents = [(rel, with_committee_system_date(d, sources[rel].meeting_date if rel in sources else None))
                         for rel, d in summary.documents]
    summary.normalised = normalise_task(summary.documents, curated_path)
    summary.audited = audit_task(summary.documents, summary.normalised)
    load_warehouse(db_path, summary.documents, sources, previous_log + rows, summary.normalised, summary.audited)
    summary.rewritten = True
    return summary


def _not_loaded(row: IngestLogRow, why: str) -> IngestLogRow:
    if row.status not in ("loaded", "replaced"):
        return row
    return IngestLogRow(row.source_path, row.sha256, "failed", f"parsed, but not loaded: {why}"[:500],
                        row.started_at, row.finished_at)


def _where(entry: LedgerEntry, corpus_root: Path) -> Path | None:
    """The file a ledger entry came from, if it is still there."""
    path = Path(entry.source_path)
    path = path if path.is_absolute() else Path(corpus_root) / path
    return path if path.is_file() else None


def _parse_new(plan: Plan, cache_dir, pool: Workers, retry_delay: float, on_progress):
    now = dt.datetime.now()
    rows: dict[str, IngestLogRow] = {}
    total = len(plan.unreadable) + len(plan.skipped) + len(plan.parse)
    done = 0
    for item in plan.unreadable:
        rows[item.source_path] = IngestLogRow(item.source_path, item.sha256, "failed", item.error, now, now)
        done += 1
        if on_progress:
            on_progress(ProgressEvent("parsing", done, total, item.source_path, f"failed: {item.error}"))
    for item, why in plan.skipped:
        rows[item.source_path] = IngestLogRow(item.source_path, item.sha256, "skipped_unchanged", why, now, now)
        done += 1
        if on_progress:
            on_progress(ProgressEvent("parsing", done, total, item.source_path, "skipped_unchanged"))
    added: list[tuple[str, ExtractedDocument]] = []
    items = [(item.path, item.source_path, item.sha256) for item in plan.parse]

    def relay(event: ProgressEvent) -> None:
        if on_progress:
            on_progress(ProgressEvent("parsing", done + event.done, total, event.source_path, event.status))

    for i, extracted, reason, started, finished in parse_all(items, cache_dir, pool, retry_delay, "parsing", relay):
        item = plan.parse[i]
        old = plan.replaces.get(item.source_path)
        if extracted is None:
            note = f"{reason}; the earlier version stays loaded" if old else reason
            rows[item.source_path] = IngestLogRow(item.source_path, item.sha256, "failed", note, started, finished)
            continue
        status, note = ("replaced", f"replaces the version with sha256 {old.sha256[:12]}…") if old else ("loaded", None)
        rows[item.source_path] = IngestLogRow(item.source_path, item.sha256, status, note, started, finished)
        added.append((item.source_path, extracted))
    for rel, old in plan.drops.items():
        held = next(why for item, why in plan.skipped if item.source_path == rel)
        rows[rel] = IngestLogRow(rel, rows[rel].sha256, "replaced",
                                 f"replaces the version with sha256 {old.sha256[:12]}…; the new content is {held}",
                                 now, now)
    given = [i.source_path for i in plan.unreadable] + [i.source_path for i, _ in plan.skipped] + \
        [i.source_path for i in plan.parse]
    return [rows[rel] for rel in given], added


def _reload(kept: list[LedgerEntry], corpus_root: Path, cache_dir, pool: Workers, retry_delay: float,
            on_progress, strict: bool = True) -> tuple[list[tuple[str, ExtractedDocument]], list[IngestLogRow]]:
    """Documents the warehouse already holds, back from the cache (or re-read from their file).

    One that can be neither stops the run (CannotRebuild); with `strict` off (a rebuild keeping papers
    ingested from outside the corpus), it is dropped with a `failed` log row saying so.
    """
    items = [(_where(e, corpus_root), e.source_path, e.sha256) for e in kept]
    out: list[tuple[str, ExtractedDocument]] = []
    lost: list[IngestLogRow] = []
    for i, extracted, reason, started, finished in parse_all(items, cache_dir, pool, retry_delay, "reloading",
                                                             on_progress):
        entry = kept[i]
        if extracted is not None:
            out.append((entry.source_path, extracted))
        elif strict:
            raise CannotRebuild(
                f"{entry.source_path} is in the warehouse but cannot be re-extracted ({reason}); nothing was "
                "changed. Put the file back, or remove it from the corpus and run `csa build`"
            )
        else:
            lost.append(IngestLogRow(entry.source_path, entry.sha256, "failed",
                                     f"held from outside the corpus, but it can no longer be re-extracted ({reason}): "
                                     "dropped by this rebuild", started, finished))
    return out, lost


def default_cache_dir(db_path: Path) -> Path:
    return Path(os.environ.get("CSA_CACHE_DIR") or Path(db_path).parent / ".csa-cache")


