"""The warehouse swap is atomic, and the build flow runs end to end with no traceback."""

import os
import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import CORPUS, ROOT, seed

from warehouse import store


def test_failed_load_leaves_previous_warehouse_intact(tmp_path, parsed, monkeypatch):
    db = tmp_path / "csa.duckdb"
    doc = parsed(seed("000"))
    store.write_warehouse(db, [("000.txt", doc)], {}, [])
    before = db.read_bytes()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "load_rows", explode)
    with pytest.raises(RuntimeError):
        store.write_warehouse(db, [("000.txt", doc)], {}, [])
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csa.duckdb"]  # no temporary file left behind
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from documents").fetchone() == (1,)


def test_a_malformed_curated_file_stops_the_build_with_one_line(tmp_path):
    bad = tmp_path / "curated.csv"
    bad.write_text("raw_label,kind,canonical_id,reason\nTheft,priority,,\n", encoding="utf-8")
    from flows.cli import main

    assert main(["build", str(CORPUS), "--db", str(tmp_path / "x.duckdb"), "--curated", str(bad)]) == 2
    assert not (tmp_path / "x.duckdb").exists()


def test_build_flow_end_to_end_in_a_subprocess(tmp_path):
    corpus = tmp_path / "corpus with spaces"
    shutil.copytree(CORPUS, corpus)
    shutil.copy(corpus / seed("003"), corpus / "renamed copy.txt")  # the same paper twice
    (corpus / "empty.pdf").write_bytes(b"")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    db = tmp_path / "out" / "csa.duckdb"
    db.parent.mkdir()
    curated = tmp_path / "curated.csv"
    curated.write_text("raw_label,kind,canonical_id,reason\n"
                       "Theft,priority,priority:kent:acquisitive-crime,the 2011 list gives thefts as its example\n",
                       encoding="utf-8")
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_HOME": str(tmp_path / "prefect")}
    for _ in range(2):  # a second run over the same corpus is just as clean
        proc = subprocess.run(
            [sys.executable, "-m", "flows.cli", "build", str(corpus), "--db", str(db), "--curated", str(curated)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
        assert "5 loaded, 1 skipped, 2 failed" in proc.stdout
    con = duckdb.connect(str(db), read_only=True)
    docs = con.execute("select source_path, doc_kind, meeting_date::varchar from documents order by 1").fetchall()
    assert [d[0] for d in docs] == sorted(p.name for p in CORPUS.glob("*.txt"))
    log = dict(con.execute("select source_path, status || ': ' || coalesce(error, '') from ingest_log").fetchall())
    assert log["empty.pdf"] == "failed: empty file (0 bytes)"
    assert log["broken.pdf"].startswith("failed: corrupt PDF")
    assert log["renamed copy.txt"] == f"skipped_unchanged: same content as {seed('003')}"
    assert con.execute("select count(*) from document_sources where publisher is not null").fetchone() == (5,)
    assert not list(db.parent.glob(".*tmp*"))
    assert con.execute(
        "select canonical_id, match_method from list_items where raw_label = 'Theft'"
    ).fetchall() == [("priority:kent:acquisitive-crime", "curated")]
    assert "10 canonical priorities, 8 themes" in proc.stdout


def test_lists_items_and_leads_are_loaded_with_provenance(tmp_path, parsed):
    from conftest import SEEDS

    db = tmp_path / "csa.duckdb"
    store.write_warehouse(db, [(name, parsed(name)) for name in SEEDS], {}, [])
    con = duckdb.connect(str(db), read_only=True)
    per_doc = dict(
        con.execute(
            "select d.source_path, count(l.list_id) from documents d left join lists l using (doc_id) group by 1"
        ).fetchall()
    )
    assert [per_doc[name] for name in SEEDS] == [5, 6, 2, 0, 6]
    # The 2022 draft's assessment table: 13 issues, counts as printed.
    counts = con.execute(
        """select i.count from list_items i join lists l using (list_id) join documents d using (doc_id)
           where d.source_path = ? and l.role = 'district_assessment' order by i.position""",
        [seed("001")],
    ).fetchall()
    assert [c for (c,) in counts] == [12, 11, 9, 9, 9, 8, 7, 6, 5, 5, 5, 4, 1]
    row = con.execute(
        """select l.list_id, l.stance, l.applies_from::varchar, i.raw_label, i.line, i.source_text, i.canonical_id
           from list_items i join lists l using (list_id) join documents d using (doc_id)
           where d.source_path = ? and l.role = 'priorities' and l.stance = 'proposed' and i.position = 5""",
        [seed("000")],
    ).fetchone()
    assert row[0] == f"{parsed(seed('000')).doc_id}-L04"
    assert row[1:] == ("proposed", "2020-04-01", "Serious Violence and Organised Crime", 79,
                       "- Serious Violence and Organised Crime", None)
    assert con.execute("select count(*) from leads").fetchone() == (13,)
    assert con.execute("select count(*) from list_items where count is not null").fetchone() == (25,)


def test_normalised_tables_are_loaded_with_the_issue_columns(tmp_path, parsed):
    from conftest import SEEDS

    from normalisers.timeline import normalise_documents

    docs = [parsed(name) for name in SEEDS]
    db = tmp_path / "csa.duckdb"
    store.write_warehouse(db, [(d.document.source_path, d) for d in docs], {}, [], normalise_documents(docs))
    con = duckdb.connect(str(db), read_only=True)

    def columns(table):
        return [r[0] for r in con.execute(f"describe {table}").fetchall()]

    assert columns("canonical_items") == ["canonical_id", "body", "kind", "label"]
    assert columns("priority_timeline") == [
        "canonical_id", "body", "kind", "label", "valid_from", "valid_to", "basis", "evidence_doc", "evidence_list_id",
        "evidence_position", "evidence_page", "evidence_line", "first_doc", "last_doc"]
    assert columns("priority_changes") == [
        "change_id", "body", "kind", "change_type", "effective_date", "earliest", "latest", "before_labels",
        "after_labels", "canonical_ids", "basis", "linked_change_id", "doc_id", "evidence"]
    assert {"canonical_id", "match_method", "match_score"} <= set(columns("list_items"))
    # every priority/theme item linked; police plan, MoRiLE and workshop items never
    unlinked = con.execute(
        """select l.role, count(*) filter (where i.canonical_id is null), count(*)
           from list_items i join lists l using (list_id) group by 1 order by 1"""
    ).fetchall()
    assert unlinked == [
        ("cross_cutting_themes", 0, 28), ("district_assessment", 21, 35), ("morile", 12, 12),
        ("police_plan", 14, 14), ("priorities", 0, 41), ("stakeholder_workshop", 5, 5),
    ]
    assert con.execute("select count(*), count(canonical_id) from leads").fetchone() == (13, 13)
    assert con.execute("select count(*) from canonical_items").fetchone() == (18,)
    assert con.execute(
        "select basis, count(*) from priority_changes group by 1 order by 1"
    ).fetchall() == [("observed", 17), ("proposed", 1), ("stated", 4)]
    row = con.execute(
        """select before_labels, after_labels, canonical_ids from priority_changes
           where change_type = 'renamed' and basis = 'proposed'"""
    ).fetchone()
    assert row == (["Domestic Abuse"], ["Violence Against Women and Girls (VAWG) & Domestic Abuse"],
                   ["priority:kent:domestic-abuse"])
    # every stated change is linked both ways to an observed one
    assert con.execute(
        """select count(*) from priority_changes s join priority_changes o on o.change_id = s.linked_change_id
           where s.basis = 'stated' and o.linked_change_id = s.change_id"""
    ).fetchone() == (4,)
    # timeline rows point at real documents and never end before they start
    assert con.execute(
        """select count(*) from priority_timeline t left join documents d on d.doc_id = t.evidence_doc
           left join list_items i on i.list_id = t.evidence_list_id and i.position = t.evidence_position
           where d.doc_id is null or i.list_id is null or t.valid_to < t.valid_from"""
    ).fetchone() == (0,)
