"""`csa export`: every table and view of a warehouse, one file each, with a data dictionary and the
query guide, so the timeline travels without DuckDB.

Files are written by DuckDB itself: Parquet (read by pandas with pyarrow, polars and DuckDB), CSV
with a header (list columns as JSON arrays), or JSON Lines. `--body` keeps one body's rows: the
tables that name a body are filtered on it, the others through the documents they belong to.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

FORMATS = {"parquet": "parquet", "csv": "csv", "json": "jsonl"}

# How each table or view keeps one body's rows ({b}: the body, as a SQL literal).
_BY_BODY = {
    "documents": "body = {b}",
    "document_dates": "doc_id IN (SELECT doc_id FROM documents WHERE body = {b})",
    "lists": "doc_id IN (SELECT doc_id FROM documents WHERE body = {b})",
    "list_items": "list_id IN (SELECT list_id FROM lists JOIN documents USING (doc_id) WHERE body = {b})",
    "leads": "doc_id IN (SELECT doc_id FROM documents WHERE body = {b})",
    "canonical_items": "body = {b}",
    "priority_timeline": "body = {b}",
    "priority_changes": "body = {b}",
    "proposal_outcomes": "body = {b}",
    "timeline_gaps": "body = {b}",
    "version_claims": "doc_id IN (SELECT doc_id FROM documents WHERE body = {b})",
    "claim_audit": "claim_id IN (SELECT claim_id FROM version_claims JOIN documents USING (doc_id) WHERE body = {b})",
    "audit_findings": "doc_id IN (SELECT doc_id FROM documents WHERE body = {b})",
    "document_sources": "doc_id IN (SELECT doc_id FROM documents WHERE body = {b})",
    "ingest_log": "sha256 IN (SELECT sha256 FROM documents WHERE body = {b})",
    "proposals": "body = {b}",
    "gaps": "body = {b}",
}


@dataclass(frozen=True)
class Exported:
    name: str  # table or view
    path: Path
    rows: int


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(name, 'table' | 'view') of the warehouse's own tables and views, tables first."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY table_name").fetchall()]
    views = [r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY view_name").fetchall()]
    return [(t, "table") for t in tables] + [(v, "view") for v in views]


def export(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str = "parquet", body: str | None = None,
           guide: Path | None = None, progress=None) -> list[Exported]:
    """Write every table and view to `out_dir`, plus data_dictionary.csv and .md (and the query guide)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if body is not None:
        known = [r[0] for r in con.execute("SELECT DISTINCT body FROM documents WHERE body IS NOT NULL").fetchall()]
        if body not in known:
            raise ValueError(f"no body {body!r} in this warehouse (it has: {', '.join(sorted(known)) or 'none'})")
    out_dir.mkdir(parents=True, exist_ok=True)
    done: list[Exported] = []
    for name, _ in relations(con):
        columns = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
            [name]).fetchall()
        select = ", ".join(
            f'to_json("{c}")::VARCHAR AS "{c}"' if fmt == "csv" and t.endswith("[]") else f'"{c}"' for c, t in columns)
        where = ""
        if body is not None:
            rule = _BY_BODY.get(name)
            if rule is None:
                raise ValueError(f"export --body does not know how to filter {name} (warehouse/export.py)")
            where = " WHERE " + rule.format(b=_literal(body))
        query = f"SELECT {select} FROM {name}{where}"
        path = out_dir / f"{name}.{FORMATS[fmt]}"
        options = {"parquet": "FORMAT parquet", "csv": "FORMAT csv, HEADER", "json": "FORMAT json"}[fmt]
        con.execute(f"COPY ({query}) TO {_literal(str(path))} ({options})")
        rows = con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]
        done.append(Exported(name, path, rows))
        if progress:
            progress(done[-1])
    _dictionary(con, out_dir)
    if guide is not None and guide.is_file():
        (out_dir / guide.name).write_text(guide.read_text(encoding="utf-8"), encoding="utf-8")
    return done


def _dictionary(con: duckdb.DuckDBPyConnection, out_dir: Path) -> None:
    """Every table, view and column with its type and what it is; and the stored questions."""
    rows = con.execute(
        """SELECT c.table_name, coalesce(t.comment, v.comment) AS what, c.column_name, c.data_type, c.comment
           FROM duckdb_columns() c
           LEFT JOIN duckdb_tables() t ON t.table_name = c.table_name
           LEFT JOIN duckdb_views() v ON v.view_name = c.table_name AND NOT v.internal
           WHERE NOT c.internal ORDER BY c.table_name, c.column_index""").fetchall()
    macros = con.execute(
        """SELECT function_name, comment FROM duckdb_functions()
           WHERE function_type = 'table_macro' AND NOT internal ORDER BY function_name""").fetchall()
    with open(out_dir / "data_dictionary.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["table", "table_comment", "column", "type", "comment"])
        writer.writerows(rows)
    lines = ["# Data dictionary", "", "Every table and view of the warehouse, each column with its type and what it "
             "holds (the same text as the warehouse's own COMMENT ON).", ""]
    current = None
    for table, what, column, data_type, comment in rows:
        if table != current:
            lines += ["", f"## {table}", "", what or "", "", "| column | type | what it holds |", "|---|---|---|"]
            current = table
        lines.append(f"| `{column}` | {data_type} | {(comment or '').replace('|', '/')} |")
    if macros:
        lines += ["", "## Stored questions (table macros; in DuckDB: `SELECT * FROM in_force(DATE '2021-06-01')`)", ""]
        lines += [f"- `{name}`: {comment}" for name, comment in macros]
    (out_dir / "data_dictionary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
