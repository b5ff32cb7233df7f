"""docs/queries.md is executed: every ```sql block runs against a warehouse built from the corpus,
and its result must equal the ```text block that follows it.

    CSA_UPDATE_GOLDENS=1 pytest tests/test_queries_doc.py    rewrites the text blocks from the warehouse
"""

from __future__ import annotations

import os
import re

import duckdb
import pytest
from conftest import ROOT

DOC = ROOT / "docs" / "queries.md"
BLOCK = re.compile(r"```sql\n(?P<sql>.*?)```\n+```text\n(?P<out>.*?)```", re.S)


def render(columns: list[str], rows: list[tuple]) -> str:
    """A plain, stable table: ' | ' between columns, NULL for missing values, one line per row."""

    def cell(v) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, list):
            return "[" + ", ".join(cell(x) for x in v) + "]"
        if isinstance(v, float):
            return f"{v:g}"
        return str(v)

    table = [columns] + [[cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(columns))]
    lines = [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in table]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def con(seed_warehouse):
    c = duckdb.connect(str(seed_warehouse), read_only=True)
    yield c
    c.close()


def test_every_query_in_the_guide_returns_its_documented_rows(con):
    text = DOC.read_text(encoding="utf-8")
    blocks = list(BLOCK.finditer(text))
    assert len(blocks) >= 8
    rendered = []
    for m in blocks:
        cur = con.execute(m.group("sql"))
        rendered.append(render([d[0] for d in cur.description], cur.fetchall()))
    if os.environ.get("CSA_UPDATE_GOLDENS"):
        parts, last = [], 0
        for m, out in zip(blocks, rendered, strict=True):
            parts += [text[last : m.start("out")], out]
            last = m.end("out")
        DOC.write_text("".join(parts) + text[last:], encoding="utf-8")
        return
    for m, out in zip(blocks, rendered, strict=True):
        assert out == m.group("out"), f"query changed its result:\n{m.group('sql')}"
