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
from typing import TYPE_CHECKING

import duckdb

from warehouse.lock import WarehouseBusy

if TYPE_CHECKING:  # annotations only: reading the ledger needs neither the extractors nor pandas
    from extractors.pipeline import ExtractedDocument
    from normalisers.audit import AuditedClaim, Finding
    from normalisers.timeline import Normalised

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
    """Where a paper came from: corpus/manifest.csv, or a fetch manifest (with the committee system's facts)."""

    source_url: str | None
    publisher: str | None
    origin: str = "manifest"  # manifest | fetch
    site: str | None = None
    committee: str | None = None
    meeting_id: str | None = None
    meeting_date: dt.date | None = None
    agenda_item: str | None = None
    fetched_at: dt.datetime | None = None


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    return duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_COMPATIBILITY})


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Tables, views and macros from schema.sql, and every column's comment from the same file."""
    sql = SCHEMA_FILE.read_text(encoding="utf-8")
    con.execute(sql)
    for table, column, comment in column_comments(sql):
        con.execute(f"COMMENT ON COLUMN {table}.{column} IS '{comment.replace(chr(39), chr(39) * 2)}'")


_CREATE = re.compile(r"^CREATE (?P<what>TABLE|VIEW) (?P<name>\w+)")
_NOT_A_COLUMN = re.compile(r"^(?:PRIMARY KEY|UNIQUE|FOREIGN KEY|CHECK|CONSTRAINT)\b")


def column_comments(sql: str) -> list[tuple[str, str, str]]:
    """(table or view, column, comment) from schema.sql: the `--` comment after a column's line, with
    the comment-only lines under it. A view's columns are its select list, one per line."""
    out: dict[tuple[str, str], str] = {}
    current: str | None = None
    what = ""
    last: tuple[str, str] | None = None
    for line in sql.splitlines():
        m = _CREATE.match(line)
        if m:
            current, what, last = m["name"], m["what"], None
            continue
        if current is None:
            continue
        code, _, comment = line.partition("--")
        code, comment = code.strip(), comment.strip()
        if (what == "TABLE" and code.startswith(")")) or (what == "VIEW" and code.startswith("FROM")):
            current = None
            continue
        if code:
            if what == "TABLE":
                name = None if _NOT_A_COLUMN.match(code) else code.split()[0].strip('"')
            else:
                found = re.search(r"(\w+)\s*,?\s*$", code)
                name = found.group(1) if found else None
            last = (current, name) if name else None
            if last and comment:
                out[last] = comment
        elif comment and last and last in out:
            out[last] += " " + comment
    return [(t, c, text) for (t, c), text in out.items()]


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[dict]) -> None:
    """Insert rows given as {column: value}, read whole and cast to the table's declared types. The
    columns are the table's own (schema.sql declares them once); a name it does not have is an error."""
    import pandas as pd

    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return
    declared = dict(con.execute(f"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = '{table}'"
                                ).fetchall())
    unknown = [c for c in frame.columns if c not in declared]
    if unknown:
        raise ValueError(f"table {table} has no column {', '.join(unknown)} (warehouse/schema.sql)")
    # object columns are typed from a sample of rows: look at all of them (None in the first thousands of
    # rows, then text, would otherwise fail the scan)
    con.execute(f"SET pandas_analyze_sample = {max(len(frame), 1000)}")
    con.register("incoming", frame)
    select = ", ".join(f'CAST("{c}" AS {declared[c]})' for c in frame.columns)
    con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT {select} FROM incoming")
    con.unregister("incoming")


