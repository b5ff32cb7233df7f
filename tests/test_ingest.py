"""Ingest without Prefect: the ledger plan, the parse cache, the lock, the log-only append, bad input."""

import threading
import time
from pathlib import Path

import pytest
from bad_inputs import ODD_NAME_STORED, write_bad_inputs, write_odd_named_paper
from conftest import CORPUS, ROOT, SEEDS, seed

from extractors.readers import UnreadableDocument, sha256_of
from flows import parse_cache
from flows.ledger import Input, plan_run
from flows.pipeline import discover, hash_input, printable
from warehouse import store
from warehouse.lock import WarehouseBusy, warehouse_lock
from warehouse.store import IngestLogRow, LedgerEntry

FIXTURES = ROOT / "tests" / "fixtures"


def _input(rel: str, sha: str) -> Input:
    return Input(Path(rel), rel, sha)


def test_plan_skips_content_already_held_even_renamed_and_replaces_a_changed_path():
    ledger = [LedgerEntry("aaaa", "a.txt", "sha-a"), LedgerEntry("bbbb", "b.txt", "sha-b")]
    inputs = [
        _input("a.txt", "sha-a"),          # unchanged
        _input("inbox/b copy.txt", "sha-b"),  # renamed / copied
        _input("b.txt", "sha-b2"),         # same path, new content
        _input("new.txt", "sha-n"),
        _input("new again.txt", "sha-n"),  # the same new content twice in one run
        Input(Path("gone.txt"), "gone.txt", None, "file not found"),
        Input(Path("x.docx"), "x.docx", "sha-d", "unsupported file type '.docx'"),
    ]
    plan = plan_run(inputs, ledger)
    assert [i.source_path for i in plan.parse] == ["b.txt", "new.txt"]
    assert plan.replaces == {"b.txt": ledger[1]}
    assert [(i.source_path, why) for i, why in plan.skipped] == [
        ("a.txt", "unchanged"),
        ("inbox/b copy.txt", "moved from b.txt"),  # b.txt's old content lives on under the new name
        ("new again.txt", "same content as new.txt"),
    ]
    assert plan.moves == {"bbbb": "inbox/b copy.txt"} and not plan.drops
    assert [i.source_path for i in plan.unreadable] == ["gone.txt", "x.docx"]
    # the same decisions about held content whatever order the files come in (between two new copies,
    # the first wins: `discover` sorts them)
    backwards = plan_run(inputs[::-1], ledger)
    assert (backwards.moves, backwards.replaces, backwards.drops) == (plan.moves, plan.replaces, plan.drops)
    assert {(i.source_path, why) for i, why in backwards.skipped if "new" not in why} == {
        ("a.txt", "unchanged"), ("inbox/b copy.txt", "moved from b.txt")}


def test_plan_moves_a_renamed_file_and_drops_a_version_overwritten_by_other_held_content():
    ledger = [LedgerEntry("aaaa", "a.txt", "sha-a"), LedgerEntry("cccc", "c.txt", "sha-c")]
    renamed = plan_run([_input("inbox/a renamed.txt", "sha-a")], ledger, gone={"a.txt"})
    assert renamed.moves == {"aaaa": "inbox/a renamed.txt"} and renamed.skipped[0][1] == "moved from a.txt"
    copied = plan_run([_input("inbox/a copy.txt", "sha-a")], ledger)  # a.txt still there: a copy, not a move
    assert not copied.moves and copied.skipped[0][1] == "same content as a.txt"
    overwritten = plan_run([_input("a.txt", "sha-c")], ledger)  # a.txt now holds c.txt's content
    assert overwritten.drops == {"a.txt": ledger[0]} and overwritten.changes_ledger
    assert not overwritten.parse and overwritten.skipped[0][1] == "same content as c.txt"


def test_a_full_rebuild_plans_every_file_once():
    plan = plan_run([_input("a.txt", "x"), _input("b.txt", "x")], [])
    assert [i.source_path for i in plan.parse] == ["a.txt"]
    assert plan.skipped[0][1] == "same content as a.txt"


