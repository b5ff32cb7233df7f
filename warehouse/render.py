"""Query results as people read them: DuckDB's own table, CSV, JSON lines or a markdown table.

NULL is shown as NULL in tables (and as an empty field in CSV, null in JSON); an empty result
keeps its column names.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import decimal
import io
import json
import uuid

import duckdb

FORMATS = ("table", "csv", "json", "markdown")


def _plain(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _cell(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_cell(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(_plain(value))


def render(relation: duckdb.DuckDBPyRelation, fmt: str = "table", width: int | None = None) -> str:
    """One result in `fmt` (FORMATS). `width`: fit the table to a terminal this wide (None: no limit)."""
    if fmt == "table":
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            relation.show(max_width=width or 1_000_000, max_rows=10_000_000, max_col_width=width or 1_000_000,
                          null_value="NULL")
        return out.getvalue().rstrip("\n")
    columns = list(relation.columns)
    rows = relation.fetchall()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if v is None else _cell(v) if isinstance(v, list | tuple) else _plain(v) for v in row]
                          for row in rows])
        return out.getvalue().rstrip("\n")
    if fmt == "json":  # one object per line (JSON Lines): streams, and jq reads it
        return "\n".join(json.dumps(dict(zip(columns, map(_plain, row), strict=True)), ensure_ascii=False)
                         for row in rows)
    if fmt == "markdown":
        def esc(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = ["| " + " | ".join(esc(c) for c in columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
        lines += ["| " + " | ".join(esc(_cell(v)) for v in row) + " |" for row in rows]
        return "\n".join(lines)
    raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
