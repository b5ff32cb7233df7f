"""`csa export` and `csa report` on a warehouse of the seeds (issue 14): the files read back in
pandas, polars and DuckDB; the report opens offline in a real headless Chromium (Debian's, which
`make test` installs), with no console error, no request but its own file, a picture that is not
blank, and one lane per canonical item."""

from __future__ import annotations

import csv
import json

import duckdb
import pandas as pd
import polars as pl
import pytest
from PIL import Image

from flows.cli import main

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def db(seed_warehouse):
    return seed_warehouse


def _counts(db) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        names += [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]
        return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}
    finally:
        con.close()


def test_export_parquet_reads_back_in_pandas_polars_and_duckdb(db, tmp_path, capsys):
    out = tmp_path / "parquet"
    assert main(["export", str(out), "--db", str(db)]) == 0
    counts = _counts(db)
    assert {"in_force" not in counts, "proposals" in counts, "gaps" in counts} == {True}
    for name, rows in counts.items():
        path = out / f"{name}.parquet"
        assert len(pd.read_parquet(path)) == rows, name
        assert pl.read_parquet(path).height == rows, name
        assert duckdb.sql(f"SELECT count(*) FROM '{path}'").fetchall()[0][0] == rows, name
    timeline = pd.read_parquet(out / "priority_timeline.parquet")
    assert set(timeline["basis"]) == {"printed", "carried_forward", "proposed_only"}
    changes = pl.read_parquet(out / "priority_changes.parquet")
    assert changes.schema["before_labels"] == pl.List(pl.String)
    assert (out / "queries.md").read_text(encoding="utf-8").startswith("# Querying the timeline")
    assert "17 tables and views written" in capsys.readouterr().out


def test_export_csv_and_json_and_the_data_dictionary(db, tmp_path):
    assert main(["export", str(tmp_path / "csv"), "--format", "csv", "--db", str(db)]) == 0
    assert main(["export", str(tmp_path / "json"), "--format", "json", "--db", str(db)]) == 0
    counts = _counts(db)
    with open(tmp_path / "csv" / "priority_changes.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == counts["priority_changes"]
    split = next(r for r in rows if r["change_id"] == "stated-264e6b20d66e1ec8-01")
    assert json.loads(split["after_labels"]) == ["Safeguarding Vulnerable People", "Preventing Extremism and Hate"]
    lines = (tmp_path / "json" / "gaps.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == counts["gaps"] and json.loads(lines[0])["what"] == "nothing_in_force"
    with open(tmp_path / "csv" / "data_dictionary.csv", encoding="utf-8", newline="") as fh:
        dictionary = list(csv.DictReader(fh))
    con = duckdb.connect(str(db), read_only=True)
    columns = con.execute("SELECT count(*) FROM duckdb_columns() WHERE NOT internal").fetchone()[0]
    con.close()
    assert len(dictionary) == columns and all(r["comment"] and r["table_comment"] for r in dictionary)
    md = (tmp_path / "csv" / "data_dictionary.md").read_text(encoding="utf-8")
    assert "## priority_timeline" in md and "`in_force`" in md


def test_export_one_body_and_refuse_an_unknown_one(db, tmp_path, capsys):
    assert main(["export", str(tmp_path / "kent"), "--body", "Kent", "--db", str(db)]) == 0
    assert len(pd.read_parquet(tmp_path / "kent" / "documents.parquet")) == 5
    capsys.readouterr()
    assert main(["export", str(tmp_path / "other"), "--body", "Northshire", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: no body 'Northshire' in this warehouse (it has: Kent)"
    assert not (tmp_path / "other").exists()


def test_report_opens_offline_in_chromium_with_one_lane_per_item(db, tmp_path, capsys):
    from playwright.sync_api import sync_playwright

    page_path, picture = tmp_path / "report.html", tmp_path / "timeline.png"
    assert main(["report", "--db", str(db), "--out", str(page_path), "--png", str(picture)]) == 0
    assert "report of 1 bodies (18 lanes)" in capsys.readouterr().out
    with Image.open(picture) as img:
        assert img.width > 800 and len(img.convert("RGB").getcolors(maxcolors=1 << 20)) > 20
    con = duckdb.connect(str(db), read_only=True)
    items = {kind: sorted(r[0] for r in con.execute(
        "SELECT label FROM canonical_items WHERE kind = ?", [kind]).fetchall()) for kind in ("priority", "theme")}
    con.close()
    errors, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri())
            page.wait_for_load_state("load")
            lanes = page.evaluate("""() => Array.from(document.querySelectorAll('g.role-axis'))
                .filter(g => (g.getAttribute('aria-label') || '').startsWith('Y-axis'))
                .map(g => Array.from(g.querySelectorAll('g.role-axis-label text')).map(t => t.textContent))""")
            shot = tmp_path / "shot.png"
            page.screenshot(path=str(shot), full_page=True)
            headings = page.evaluate("() => Array.from(document.querySelectorAll('h3')).map(h => h.textContent)")
        finally:
            browser.close()
    assert errors == []
    assert requests == [page_path.as_uri()]  # nothing but the file itself
    assert [sorted(lane) for lane in lanes] == [items["priority"], items["theme"]]
    assert "Changes, with the window each lies in and its evidence" in headings
    with Image.open(shot) as img:
        colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
        assert img.height > 1000 and len(colours) > 20  # a page with a picture, not a blank one