def test_inputs_are_hashed_and_named_relative_to_the_corpus_root(tmp_path):
    (tmp_path / "inbox").mkdir()
    paper = tmp_path / "inbox" / "p.txt"
    paper.write_bytes(b"Community safety")
    (tmp_path / "inbox" / ".hidden.txt").write_text("x")
    (tmp_path / "inbox" / "manifest.csv").write_text("file\n")
    found = discover([tmp_path / "inbox", paper])  # the same file twice: once
    assert found == [paper]
    item = hash_input(paper, tmp_path)
    assert (item.source_path, item.sha256, item.error) == ("inbox/p.txt", sha256_of(b"Community safety"), None)
    outside = hash_input(CORPUS / seed("003"), tmp_path)
    assert outside.source_path == (CORPUS / seed("003")).as_posix()
    assert hash_input(tmp_path / "nope.pdf", tmp_path).error == "file not found"


def test_odd_path_characters_become_one_printable_line(tmp_path):
    (tmp_path / "inbox").mkdir()
    path = write_odd_named_paper(tmp_path / "inbox")
    item = hash_input(path, tmp_path)
    assert item.source_path == ODD_NAME_STORED
    assert item.source_path.isprintable()
    assert printable("a\tb\x00c") == "a\\tb\\x00c"


def test_each_bad_input_gets_its_one_line_reason(tmp_path):
    expected = write_bad_inputs(tmp_path / "inbox")
    for rel, reason in expected.items():
        item = hash_input(tmp_path / rel, tmp_path)
        if item.error:
            got = item.error
        else:
            with pytest.raises(UnreadableDocument) as err:
                parse_cache.extract_cached(item.path, item.source_path, item.sha256, None)
            got = err.value.reason
        assert reason in got, rel
        assert "\n" not in got


def test_the_relevance_rule_keeps_every_paper_the_project_knows():
    from extractors.readers import read_document
    from extractors.relevance import check_relevance

    papers = list(CORPUS.glob("*.txt")) + [p for p in FIXTURES.rglob("*") if p.suffix in (".txt", ".md")]
    assert len(papers) >= 10
    for path in papers:
        check_relevance(read_document(path.read_bytes(), path.name))  # raises if refused


# ---------------------------------------------------------------- the parse cache


def _count_reads(monkeypatch) -> list[str]:
    reads: list[str] = []
    real = parse_cache.read_document

    def counting(data, source_path, limits=None):
        reads.append(source_path)
        return real(data, source_path, limits)

    monkeypatch.setattr(parse_cache, "read_document", counting)
    return reads


def test_the_cache_serves_unchanged_content_and_a_rule_change_re_extracts_without_reading(tmp_path, monkeypatch):
    paper = tmp_path / "p.txt"
    paper.write_bytes((CORPUS / seed("002")).read_bytes())
    sha = sha256_of(paper.read_bytes())
    reads = _count_reads(monkeypatch)
    first = parse_cache.extract_cached(paper, "p.txt", sha, tmp_path / "cache")
    again = parse_cache.extract_cached(paper, "renamed.txt", sha, tmp_path / "cache")
    assert reads == ["p.txt"]
    assert again.lists == first.lists and again.document.source_path == "renamed.txt"
    # a list or claim rule changes: the extractor fingerprint moves, the reader's does not
    monkeypatch.setattr(parse_cache, "extractor_fingerprint", lambda: "rules-changed")
    paper.unlink()  # not even the file is needed: the parsed copy is cached
    third = parse_cache.extract_cached(None, "p.txt", sha, tmp_path / "cache")
    assert reads == ["p.txt"] and third.lists == first.lists
    assert len(list((tmp_path / "cache" / "extracted").rglob("*.pickle"))) == 2


