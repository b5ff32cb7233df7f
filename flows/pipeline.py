"""The run shared by `csa build` and `csa ingest`: hash, plan, parse per file, normalise, audit, load.

Flows only wire these tasks; the work lives in the extractors, normalisers and the store.
Every run holds the warehouse lock from start to end, so two runs never interleave.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.tasks import exponential_backoff
from prefect.utilities.annotations import quote

from extractors.limits import Limits
from extractors.pipeline import ExtractedDocument, with_committee_system_facts
from extractors.readers import UnreadableDocument
from flows.corpus_files import read_sources
from flows.inputs import (  # noqa: F401  (discover, hash_input, printable: the names tests and callers use)
    CannotRebuild,
    Planned,
    ProgressCallback,
    ProgressEvent,
    RunSummary,
    discover,
    hash_input,
    plan_inputs,
    printable,
    rows_without_parsing,
    source_path_of,
    where,
)
from flows.ledger import Plan
from flows.parse_cache import SourceChanged, cached_result, normalise_held
from flows.workers import WorkerDied, Workers
from normalisers.audit import audit
from normalisers.timeline import Normalised, load_curated
from warehouse.store import (
    IngestLogRow,
    LedgerEntry,
    append_log,
    remove_stale_temp_files,
    write_warehouse,
)

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
    done = 0

    def report(i: int, extracted, reason) -> None:
        if on_progress:
            status = ("loaded" if phase == "parsing" else "kept") if extracted else f"failed: {reason}"
            on_progress(ProgressEvent(phase, done, len(items), items[i][1], status))

    # What the parse cache holds (or remembers refusing) is answered here, without a task or a
    # process: reloading a thousand held papers costs their unpickling, not a thousand task runs.
    queue = []
    for i, (path, rel, sha) in enumerate(items):
        started = dt.datetime.now()
        try:
            extracted, reason = cached_result(rel, sha, cache_dir, workers.limits), None
        except UnreadableDocument as err:
            extracted, reason = None, err.reason
        if extracted is None and reason is None:
            queue.append((i, (path, rel, sha)))
            continue
        done += 1
        report(i, extracted, reason)
        yield i, extracted, reason, started, dt.datetime.now()
    queue.reverse()
    inflight: dict = {}
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
        report(i, extracted, reason)
        yield i, extracted, reason, started, dt.datetime.now()


# ---------------------------------------------------------------- corpus-wide steps


class CorpusRecords:
    """Everything the warehouse holds beside the documents: the normalisation (canonical items,
    links, changes, timeline), the audited claims and findings, and which bodies were normalised
    again. A plain class: Prefect does not walk it looking for futures."""

    __slots__ = ("audited", "bodies", "bodies_again", "normalised")

    def __init__(self, normalised: Normalised, audited: tuple, bodies_again: list[str], bodies: int):
        self.normalised, self.audited, self.bodies_again, self.bodies = normalised, audited, bodies_again, bodies


def corpus_records(docs: list[tuple[str, ExtractedDocument]], curated: list, cache_dir: Path | None = None
                   ) -> CorpusRecords:
    """The corpus step: every document held in, everything the warehouse holds beside them out.
    Pure but for the cache: bodies whose papers are as they were come from it (`cache_dir`, None
    for none). The flows, the tests' warehouse and the benchmarks all call this."""
    extracted = [d for _, d in docs]
    normalised, again, bodies = normalise_held(extracted, curated, cache_dir)
    audited = audit(extracted, normalised, {d.doc_id: list(d.claims) for d in extracted})
    return CorpusRecords(normalised, audited, again, bodies)


@task(name="normalise-and-audit", cache_policy=NO_CACHE)
def corpus_task(docs: list[tuple[str, ExtractedDocument]], curated_path: Path, cache_dir: Path | None
                ) -> CorpusRecords:
    """`corpus_records` over every document held (the timeline body by body, then the audit)."""
    return corpus_records(docs, load_curated(curated_path), cache_dir)


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
    planned = plan_inputs(paths, db_path, corpus_root, rebuild)
    ledger, previous_log, inputs, plan = planned.ledger, planned.previous_log, planned.inputs, planned.plan
    pool = Workers(workers, in_task=parse_in_task, limits=limits)
    try:
        rows, added = _parse_new(plan, cache_dir, pool, retry_delay, on_progress)
        summary = RunSummary(db_path, added=added, log=rows)
        if not added and not rebuild and not plan.changes_ledger:
            append_log_task(db_path, quote(rows))
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
            append_log_task(db_path, quote([_not_loaded(r, str(err)) for r in rows]))
            raise
        rows += lost
        summary.documents = reloaded + added
    finally:
        pool.close()
    summary.documents.sort(key=lambda pair: pair[0])
    sources = read_sources(corpus_root, [p for p in paths if Path(p).is_dir()])
    summary.documents = [
        (rel, with_committee_system_facts(d, sources[rel].meeting_date, sources[rel].committee) if rel in sources
         else d) for rel, d in summary.documents]
    # quote(): the corpus-wide values are handed over as they are. Prefect would otherwise walk every
    # document, item and row looking for futures: about 30 s per task for a thousand papers.
    records = corpus_task(quote(summary.documents), curated_path, cache_dir)
    summary.normalised, summary.audited = records.normalised, records.audited
    summary.bodies_again, summary.bodies = records.bodies_again, records.bodies
    load_warehouse(db_path, quote(summary.documents), quote(sources), quote(previous_log + rows),
                   quote(summary.normalised), quote(summary.audited))
    summary.rewritten = True
    return summary


def _not_loaded(row: IngestLogRow, why: str) -> IngestLogRow:
    if row.status not in ("loaded", "replaced"):
        return row
    return IngestLogRow(row.source_path, row.sha256, "failed", f"parsed, but not loaded: {why}"[:500],
                        row.started_at, row.finished_at)


def _parse_new(plan: Plan, cache_dir, pool: Workers, retry_delay: float, on_progress):
    now = dt.datetime.now()
    rows = rows_without_parsing(plan, now)
    total = len(plan.unreadable) + len(plan.skipped) + len(plan.parse)
    done = 0
    for row in rows.values():
        done += 1
        if on_progress:
            status = f"failed: {row.error}" if row.status == "failed" else row.status
            on_progress(ProgressEvent("parsing", done, total, row.source_path, status))
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
        note = "; ".join(filter(None, (note, *extracted.document.reader_notes)))[:500] or None
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
    items = [(where(e, corpus_root), e.source_path, e.sha256) for e in kept]
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
