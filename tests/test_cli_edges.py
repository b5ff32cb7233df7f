"""CLI edges (issue 16): one-line errors with the right advice, never a traceback."""

import os
import subprocess
import sys

import pytest
from conftest import CORPUS, ROOT, seed

from flows.cli import main
from warehouse.store import append_log

HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])  # read-write, as a notebook or the DuckDB shell would hold it
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def warehouse(tmp_path):
    db = tmp_path / "csa.duckdb"
    append_log(db, [])  # an empty warehouse with the full schema
    return db


def _one_line(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


@pytest.mark.parametrize("query", ["", ";", "-- only a comment", "  /* nothing */  "])
def test_sql_with_no_statement_is_one_line(warehouse, capsys, query):
    assert main(["sql", query, "--db", str(warehouse)]) == 2
    assert _one_line(capsys.readouterr().err) == "error: no SQL statement given (the query is empty or only comments)"


def test_sql_shows_every_statements_result_and_one_line_errors(warehouse, capsys):
    assert main(["sql", "SELECT 41 AS a; SELECT 42 AS b", "--db", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "a" in out and "41" in out and "b" in out and "42" in out
    assert main(["sql", "SELECT nope FROM documents", "--db", str(warehouse)]) == 2
    assert _one_line(capsys.readouterr().err).startswith("SQL error: Binder Error: Referenced column \"nope\"")
    assert main(["sql", "SELECT 1", "--db", str(warehouse.parent / "missing.duckdb")]) == 2
    assert _one_line(capsys.readouterr().err) == (
        f"error: no warehouse at {warehouse.parent / 'missing.duckdb'}: build it with `make run` (or `csa build`)")


def test_a_warehouse_held_open_for_writing_elsewhere_says_busy_not_rebuild(warehouse, tmp_path, capsys):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(warehouse)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        (tmp_path / "inbox").mkdir()
        assert main(["ingest", str(tmp_path / "inbox"), "--db", str(warehouse)]) == 75
        message = _one_line(capsys.readouterr().err)
        assert message.startswith(f"busy: warehouse {warehouse} is open for writing in another program "
                                  f"(pid {holder.pid}, ")
        assert message.endswith("close that connection, or open it read-only, and try again")
        assert "csa build" not in message
        assert main(["sql", "SELECT 1", "--db", str(warehouse)]) == 75
        assert "is open for writing in another program" in _one_line(capsys.readouterr().err)
    finally:
        holder.communicate("")


def test_explain_prints_a_readable_header(capsys):
    assert main(["explain", str(CORPUS / seed("003")), "--lists"]) == 0
    out = capsys.readouterr().out
    assert "DocumentMetadata(" not in out
    assert "  kind:           committee_report\n" in out
    assert "  meeting date:   2014-10-14\n" in out and "  status:         NULL\n" in out


def test_prefect_keeps_its_state_in_the_project_unless_told_otherwise(tmp_path):
    probe = "import flows.build; from prefect.settings import PREFECT_HOME; print(PREFECT_HOME.value())"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_HOME"}
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.stdout.strip() == str(ROOT / ".prefect"), out.stderr
    chosen = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env={**env, "PREFECT_HOME": str(tmp_path)},
                            capture_output=True, text=True)
    assert chosen.stdout.strip() == str(tmp_path)
