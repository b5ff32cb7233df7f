"""Writes the DuckDB warehouse: the whole build into a temporary file, then an atomic swap.

A failed or killed run therefore leaves the previous warehouse exactly as it
was, and readers in other processes never see a half-written file.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from extractors.pipeline import ExtractedDocument
from normalisers.audit import AuditedClaim, Finding
from normalisers.timeline import Normalised
from warehouse.lock import WarehouseBusy

SCHEMA_FILE = Path(__file__).parent / "schema.sql"
# Files stay readable by DuckDB 1.x clients (the CLI researchers may have installed).
STORAGE_COMPATIBILITY = "v1.0.0"


@dataclass(frozen=True)
class IngestLogRow:
    source_path: str
    sha256: str | None
    status: str  # loaded | skipped_unchanged | replaced | failed
    error: str | None
    started_at: dt.datetime
    finished_at: dt.datetime


@dataclass(frozen=True)
class LedgerEntry:
    """A document the warehouse holds: the ledger that incremental runs compare files against."""

    doc_id: str
    source_path: str
    sha256: str


class WarehouseUnreadable(Exception):
    """The existing warehouse cannot be read (corrupt, or written by another schema)."""


_CONFLICTING_LOCK = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def in_use_message(db_path: Path | str, err: Exception) -> str | None:
    """DuckDB's error when another process holds the file open for writing, as advice; else None."""
    match = _CONFLICTING_LOCK.search(str(err))
    if not match:
        return None
    return (f"warehouse {db_path} is open for writing in another program (pid {match['pid']}, "
            f"{Path(match['program']).name}): close that connection, or open it read-only, and try again")


@dataclass(frozen=True)
class SourceInfo:
    source_url: str | None
    publisher: str | None


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    return duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_COMPATIBILITY})


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))


def _frame(rows: Iterable[tuple], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns))


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Insert a frame, read whole and cast to the table's declared types."""
    if frame.empty:
        return
    declared = dict(con.execute(f"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = '{table}'"
                                ).fetchall())
    # object columns are typed from a sample of rows: look at all of them (None in the first thousands of
    # rows, then text, would otherwise fail the scan)
    con.execute(f"SET pandas_analyze_sample = {max(len(frame), 1000)}")
    con.register("incoming", frame)
    select = ", ".join(f'CAST("{c}" AS {declared[c]})' for c in frame.columns)
    con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT {select} FROM incoming")
    con.unregister("incoming")


def load_rows(
    con: duckdb.DuckDBPyConnection,
    docs: Sequence[tuple[str, ExtractedDocument]],
    sources: dict[str, SourceInfo],
    log: Sequence[IngestLogRow],
    normalised: Normalised | None = None,
    audited: tuple[Sequence[AuditedClaim], Sequence[Finding]] | None = None,
) -> None:
    """Insert extracted documents (with their corpus-relative paths), their normalisation and audit, and the log."""
    links = normalised.links if normalised else {}
    lead_links = normalised.lead_links if normalised else {}
    _insert(
        con,
        "documents",
        _frame(
            (
                (
                    d.doc_id,
                    rel,
                    d.metadata.title,
                    d.metadata.doc_kind,
                    d.metadata.meeting_date,
                    d.metadata.committee,
                    d.metadata.status,
                    d.metadata.version_label,
                    d.metadata.effective_from,
                    d.metadata.body,
                    d.document.source_format,
                    d.document.page_count,
                    d.document.sha256,
                )
                for rel, d in docs
            ),
            ["doc_id", "source_path", "title", "doc_kind", "meeting_date", "committee", "status", "version_label",
             "effective_from", "body", "source_format", "page_count", "sha256"],
        ),
    )
    _insert(
        con,
        "document_dates",
        _frame(
            ((d.doc_id, x.date, x.role, x.text, x.page, x.line) for _, d in docs for x in d.dates),
            ["doc_id", "date", "role", "text", "page", "line"],
        ),
    )
    _insert(
        con,
        "lists",
        _frame(
            (
                (d.list_id(i), d.doc_id, x.role, x.stance, x.applies_from, x.applies_to, x.heading, x.page, x.line)
                for _, d in docs
                for i, x in enumerate(d.lists)
            ),
            ["list_id", "doc_id", "role", "stance", "applies_from", "applies_to", "heading", "page", "line"],
        ),
    )
    _insert(
        con,
        "list_items",
        _frame(
            (
                (
                    d.list_id(i), it.position, it.raw_label, it.detail, it.count,
                    *_link(links.get((d.list_id(i), it.position))),
                    it.page, it.line, it.source_text,
                )
                for _, d in docs
                for i, x in enumerate(d.lists)
                for it in x.items
            ),
            ["list_id", "position", "raw_label", "detail", "count", "canonical_id", "match_method", "match_score",
             "page", "line", "source_text"],
        ),
    )
    _insert(
        con,
        "leads",
        _frame(
            (
                (d.doc_id, x.raw_priority, _link(lead_links.get((d.doc_id, i)))[0], x.lead, x.page, x.line)
                for _, d in docs
                for i, x in enumerate(d.leads)
            ),
            ["doc_id", "raw_priority", "canonical_id", "lead", "page", "line"],
        ),
    )
    if normalised is not None:
        _load_normalised(con, normalised)
    if audited is not None:
        _load_audit(con, *audited)
    _insert(
        con,
        "document_sources",
        _frame(
            ((d.doc_id, sources[rel].source_url, sources[rel].publisher) for rel, d in docs if rel in sources),
            ["doc_id", "source_url", "publisher"],
        ),
    )
    _insert(
        con,
        "ingest_log",
        _frame(
            ((r.source_path, r.sha256, r.status, r.error, r.started_at, r.finished_at) for r in log),
            ["source_path", "sha256", "status", "error", "started_at", "finished_at"],
        ),
    )