def test_a_reader_change_re_reads_and_a_missing_file_is_reported(tmp_path, monkeypatch):
    paper = tmp_path / "p.txt"
    paper.write_bytes((CORPUS / seed("002")).read_bytes())
    sha = sha256_of(paper.read_bytes())
    reads = _count_reads(monkeypatch)
    parse_cache.extract_cached(paper, "p.txt", sha, tmp_path / "cache")
    monkeypatch.setattr(parse_cache, "reader_fingerprint", lambda: "reader-changed")
    monkeypatch.setattr(parse_cache, "extractor_fingerprint", lambda: "also-changed")
    parse_cache.extract_cached(paper, "p.txt", sha, tmp_path / "cache")
    assert reads == ["p.txt", "p.txt"]
    paper.write_bytes(b"Community safety crime partnership: a different paper now")
    with pytest.raises(parse_cache.SourceChanged, match="changed while it was being read"):
        monkeypatch.setattr(parse_cache, "extractor_fingerprint", lambda: "third")
        parse_cache.extract_cached(paper, "p.txt", sha, tmp_path / "other-cache")


def test_refusals_are_remembered_and_damaged_cache_entries_ignored(tmp_path, monkeypatch):
    scan = tmp_path / "notes.txt"
    scan.write_bytes(b"Shopping list\n\n- eggs\n")
    sha = sha256_of(scan.read_bytes())
    reads = _count_reads(monkeypatch)
    for _ in range(2):
        with pytest.raises(UnreadableDocument, match="not a community-safety paper"):
            parse_cache.extract_cached(scan, "notes.txt", sha, tmp_path / "cache")
    assert reads == ["notes.txt"]
    good = tmp_path / "p.txt"
    good.write_bytes((CORPUS / seed("003")).read_bytes())
    gsha = sha256_of(good.read_bytes())
    parse_cache.extract_cached(good, "p.txt", gsha, tmp_path / "cache")
    for pickle_file in (tmp_path / "cache").rglob(f"{gsha}-*.pickle"):
        pickle_file.write_bytes(b"\x80\x05 truncated by a crash")
    doc = parse_cache.extract_cached(good, "p.txt", gsha, tmp_path / "cache")
    assert doc.metadata.meeting_date is not None and reads[-1] == "p.txt"


# ---------------------------------------------------------------- the lock and the store


def test_a_second_writer_is_told_the_warehouse_is_busy_or_waits(tmp_path):
    db = tmp_path / "csa.duckdb"
    with warehouse_lock(db):
        with (pytest.raises(WarehouseBusy, match=r"busy: held by pid \d+ since .*try again later or pass --wait"),
              warehouse_lock(db, wait=0)):
            pass
        messages = []
        with (pytest.raises(WarehouseBusy, match=r"after waiting 0\.3s"),
              warehouse_lock(db, wait=0.3, on_wait=messages.append, poll=0.05)):
            pass
        assert len(messages) == 1 and "waiting up to 0.3s" in messages[0]
    holder = threading.Thread(target=_hold, args=(db, 0.4))
    holder.start()
    time.sleep(0.1)
    started = time.monotonic()
    with warehouse_lock(db, wait=10, poll=0.05):
        waited = time.monotonic() - started
    holder.join()
    assert 0.2 < waited < 5


def _hold(db: Path, seconds: float) -> None:
    with warehouse_lock(db):
        time.sleep(seconds)


