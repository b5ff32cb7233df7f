"""The `build` flow: parse -> extract -> load. Flows only wire tasks; the work lives elsewhere."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, task

from extractors.pipeline import ExtractedDocument, extract_document
from extractors.readers import UnreadableDocument, sha256_of
from flows.corpus_files import DEFAULT_CORPUS, DEFAULT_DB, corpus_files, read_manifest, relative_path
from normalisers.audit import AuditedClaim, Finding, audit
from normalisers.timeline import CURATED_FILE, Normalised, load_curated, normalise_documents
from warehouse.store import IngestLogRow, write_warehouse

ProgressCallback = Callable[[str, str], None]  # (relative path, status)


@dataclass
class BuildSummary:
    db_path: Path
    loaded: list[tuple[str, ExtractedDocument]] = field(default_factory=list)
    log: list[IngestLogRow] = field(default_factory=list)
    normalised: Normalised | None = None
    audited: tuple[list[AuditedClaim], list[Finding]] | None = None

    @property
    def failed(self) -> list[IngestLogRow]:
        return [r for r in self.log if r.status == "failed"]

    @property
    def skipped(self) -> list[IngestLogRow]:
        return [r for r in self.log if r.status == "skipped_unchanged"]


@task(name="parse-and-extract")
def parse_and_extract(path: Path, rel: str) -> tuple[ExtractedDocument | None, IngestLogRow]:
    """One file: read its bytes and extract. Bad input becomes a failed log row, never an exception."""
    started = dt.datetime.now()
    digest = None
    try:
        data = path.read_bytes()
        digest = sha256_of(data)
        extracted = extract_document(data, rel)
        return extracted, IngestLogRow(rel, digest, "loaded", None, started, dt.datetime.now())
    except UnreadableDocument as err:
        return None, IngestLogRow(rel, digest, "failed", err.reason, started, dt.datetime.now())
    except OSError as err:
        reason = f"cannot read file: {err.strerror}"
        return None, IngestLogRow(rel, digest, "failed", reason, started, dt.datetime.now())


@task(name="normalise")
def normalise_task(loaded: list[tuple[str, ExtractedDocument]], curated_path: Path) -> Normalised:
    """Canonical items, links, changes and timeline over every loaded document (pure, corpus-wide)."""
    return normalise_documents([d for _, d in loaded], load_curated(curated_path))


@task(name="audit-claims")
def audit_task(loaded: list[tuple[str, ExtractedDocument]], normalised: Normalised):
    """Judge every paper's claims about its own changes against the lists (pure, corpus-wide)."""
    docs = [d for _, d in loaded]
    return audit(docs, normalised, {d.doc_id: list(d.claims) for d in docs})


@task(name="load-warehouse")
def load_warehouse(
    db_path: Path, loaded: list[tuple[str, ExtractedDocument]], sources: dict, log: list, normalised: Normalised,
    audited: tuple,
) -> None:
    write_warehouse(db_path, loaded, sources, log, normalised, audited)


def _mark_duplicates(results: list[tuple[ExtractedDocument | None, IngestLogRow]]) -> list:
    """The same bytes under two names: keep the first, log the second as skipped."""
    seen: dict[str, str] = {}
    out = []
    for extracted, row in results:
        if extracted is not None and extracted.document.sha256 in seen:
            first = seen[extracted.document.sha256]
            row = IngestLogRow(row.source_path, row.sha256, "skipped_unchanged",
                               f"same content as {first}", row.started_at, row.finished_at)
            extracted = None
        elif extracted is not None:
            seen[extracted.document.sha256] = row.source_path
        out.append((extracted, row))
    return out


@flow(name="csa-build", validate_parameters=False, log_prints=False)
def build(
    corpus: Path = DEFAULT_CORPUS,
    db_path: Path = DEFAULT_DB,
    on_progress: ProgressCallback | None = None,
    curated_path: Path = CURATED_FILE,
) -> BuildSummary:
    """Parse every document in `corpus` and (re)build the warehouse at `db_path` in one swap.

    `curated_path`: the researcher's overrides (raw label -> canonical id), which always win.
    """
    corpus, db_path = Path(corpus), Path(db_path)
    curated_path = Path(curated_path)
    results = []
    for path in corpus_files(corpus):
        rel = relative_path(path, corpus)
        result = parse_and_extract(path, rel)
        results.append(result)
        if on_progress:
            on_progress(rel, result[1].status if result[1].status != "failed" else f"failed: {result[1].error}")
    results = _mark_duplicates(results)
    summary = BuildSummary(db_path, [(r.source_path, e) for e, r in results if e is not None], [r for _, r in results])
    summary.normalised = normalise_task(summary.loaded, curated_path)
    summary.audited = audit_task(summary.loaded, summary.normalised)
    sources = read_manifest(corpus if corpus.is_dir() else corpus.parent)
    load_warehouse(db_path, summary.loaded, sources, summary.log, summary.normalised, summary.audited)
    return summary