def _link(link) -> tuple:
    return (link.canonical_id, link.method, link.score) if link else (None, None, None)


def _load_normalised(con: duckdb.DuckDBPyConnection, n: Normalised) -> None:
    _insert(con, "canonical_items",
            _frame(((c.canonical_id, c.kind, c.label) for c in n.canonical_items), ["canonical_id", "kind", "label"]))
    _insert(
        con,
        "priority_timeline",
        _frame(
            ((r.canonical_id, r.kind, r.label, r.valid_from, r.valid_to, r.basis, r.doc_id) for r in n.timeline),
            ["canonical_id", "kind", "label", "valid_from", "valid_to", "basis", "doc_id"],
        ),
    )
    _insert(
        con,
        "priority_changes",
        _frame(
            (
                (c.change_id, c.kind, c.change_type, c.effective_date, list(c.before_labels), list(c.after_labels),
                 list(c.canonical_ids), c.basis, c.doc_id, c.evidence)
                for c in n.changes
            ),
            ["change_id", "kind", "change_type", "effective_date", "before_labels", "after_labels", "canonical_ids",
             "basis", "doc_id", "evidence"],
        ),
    )


def _load_audit(con: duckdb.DuckDBPyConnection, claims: Sequence[AuditedClaim], findings: Sequence[Finding]) -> None:
    _insert(
        con,
        "version_claims",
        _frame(
            ((a.claim_id, a.doc_id, a.claim.version, a.claim.claim_date, a.claim.section, a.claim.text,
              a.claim.source, a.claim.change_type, a.claim.page, a.claim.line) for a in claims),
            ["claim_id", "doc_id", "version", "claim_date", "section", "text", "source", "change_type", "page", "line"],
        ),
    )
    _insert(
        con,
        "claim_audit",
        _frame(((a.claim_id, a.verdict, a.explanation, list(a.change_ids)) for a in claims),
               ["claim_id", "verdict", "explanation", "change_ids"]),
    )
    _insert(
        con,
        "audit_findings",
        _frame(((f.finding_id, f.doc_id, f.finding_type, f.explanation, f.page, f.line) for f in findings),
               ["finding_id", "doc_id", "finding_type", "explanation", "page", "line"]),
    )


def read_state(db_path: Path) -> tuple[list[LedgerEntry], list[IngestLogRow]]:
    """The ledger (documents held) and the ingest log so far; empty for a warehouse not built yet."""
    db_path = Path(db_path)
    if not db_path.exists():
        return [], []
    try:
        con = connect(db_path, read_only=True)
        try:
            ledger = [LedgerEntry(*row) for row in
                      con.execute("SELECT doc_id, source_path, sha256 FROM documents ORDER BY source_path").fetchall()]
            log = [IngestLogRow(*row) for row in con.execute(
                "SELECT source_path, sha256, status, error, started_at, finished_at FROM ingest_log").fetchall()]
        finally:
            con.close()
    except duckdb.Error as err:
        busy = in_use_message(db_path, err)
        if busy:
            raise WarehouseBusy(busy) from None
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise WarehouseUnreadable(
            f"cannot read the warehouse {db_path}: {first}; rebuild it with `csa build`"
        ) from None
    return ledger, log


def _temp_path(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.tmp-{os.getpid()}")


def remove_stale_temp_files(db_path: Path) -> list[Path]:
    """Half-written files left by a killed run. Call only while holding the warehouse lock."""
    db_path = Path(db_path)
    stale = sorted(db_path.parent.glob(f".{db_path.name}.tmp-*"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


@contextmanager
def _swapped_in(db_path: Path, copy_of_current: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a temporary file beside `db_path` (a copy of it, or empty), swapped in atomically
    when the block ends without error; on any error, or a kill, the old file is untouched."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(db_path)
    wal = tmp.with_name(tmp.name + ".wal")
    for stale in (tmp, wal):
        stale.unlink(missing_ok=True)
    try:
        if copy_of_current:
            shutil.copyfile(db_path, tmp)
        con = connect(tmp)
        try:
            yield con
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db_path)
    finally:
        tmp.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)


def append_log(db_path: Path, log: Sequence[IngestLogRow]) -> None:
    """Add a run's log rows when nothing else changed: on a copy, swapped in like a full build,
    so readers in other processes never wait and a kill leaves the old file."""
    if not Path(db_path).exists():
        write_warehouse(db_path, [], {}, log)
        return
    with _swapped_in(db_path, copy_of_current=True) as con:
        load_rows(con, [], {}, log)


def write_warehouse(
    db_path: Path,
    docs: Sequence[tuple[str, ExtractedDocument]],
    sources: dict[str, SourceInfo],
    log: Sequence[IngestLogRow],
    normalised: Normalised | None = None,
    audited: tuple[Sequence[AuditedClaim], Sequence[Finding]] | None = None,
) -> None:
    """Build the warehouse in a temporary file next to `db_path`, then swap it in atomically."""
    with _swapped_in(db_path) as con:
        con.execute("BEGIN")
        create_schema(con)
        load_rows(con, docs, sources, log, normalised, audited)
        con.execute("COMMIT")
