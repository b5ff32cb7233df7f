"""`csa sql` as people expect from the DuckDB shell, and a warehouse that describes itself (issue 14)."""

from __future__ import annotations

import io
import json

import duckdb
import pytest

from flows.cli import main
from warehouse import store


@pytest.fixture(scope="module")
def db(seed_warehouse):
    return seed_warehouse


def test_duckdb_tables_null_as_null_and_empty_results_keep_their_columns(db, capsys):
    assert main(["sql", "--db", str(db), "SELECT 1 AS one, NULL AS nothing; "
                 "SELECT doc_id, title FROM documents WHERE false"]) == 0
    out = capsys.readouterr().out
    first, second = out.split("\n\n", 1)
    assert "│ one" in first.replace("  ", " ") or "one" in first
    assert "NULL" in first and "NaN" not in out and "None" not in out
    assert "doc_id" in second and "title" in second and "0 rows" in second


def test_formats(db, capsys):
    query = "SELECT label, valid_to FROM in_force(DATE '2025-06-01') WHERE kind = 'priority' ORDER BY label LIMIT 2"
    assert main(["sql", "--db", str(db), "--format", "csv", query]) == 0
    assert capsys.readouterr().out.splitlines() == ["label,valid_to", "Domestic Abuse,",
                                                    "Preventing Extremism and Hate,"]
    assert main(["sql", "--db", str(db), "--format", "json", query]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [{"label": "Domestic Abuse", "valid_to": None},
                    {"label": "Preventing Extremism and Hate", "valid_to": None}]
    assert main(["sql", "--db", str(db), "--format", "markdown", query]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "| label | valid_to |", "|---|---|", "| Domestic Abuse | NULL |", "| Preventing Extremism and Hate | NULL |"]


def test_sql_from_a_file_and_from_standard_input(db, tmp_path, capsys, monkeypatch):
    script = tmp_path / "q.sql"
    script.write_text("-- two questions\nSELECT count(*) AS gaps FROM gaps;\n"
                      "SELECT count(*) AS proposals FROM proposals;\n", encoding="utf-8")
    assert main(["sql", "--db", str(db), "--format", "csv", "-f", str(script)]) == 0
    assert capsys.readouterr().out.splitlines() == ["gaps", "6", "", "proposals", "3"]
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT 42 AS answer"))
    assert main(["sql", "--db", str(db), "--format", "csv", "-"]) == 0
    assert capsys.readouterr().out.splitlines() == ["answer", "42"]
    assert main(["sql", "--db", str(db), "-f", str(tmp_path / "missing.sql")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read" in err and "Traceback" not in err


def test_every_table_view_macro_and_column_says_what_it_is(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        bare = con.execute("""SELECT table_name, column_name FROM duckdb_columns()
                              WHERE NOT internal AND coalesce(comment, '') = ''""").fetchall()
        tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE coalesce(comment, '') = ''").fetchall()
        views = con.execute("""SELECT view_name FROM duckdb_views()
                               WHERE NOT internal AND coalesce(comment, '') = ''""").fetchall()
        macros = {r[0]: r[1] for r in con.execute(
            "SELECT function_name, comment FROM duckdb_functions() WHERE function_type = 'table_macro' "
            "AND NOT internal").fetchall()}
        count = con.execute("SELECT count(*) FROM duckdb_columns() WHERE NOT internal").fetchone()[0]
        timeline = dict(con.execute("""SELECT column_name, comment FROM duckdb_columns()
                                       WHERE table_name = 'priority_timeline'""").fetchall())
    finally:
        con.close()
    assert count > 120 and bare == [] and tables == [] and views == []
    assert set(macros) == {"in_force", "changes_between", "item_history"} and all(macros.values())
    # a column whose comment runs over two lines of schema.sql keeps both
    assert timeline["basis"].startswith("printed: a paper of that period prints it") and "never adopted" in \
        timeline["basis"]


def test_the_column_comment_reader():
    sql = """CREATE TABLE t (
    a INTEGER,          -- the first
                        -- and more about it
    b VARCHAR NOT NULL, -- the second
    PRIMARY KEY (a)
);
CREATE VIEW v AS
SELECT t.a,            -- a, again
       b AS bee        -- renamed
FROM t;
"""
    assert sorted(store.column_comments(sql)) == [
        ("t", "a", "the first and more about it"), ("t", "b", "the second"), ("v", "a", "a, again"),
        ("v", "bee", "renamed")]


def test_citations_source_url_from_the_manifest_and_form_feed_pages(tmp_path):
    from extractors.pipeline import extract_document
    from warehouse.store import SourceInfo

    text = ("Northvale Community Safety Partnership\n\nReport to the Partnership, 4 March 2025\n\n"
            "The Partnership discussed crime and anti-social behaviour.\f"
            "The priorities for 2025/26 are:\n\n- Burglary\n- Road safety\n")
    doc = extract_document(text.encode(), "northvale.txt")
    path = tmp_path / "w.duckdb"
    store.write_warehouse(path, [("northvale.txt", doc)],
                          {"northvale.txt": SourceInfo("https://example.org/northvale.pdf", "Northvale Council")}, [])
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT source_url, page_count FROM documents").fetchall() == [
            ("https://example.org/northvale.pdf", 2)]
        assert con.execute("SELECT raw_label, page, line FROM list_items ORDER BY position").fetchall() == [
            ("Burglary", 2, 8), ("Road safety", 2, 9)]  # page 2 of the file; lines count through the file
    finally:
        con.close()