def test_append_log_keeps_the_warehouse_and_adds_rows(tmp_path, parsed):
    import datetime as dt

    db = tmp_path / "csa.duckdb"
    now = dt.datetime(2026, 11, 23, 7, 0)
    store.write_warehouse(db, [(seed("003"), parsed(seed("003")))], {}, [IngestLogRow(seed("003"), "x", "loaded",
                                                                                         None, now, now)])
    store.append_log(db, [IngestLogRow("inbox/a.pdf", None, "failed", "needs OCR", now, now)])
    ledger, log = store.read_state(db)
    assert ledger == [LedgerEntry(parsed(seed("003")).doc_id, seed("003"), parsed(seed("003")).document.sha256)]
    assert [(r.source_path, r.status, r.error) for r in log] == [
        (seed("003"), "loaded", None), ("inbox/a.pdf", "failed", "needs OCR")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csa.duckdb"]


def test_an_unreadable_warehouse_is_reported_not_overwritten(tmp_path):
    db = tmp_path / "csa.duckdb"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(store.WarehouseUnreadable, match="rebuild it with `csa build`"):
        store.read_state(db)
    assert store.read_state(tmp_path / "none.duckdb") == ([], [])


def test_stale_temporary_files_of_a_killed_run_are_removed(tmp_path):
    db = tmp_path / "csa.duckdb"
    (tmp_path / ".csa.duckdb.tmp-4242").write_bytes(b"half written")
    (tmp_path / ".csa.duckdb.tmp-4242.wal").write_bytes(b"")
    (tmp_path / ".other.duckdb.tmp-1").write_bytes(b"not ours")
    removed = store.remove_stale_temp_files(db)
    assert [p.name for p in removed] == [".csa.duckdb.tmp-4242", ".csa.duckdb.tmp-4242.wal"]
    assert [p.name for p in tmp_path.iterdir()] == [".other.duckdb.tmp-1"]



# ---------------------------------------------------------------- the command line


def test_serve_needs_a_prefect_server_and_a_valid_cron(monkeypatch, capsys):
    from flows.cli import main

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["serve", "--cron", "61 7 * * 1"]) == 2
    assert "--cron '61 7 * * 1': Invalid cron string" in capsys.readouterr().err
    assert main(["serve", "--cron", "0 7 * * 1"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "needs a Prefect server: run `prefect server start`" in err and "PREFECT_API_URL" in err


def test_the_served_deployment_carries_the_schedule_and_parameters():
    from prefect.schedules import Cron

    from flows.build import ingest

    deployment = ingest.to_deployment(name="csa-weekly-ingest", schedule=Cron("0 7 * * 1", timezone="Europe/London"),
                                      parameters={"paths": ["/srv/inbox"], "workers": 2})
    (schedule,) = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 7 * * 1", "Europe/London")
    assert deployment.parameters == {"paths": ["/srv/inbox"], "workers": 2}
    assert {"paths", "db_path", "corpus_root", "workers", "wait", "cache_dir"} <= set(
        deployment._parameter_openapi_schema.properties)


def test_bad_options_stop_before_any_work(tmp_path, capsys):
    from flows.cli import main

    assert main(["ingest", str(tmp_path), "--db", str(tmp_path / "x.duckdb"), "--workers", "0"]) == 2
    assert "--workers must be 1 or more" in capsys.readouterr().err
    (tmp_path / "x.duckdb").write_bytes(b"not a database" * 64)
    assert main(["ingest", str(tmp_path), "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "cannot read the warehouse" in capsys.readouterr().err
    assert (tmp_path / "x.duckdb").read_bytes() == b"not a database" * 64
    (tmp_path / "afile").write_text("")
    assert main(["ingest", str(tmp_path), "--db", str(tmp_path / "afile" / "csa.duckdb")]) == 2
    assert f"{tmp_path / 'afile'} is not a folder" in capsys.readouterr().err
    # issue 16: --db into a folder that does not exist is an error, not a folder created by surprise
    assert main(["ingest", str(tmp_path), "--db", str(tmp_path / "nowhere" / "csa.duckdb")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'nowhere'} does not exist (create it first)" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "nowhere").exists()


def test_a_text_paper_misnamed_pdf_is_refused_but_loads_once_renamed(tmp_path):
    data = (FIXTURES / "audit" / "eastvale_csa_2017.txt").read_bytes()
    paper = tmp_path / "paper.pdf"
    paper.write_bytes(data)
    with pytest.raises(UnreadableDocument, match="corrupt PDF"):
        parse_cache.extract_cached(paper, "inbox/paper.pdf", sha256_of(data), tmp_path / "cache")
    paper = paper.rename(tmp_path / "paper.txt")  # the cached refusal belongs to the PDF reading only
    doc = parse_cache.extract_cached(paper, "inbox/paper.txt", sha256_of(data), tmp_path / "cache")
    assert len(doc.lists) == 3


def test_a_pdf_that_fails_even_to_close_is_refused_once_and_remembered(tmp_path, monkeypatch):
    # a fuzzed PDF (by the review) on which pdfplumber's close raises TypeError
    data = (FIXTURES / "bad" / "fails_on_close.pdf").read_bytes()
    (tmp_path / "x.pdf").write_bytes(data)
    reads = _count_reads(monkeypatch)
    for _ in range(2):
        with pytest.raises(UnreadableDocument, match=r"^corrupt PDF"):
            parse_cache.extract_cached(tmp_path / "x.pdf", "x.pdf", sha256_of(data), tmp_path / "cache")
    assert reads == ["x.pdf"]


def test_the_page_limit_counts_the_page_tree_not_only_what_the_pdf_declares():
    from bad_inputs import _pdf

    from extractors.readers import read_document

    data = _pdf(lambda pdf, n: pdf.cell(text=f"Community Safety Partnership report, crime, page {n + 1}"), pages=1500)
    lying = data.replace(b"/Count 1500", b"/Count 0001")
    assert lying != data
    for pdf in (data, lying):
        with pytest.raises(UnreadableDocument, match="too long for one paper: 1,500 pages"):
            read_document(pdf, "x.pdf")


def test_columns_load_whatever_their_first_thousands_of_values_are(tmp_path):
    # found by the 1,000-paper benchmark: thousands of claims with no version, then one with
    from warehouse.store import _insert, connect

    con = connect(tmp_path / "x.duckdb")
    con.execute("CREATE TABLE claims (claim_id VARCHAR, version VARCHAR, change_ids VARCHAR[] NOT NULL)")
    rows = [dict(claim_id=f"c{i}", version=None, change_ids=[]) if i != 2001 else
            dict(claim_id=f"c{i}", version="2.0", change_ids=["obs-1"]) for i in range(4000)]
    _insert(con, "claims", rows)
    assert con.execute("SELECT count(*), max(version), max(len(change_ids)) FROM claims").fetchone() == (4000, "2.0", 1)
    with pytest.raises(ValueError, match="table claims has no column verison"):  # a name the schema lacks
        _insert(con, "claims", [dict(claim_id="x", verison="1.0", change_ids=[])])


def test_an_ingest_with_nothing_new_ends_before_prefect_starts(tmp_path, parsed, monkeypatch, capsys):
    """Issue 17: planned against the ledger first; nothing to parse means no Prefect server, no flow run."""
    import shutil

    import duckdb

    import flows.runtime
    from flows.cli import main
    from warehouse import store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in SEEDS[:2]:
        shutil.copy(ROOT / "corpus" / name, corpus / name)
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04 not a paper csa reads")
    db = tmp_path / "csa.duckdb"
    store.write_warehouse(db, [(name, parsed(name)) for name in SEEDS[:2]], {}, [])
    before = duckdb.connect(str(db), read_only=True)
    held = before.execute("SELECT * FROM documents ORDER BY doc_id").fetchall()
    before.close()

    def no_prefect():
        raise AssertionError("Prefect was started for a run with nothing new")

    monkeypatch.setattr(flows.runtime, "start_local_server", no_prefect)
    assert main(["ingest", str(corpus), "--db", str(db), "--corpus-root", str(corpus), "--cache-dir", "off"]) == 0
    out = capsys.readouterr()
    assert "0 loaded, 0 replaced, 2 skipped (already held), 1 failed" in " ".join(out.out.split())
    assert "notes.docx" in out.err
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT * FROM documents ORDER BY doc_id").fetchall() == held
        assert sorted(con.execute("SELECT source_path, status FROM ingest_log").fetchall()) == [
            (SEEDS[0], "skipped_unchanged"), (SEEDS[1], "skipped_unchanged"), ("notes.docx", "failed")]
