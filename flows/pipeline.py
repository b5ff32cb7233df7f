"""The run shared by `csa build` and `csa ingest`: hash, plan, parse per file, normalise, audit, load.

Flows only wire these tasks; the work lives in the extractors, normalisers and the store.
Every run holds the warehouse lock from start to end, so two runs never interleave.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.tasks import exponential_backoff

from extractors.pipeline import ExtractedDocument
from extractors.readers import UnreadableDocument
from flows.corpus_files import MANIFEST_NAME, SUPPORTED, read_manifest
from flows.ledger import Input, Plan, plan_run
from flows.parse_cache import SourceChanged, extract_cached
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
    """Files under each path (recursively, hidden ones and the manifest skipped), in a stable order."""
    found: list[Path] = []
    for base in map(Path, paths):
        if base.is_dir():
            found.extend(sorted(
                p for p in base.rglob("*")
                if p.is_file() and p.name != MANIFEST_NAME
                and not any(part.startswith(".") for part in p.relative_to(base).parts)
            ))
        else:
            found.append(base)  # a missing file is reported by `hash_input`
    seen: set[Path] = set()
    return [p for p in found if not (p.resolve() in seen or seen.add(p.resolve()))]


def source_path_of(path: Path, corpus_root: Path) -> str:
    """Relative to the corpus root when under it (the manifest's keys), else absolute."""
    resolved = Path(path).resolve()
    try:
        rel = resolved.relative_to(Path(corpus_root).resolve()).as_posix()
    except ValueError:
        rel = resolved.as_posix()
    return printable(rel)


def hash_input(path: Path, corpus_root: Path) -> Input:
    rel = source_path_of(path, corpus_root)
    if not path.exists():
        return Input(path, rel, None, "file not found")
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            h.update(head)
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError as err:
        return Input(path, rel, None, f"cannot read file: {err.strerror or err}")
    if path.suffix.lower() not in SUPPORTED and not head.startswith(b"%PDF-"):
        kinds = ", ".join(SUPPORTED)
        return Input(path, rel, h.hexdigest(), f"unsupported file type '{path.suffix or '(none)'}': csa reads {kinds}")
    return Input(path, rel, h.hexdigest())


# ---------------------------------------------------------------- parsing, one task per file


class Workers:
    """`n` files in flight, each parsed in one of `n` processes (spawned, so no Prefect threads are forked).

    n == 1, or `in_task` (the task runner already spreads the tasks, e.g. on Dask): parse in the task itself.
    """

    def __init__(self, n: int, in_task: bool = False):
        self.n = max(1, int(n))
        self.in_task = in_task
        self._pool: ProcessPoolExecutor | None = None
        self._guard = threading.Lock()  # tasks run in threads: one pool, replaced once when broken
        self._parsing = threading.Lock()

    def __getstate__(self) -> dict:  # shipped to remote task runners without the local pool
        return {**self.__dict__, "_pool": None, "_guard": None, "_parsing": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _guard=threading.Lock(), _parsing=threading.Lock())

    @property
    def in_flight(self) -> int:
        """Tasks kept submitted: more than the parsers, so Prefect's per-task bookkeeping overlaps parsing."""
        return self.n if self.in_task else max(8, 4 * self.n)

    def run(self, *args) -> ExtractedDocument:
        if self.in_task:
            return extract_cached(*args)
        if self.n == 1:
            with self._parsing:  # one parse at a time in this process
                return extract_cached(*args)
        with self._guard:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.n, mp_context=multiprocessing.get_context("spawn"))
            pool = self._pool
        try:
            return pool.submit(extract_cached, *args).result()
        except BrokenProcessPool:
            with self._guard:  # a worker died (out of memory?): the retry gets a fresh pool
                if self._pool is pool:
                    self._pool = None
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def _transient(task, task_run, state) -> bool:
    """Retry only what may pass on a second try: I/O errors and dead worker processes."""
    try:
        err = state.result(raise_on_failure=False)
    except Exception as raised:
        err = raised
    return isinstance(err, OSError | BrokenProcessPool) and not isinstance(err, FileNotFoundError)


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
) -> RunSummary:
    """One run, called inside a flow while the warehouse lock is held.

    `rebuild`: the files given are the whole corpus (csa build); otherwise they are added to
    what the warehouse holds (csa ingest). Either way the earlier ingest log is kept.
    """
    db_path = Path(db_path)
    remove_stale_temp_files(db_path)
    ledger, previous_log = read_state(db_path)
    inputs = [hash_input(p, corpus_root) for p in discover(paths)]
    gone = {e.source_path for e in ledger if _where(e, corpus_root) is None}
    plan = plan_run(inputs, [] if rebuild else ledger, gone)
    pool = Workers(workers, in_task=parse_in_task)
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
    summary.normalised = normalise_task(summary.documents, curated_path)
    summary.audited = audit_task(summary.documents, summary.normalised)
    sources = read_manifest(corpus_root)
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