def _date_source(d: ExtractedDocument) -> str | None:
    """'printed' when the paper dates its meeting; 'committee_system' when the date came from a fetch manifest."""
    if d.metadata.meeting_date is None:
        return None
    return d.metadata.meeting_date_source or "printed"


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
    _insert(con, "documents", (
        dict(doc_id=d.doc_id, source_path=rel, title=d.metadata.title, doc_kind=d.metadata.doc_kind,
             meeting_date=d.metadata.meeting_date, meeting_date_source=_date_source(d),
             committee=d.metadata.committee, status=d.metadata.status,
             version_label=d.metadata.version_label, effective_from=d.metadata.effective_from,
             body=d.metadata.body, source_format=d.document.source_format, page_count=d.document.page_count,
             sha256=d.document.sha256, source_url=sources[rel].source_url if rel in sources else None)
        for rel, d in docs
    ))
    _insert(con, "document_dates", (
        dict(doc_id=d.doc_id, date=x.date, role=x.role, text=x.text, page=x.page, line=x.line)
        for _, d in docs for x in d.dates
    ))
    _insert(con, "lists", (
        dict(list_id=d.list_id(i), doc_id=d.doc_id, role=x.role, stance=x.stance, applies_from=x.applies_from,
             applies_to=x.applies_to, heading=x.heading, page=x.page, line=x.line)
        for _, d in docs for i, x in enumerate(d.lists)
    ))
    _insert(con, "list_items", (
        dict(list_id=d.list_id(i), position=it.position, raw_label=it.raw_label, detail=it.detail, count=it.count,
             **_link(links.get((d.list_id(i), it.position))), page=it.page, line=it.line,
             source_text=it.source_text)
        for _, d in docs for i, x in enumerate(d.lists) for it in x.items
    ))
    _insert(con, "leads", (
        dict(doc_id=d.doc_id, raw_priority=x.raw_priority,
             canonical_id=_link(lead_links.get((d.doc_id, i)))["canonical_id"], lead=x.lead, page=x.page,
             line=x.line)
        for _, d in docs for i, x in enumerate(d.leads)
    ))
    if normalised is not None:
        _load_normalised(con, normalised)
    if audited is not None:
        _load_audit(con, *audited)
    _insert(con, "document_sources", (
        dict(doc_id=d.doc_id, source_url=s.source_url, publisher=s.publisher, origin=s.origin, site=s.site,
             committee=s.committee, meeting_id=s.meeting_id, meeting_date=s.meeting_date,
             agenda_item=s.agenda_item, fetched_at=s.fetched_at)
        for rel, d in docs if (s := sources.get(rel)) is not None
    ))
    _insert(con, "ingest_log", (
        dict(source_path=r.source_path, sha256=r.sha256, status=r.status, error=r.error, started_at=r.started_at,
             finished_at=r.finished_at)
        for r in log
    ))


def _link(link) -> dict:
    return dict(canonical_id=link.canonical_id if link else None, match_method=link.method if link else None,
                match_score=link.score if link else None)


def _load_normalised(con: duckdb.DuckDBPyConnection, n: Normalised) -> None:
    _insert(con, "canonical_items", (dict(canonical_id=c.canonical_id, body=c.body, kind=c.kind, label=c.label)
                                     for c in n.canonical_items))
    _insert(con, "priority_timeline", (
        dict(canonical_id=r.canonical_id, body=r.body, kind=r.kind, label=r.label, valid_from=r.valid_from,
             valid_to=r.valid_to, basis=r.basis, evidence_doc=r.evidence_doc, evidence_list_id=r.evidence.list_id,
             evidence_position=r.evidence.position, evidence_page=r.evidence.page, evidence_line=r.evidence.line,
             first_doc=r.first_doc, last_doc=r.last_doc)
        for r in n.timeline
    ))
    _insert(con, "priority_changes", (
        dict(change_id=c.change_id, body=c.body, kind=c.kind, change_type=c.change_type,
             effective_date=c.effective_date, earliest=c.earliest, latest=c.latest,
             before_labels=list(c.before_labels), after_labels=list(c.after_labels),
             canonical_ids=list(c.canonical_ids), basis=c.basis, linked_change_id=c.linked_change_id,
             doc_id=c.doc_id, evidence=c.evidence)
        for c in n.changes
    ))
    _insert(con, "proposal_outcomes", (
        dict(body=p.body, kind=p.kind, list_id=p.list_id, doc_id=p.doc_id, applies_from=p.applies_from,
             canonical_id=p.element.canonical_id, change_type=p.element.change_type,
             before_label=p.element.before.raw_label if p.element.before else None,
             after_label=p.element.after.raw_label if p.element.after else None, adopted=p.adopted,
             evidence=p.evidence)
        for p in n.proposals
    ))
    _insert(con, "timeline_gaps", (
        dict(body=g.body, kind=g.kind, gap_from=g.gap_from, gap_to=g.gap_to, what=g.what, before_list=g.before_list,
             after_list=g.after_list, reason=g.reason)
        for g in n.gaps
    ))


def _load_audit(con: duckdb.DuckDBPyConnection, claims: Sequence[AuditedClaim], findings: Sequence[Finding]) -> None:
    _insert(con, "version_claims", (
        dict(claim_id=a.claim_id, doc_id=a.doc_id, version=a.claim.version, claim_date=a.claim.claim_date,
             section=a.claim.section, text=a.claim.text, source=a.claim.source, change_type=a.claim.change_type,
             page=a.claim.page, line=a.claim.line)
        for a in claims
    ))
    _insert(con, "claim_audit", (
        dict(claim_id=a.claim_id, verdict=a.verdict, explanation=a.explanation, change_ids=list(a.change_ids))
        for a in claims
    ))
    _insert(con, "audit_findings", (
        dict(finding_id=f.finding_id, doc_id=f.doc_id, finding_type=f.finding_type, explanation=f.explanation,
             page=f.page, line=f.line)
        for f in findings
    ))


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
