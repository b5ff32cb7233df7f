"""The ingest flow in-process: a new PDF adds exactly its lists; a second run adds nothing; bad input is
logged while good files load; a changed file replaces its earlier version; transient errors are retried."""

import errno
import shutil
from pathlib import Path

import duckdb
import pytest
from bad_inputs import ODD_NAME_STORED, with_turned_copy, write_bad_inputs, write_odd_named_paper
from conftest import CORPUS, ROOT
from renditions import rendition_of

AUDIT = ROOT / "tests" / "fixtures" / "audit"
HOUSE_SOUTHDOWN = ROOT / "tests" / "fixtures" / "house_styles" / "southdown_scrutiny_paper.txt"
TABLES = {
    "documents": "doc_id, source_path, sha256",
    "lists": "list_id, doc_id, role, stance, applies_from, heading",
    "list_items": "list_id, position, raw_label, canonical_id",
    "priority_timeline": "canonical_id, label, valid_from, valid_to, basis, evidence_doc",
    "priority_changes": "change_id, change_type, effective_date, before_labels, after_labels, doc_id",
    "claim_audit": "claim_id, verdict",
}


def snapshot(db: Path) -> dict[str, set]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: {tuple(tuple(v) if isinstance(v, list) else v for v in row)
                    for row in con.execute(f"SELECT {cols} FROM {t}").fetchall()} for t, cols in TABLES.items()}
    finally:
        con.close()


def log_rows(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT source_path, status, error FROM ingest_log").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The seeds and the 2016 Eastvale agreement, built once; each test gets its own copy."""
    from flows.build import build

    root = tmp_path_factory.mktemp("base")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    shutil.copy(AUDIT / "eastvale_csa_2016.txt", corpus / "eastvale_csa_2016.txt")
    build(corpus=corpus, db_path=root / "wh" / "csa.duckdb", cache_dir=root / "cache")
    return root


@pytest.fixture
def site(base, tmp_path):
    shutil.copytree(base / "corpus", tmp_path / "corpus")
    shutil.copytree(base / "wh", tmp_path / "wh")
    (tmp_path / "corpus" / "inbox").mkdir(exist_ok=True)
    return tmp_path


def ingest_here(site: Path, **options):
    from flows.build import ingest

    return ingest(paths=[str(site / "corpus" / "inbox")], db_path=str(site / "wh" / "csa.duckdb"),
                  corpus_root=str(site / "corpus"), cache_dir=str(site.parent / "cache"), wait=0,
                  retry_delay=0.01, **options)


def test_a_new_pdf_in_the_inbox_adds_exactly_its_lists_and_a_second_run_adds_nothing(site):
    db = site / "wh" / "csa.duckdb"
    before = snapshot(db)
    shutil.copy(rendition_of(AUDIT / "eastvale_csa_2017.txt"), site / "corpus" / "inbox" / "Eastvale CSA 2017.pdf")

    summary = ingest_here(site)
    after = snapshot(db)
    assert [(r.source_path, r.status) for r in summary.log] == [("inbox/Eastvale CSA 2017.pdf", "loaded")]
    (new_doc,) = {d[0] for d in after["documents"] - before["documents"]}
    assert before["documents"] < after["documents"]
    # the new lists are exactly the new paper's: priorities and themes from April 2017, and (Appendix A)
    # the priorities proposed from April 2018
    added = sorted(after["lists"] - before["lists"])
    assert [(x[1], x[2], x[3], str(x[4])) for x in added] == [
        (new_doc, "priorities", "current", "2017-04-01"), (new_doc, "cross_cutting_themes", "current", "2017-04-01"),
        (new_doc, "priorities", "proposed", "2018-04-01")]
    assert before["lists"] < after["lists"]
    priorities = ["Tackling anti-social behaviour", "Domestic abuse", "Road safety", "Burglary"]
    labels = sorted(i[2] for i in after["list_items"] - before["list_items"])
    assert labels == sorted([*priorities, *priorities, "Early intervention", "Supporting victims",
                             "Reducing reoffending"])
    # the timeline: Eastvale's 2017 version arrives. Checked by hand against the two papers: 'Anti-social
    # behaviour' became 'Tackling anti-social behaviour', the theme 'Reducing reoffending' was added, and the
    # 2017 paper's history narrates Burglary (2015) and Reducing reoffending (2017): a year only, so no day
    new_changes = after["priority_changes"] - before["priority_changes"]
    assert {(c[1], str(c[2]), c[3], c[4]) for c in new_changes} == {
        ("renamed", "2017-04-01", ("Anti-social behaviour",), ("Tackling anti-social behaviour",)),
        ("added", "2017-04-01", (), ("Reducing reoffending",)),
        ("added", "None", (), ("Burglary",)),
        ("added", "None", (), ("Reducing reoffending",)),
    }
    assert {c[5] for c in new_changes} == {new_doc}
    # ... and Kent's history is untouched
    kent = lambda snap: {r for r in snap["priority_timeline"] if r[0].split(":")[1] == "kent"}  # noqa: E731
    assert kent(after) == kent(before) and kent(before)

    again = ingest_here(site)
    assert not again.rewritten and not again.added
    assert [(r.source_path, r.status, r.error) for r in again.log] == [
        ("inbox/Eastvale CSA 2017.pdf", "skipped_unchanged", "unchanged")]
    assert snapshot(db) == after
    assert log_rows(db)[-2:] == [("inbox/Eastvale CSA 2017.pdf", "loaded", None),
                                 ("inbox/Eastvale CSA 2017.pdf", "skipped_unchanged", "unchanged")]


def test_every_bad_input_is_logged_with_its_reason_while_good_files_load(site):
    db = site / "wh" / "csa.duckdb"
    before = snapshot(db)
    inbox = site / "corpus" / "inbox"
    expected = write_bad_inputs(inbox)
    write_odd_named_paper(inbox)
    shutil.copy(rendition_of(AUDIT / "eastvale_csa_2017.txt"), inbox / "good.pdf")
    shutil.copy(CORPUS / sorted(p.name for p in CORPUS.glob("*.txt"))[0], inbox / "seen before.txt")
    # issue 17: a page the fast PDF path hands to pdfplumber loads, and its log row says so
    (inbox / "turned.pdf").write_bytes(with_turned_copy(rendition_of(AUDIT / "eastvale_csa_2017.txt").read_bytes()))

    summary = ingest_here(site)
    log = {r.source_path: (r.status, r.error) for r in summary.log}
    assert len(log) == len(expected) + 4
    for rel, reason in expected.items():
        status, error = log[rel]
        assert status == "failed" and reason in error, rel
        assert "\n" not in error
    assert log[ODD_NAME_STORED] == ("loaded", None)
    assert log["inbox/good.pdf"] == ("loaded", None)
    assert log["inbox/turned.pdf"] == ("loaded", "page 2 read with pdfplumber: the page is rotated")
    assert log["inbox/seen before.txt"][0] == "skipped_unchanged"
    after = snapshot(db)
    for table in ("documents", "lists"):
        assert before[table] <= after[table], table  # everything held before is still there
    assert {c[0] for c in before["claim_audit"]} <= {c[0] for c in after["claim_audit"]}  # (verdicts may move)
    assert {i[:3] for i in before["list_items"]} <= {i[:3] for i in after["list_items"]}
    assert {d[1] for d in after["documents"] - before["documents"]} == {ODD_NAME_STORED, "inbox/good.pdf",
                                                                        "inbox/turned.pdf"}
    stored = {r[0]: r[1:] for r in log_rows(db)}
    assert stored["inbox/scan.pdf"] == ("failed", "no text layer (image-only PDF?): needs OCR")


def test_a_changed_file_replaces_its_earlier_version_and_a_bad_new_version_keeps_it(site):
    db = site / "wh" / "csa.duckdb"
    paper = site / "corpus" / "inbox" / "eastvale.txt"
    text = (AUDIT / "eastvale_csa_2017.txt").read_text(encoding="utf-8")
    paper.write_text(text, encoding="utf-8")
    first = ingest_here(site)
    old_id = first.added[0][1].doc_id
    paper.write_text(text.replace("- Road safety\n", "- Road danger reduction\n"), encoding="utf-8")

    second = ingest_here(site)
    (row,) = second.log
    assert row.status == "replaced" and row.error.startswith("replaces the version with sha256 ")
    snap = snapshot(db)
    docs = {d[1]: d[0] for d in snap["documents"]}
    assert docs["inbox/eastvale.txt"] != old_id and old_id not in {x[1] for x in snap["lists"]}
    assert "Road danger reduction" in {i[2] for i in snap["list_items"]}

    paper.write_bytes(b"")  # a broken new version: the good one stays
    third = ingest_here(site)
    assert [(r.status, r.error) for r in third.log] == [
        ("failed", "empty file (0 bytes); the earlier version stays loaded")]
    assert snapshot(db) == snap


def test_transient_errors_are_retried_and_a_persistent_one_fails_only_its_file(site, monkeypatch):
    from flows.workers import Workers

    real = Workers.run
    calls: dict[str, int] = {}

    def flaky(self, path, source_path, sha256, cache_dir):
        calls[source_path] = calls.get(source_path, 0) + 1
        if "always" in source_path or calls[source_path] == 1:
            raise OSError(errno.EIO, "Input/output error")
        return real(self, path, source_path, sha256, cache_dir)

    monkeypatch.setattr(Workers, "run", flaky)
    inbox = site / "corpus" / "inbox"
    # content no earlier test cached: a cache hit is answered without a parsing task (issue 17)
    (inbox / "flaky.txt").write_bytes((AUDIT / "eastvale_csa_2017.txt").read_bytes() + b"\nflaky copy\n")
    (inbox / "always failing.txt").write_text("Community safety partnership: crime and victims", encoding="utf-8")
    summary = ingest_here(site)
    log = {r.source_path: (r.status, r.error) for r in summary.log}
    assert log["inbox/flaky.txt"] == ("loaded", None)
    assert calls["inbox/flaky.txt"] == 2
    assert calls["inbox/always failing.txt"] == 4  # the first try and three retries
    assert log["inbox/always failing.txt"] == ("failed", "OSError: [Errno 5] Input/output error")


def test_two_worker_processes_give_the_same_warehouse(tmp_path):
    from flows.build import build

    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    build(corpus=CORPUS, db_path=one, cache_dir="off")
    summary = build(corpus=CORPUS, db_path=two, cache_dir="off", workers=2)
    assert len(summary.documents) == 5
    assert snapshot(one) == snapshot(two)


def test_the_log_keeps_its_history_and_never_repeats_rows(site):
    db = site / "wh" / "csa.duckdb"
    built = len(log_rows(db))
    (site / "corpus" / "inbox" / "zero.pdf").write_bytes(b"")
    runs = [ingest_here(site) for _ in range(3)]  # nothing new after the first: log-only appends
    assert [len(r.log) for r in runs] == [1, 1, 1]
    assert len(log_rows(db)) == built + 3
    shutil.copy(AUDIT / "eastvale_csa_2017.txt", site / "corpus" / "inbox" / "new.txt")
    ingest_here(site)  # a full rewrite carries the history over
    assert len(log_rows(db)) == built + 5


def test_moved_and_swapped_files_keep_their_records_under_the_new_name(site):
    db = site / "wh" / "csa.duckdb"
    inbox = site / "corpus" / "inbox"
    (inbox / "x.txt").write_bytes((AUDIT / "eastvale_csa_2017.txt").read_bytes())
    ingest_here(site)
    held = lambda: {d[1]: d[2] for d in snapshot(db)["documents"] if d[1].startswith("inbox/")}  # noqa: E731
    a = held()["inbox/x.txt"]
    # x.txt becomes y.txt, and a new paper takes the name x.txt: both are kept, each under its own name
    (inbox / "x.txt").rename(inbox / "y.txt")
    shutil.copy(HOUSE_SOUTHDOWN, inbox / "x.txt")
    summary = ingest_here(site)
    assert {(r.source_path, r.status, r.error) for r in summary.log} >= {("inbox/y.txt", "skipped_unchanged",
                                                                        "moved from inbox/x.txt")}
    assert {r.source_path: r.status for r in summary.log}["inbox/x.txt"] == "replaced"
    now = held()
    assert now["inbox/y.txt"] == a and now["inbox/x.txt"] != a and len(now) == 2
    # a plain rename moves the record too
    (inbox / "y.txt").rename(inbox / "z.txt")
    ingest_here(site)
    assert set(held()) == {"inbox/x.txt", "inbox/z.txt"}


def test_a_build_keeps_papers_ingested_from_outside_the_corpus(site, tmp_path_factory):
    from flows.build import build

    db = site / "wh" / "csa.duckdb"
    outside = tmp_path_factory.mktemp("elsewhere") / "eastvale 2017.txt"
    outside.write_bytes((AUDIT / "eastvale_csa_2017.txt").read_bytes())
    from flows.build import ingest

    ingest(paths=[str(outside)], db_path=str(db), corpus_root=str(site / "corpus"), cache_dir=str(site / "own-cache"),
           wait=0)
    count = len(snapshot(db)["documents"])
    build(corpus=site / "corpus", db_path=db, cache_dir=site / "own-cache")
    assert outside.as_posix() in {d[1] for d in snapshot(db)["documents"]}
    assert len(snapshot(db)["documents"]) == count
    # gone from disk and from the cache: a rebuild drops it, and says so
    outside.unlink()
    shutil.rmtree(site / "own-cache")
    build(corpus=site / "corpus", db_path=db, cache_dir=site / "own-cache")
    assert len(snapshot(db)["documents"]) == count - 1
    (row,) = [r for r in log_rows(db) if r[0] == outside.as_posix() and r[1] == "failed"]
    assert "held from outside the corpus" in row[2] and "dropped by this rebuild" in row[2]


def test_a_probe_set_of_hostile_inputs_is_logged_while_good_files_load(site, monkeypatch):
    """Issue 16: every odd input gets a `failed` row with its reason, from an argument or inside a folder,
    each bomb is stopped by the limit it breaks (lowered here), and the good files load beside them."""
    import codecs
    import os
    import socket

    from bad_inputs import operator_bomb, slow_pdf, stream_bomb

    from extractors.limits import Limits
    from flows.build import ingest

    db = site / "wh" / "csa.duckdb"
    before = snapshot(db)
    inbox = site / "corpus" / "inbox"
    os.mkfifo(inbox / "pipe.txt")
    monkeypatch.chdir(inbox)  # a socket's path has a short length limit: bind it by its relative name
    listener = socket.socket(socket.AF_UNIX)
    listener.bind("socket.txt")
    os.symlink("/dev/null", inbox / "device.txt")
    os.symlink("loop.txt", inbox / "loop.txt")
    os.symlink("gone.txt", inbox / "dangling.txt")
    (site / "elsewhere").mkdir()
    shutil.copy(HOUSE_SOUTHDOWN, site / "elsewhere" / "paper.txt")
    os.symlink(site / "elsewhere", inbox / "linked folder")
    outside_pipe = site / "outside pipe.txt"
    os.mkfifo(outside_pipe)
    # bombs, made small but over the lowered limits
    (inbox / "stream bomb.pdf").write_bytes(stream_bomb(2_000_000))
    (inbox / "drawing.pdf").write_bytes(operator_bomb(20_000))
    (inbox / "slow.pdf").write_bytes(slow_pdf(pages=200, rects_per_page=2_000))  # under the operator cap; ~50 s
    bullets = "".join(f"- Tackling {chr(97 + i % 26)}{chr(97 + i // 26 % 26)} crime\n" for i in range(150))
    (inbox / "bullet dump.md").write_text(
        f"# Community Safety Partnership\n\nThe partnership's priorities for crime and disorder are:\n\n{bullets}",
        encoding="utf-8")
    (inbox / "log dump.txt").write_text(
        "Community Safety Partnership\n\n" + "crime and disorder\n" * 6_000, encoding="utf-8")
    # good files: UTF-16, a PDF with '- ' bullets, and one passage longer than spaCy's own limit
    (inbox / "utf16 paper.txt").write_bytes(codecs.BOM_UTF16_LE + HOUSE_SOUTHDOWN.read_text(
        encoding="utf-8").encode("utf-16-le"))
    shutil.copy(rendition_of(AUDIT / "eastvale_csa_2017.txt", bullet="-"), inbox / "hyphen bullets.pdf")
    words = ["the", "panel", "noted", "on", "1", "April", "2020", "that", "crime", "and", "disorder", "fell"]
    passage = " ".join(words[i % len(words)] for i in range(200_000))
    (inbox / "long passage.txt").write_text(
        f"Community Safety Partnership\n\nReport to the committee.\n\n{passage}\n", encoding="utf-8")

    limits = Limits.from_rules(max_stream_bytes=1_000_000, max_page_operators=5_000, max_list_items=100,
                               max_lines=5_000, max_parse_seconds=15)
    summary = ingest(paths=[str(inbox), str(outside_pipe)], db_path=str(db), corpus_root=str(site / "corpus"),
                     cache_dir=str(site / "cache"), wait=0, retry_delay=0.01, limits=limits)
    listener.close()
    log = {r.source_path: (r.status, r.error) for r in summary.log}
    where = "extractors/rules/limits.yaml"
    expected = {
        "inbox/pipe.txt": "not a regular file: a named pipe (FIFO)",
        "inbox/socket.txt": "not a regular file: a socket",
        "inbox/device.txt": "not a regular file: a character device",
        "inbox/loop.txt": "symlink loop: the link leads back to itself",
        "inbox/dangling.txt": "dangling link: it points to gone.txt, which does not exist",
        "inbox/linked folder": "a link to a folder: not followed inside a folder (name the folder as an argument "
                               "to read it)",
        str(outside_pipe): "not a regular file: a named pipe (FIFO)",
        "inbox/stream bomb.pdf": "PDF stream too large: a content stream on page 1 inflates past 1,000,000 bytes "
                                 f"(limit 1,000,000 bytes, limits.max_stream_bytes in {where}): a compression bomb "
                                 "or a huge drawing, not a paper's text",
        "inbox/drawing.pdf": f"too many drawing operators: page 1 has 20,005 (limit 5,000, limits.max_page_operators "
                             f"in {where}): a drawing or a bomb, not a paper's text",
        "inbox/slow.pdf": f"over its time budget: still parsing after 15 s (limit 15 s, limits.max_parse_seconds in "
                          f"{where}): the parsing process was ended",
        "inbox/log dump.txt": f"too long for one paper: more than 5,000 lines (limit 5,000, limits.max_lines in "
                              f"{where})",
    }
    for path, reason in expected.items():
        assert log.pop(path) == ("failed", reason), path
    status, reason = log.pop("inbox/bullet dump.md")
    assert status == "failed" and reason.startswith("list too long: 150 items under ")
    assert reason.endswith(f"(limit 100, limits.max_list_items in {where}): a dump of bullets, not a list of "
                           "priorities")
    assert log == {p: ("loaded", None) for p in ("inbox/utf16 paper.txt", "inbox/hyphen bullets.pdf",
                                                  "inbox/long passage.txt")}
    stored = {r[0]: r[1:] for r in log_rows(db)}
    assert all(stored[path] == ("failed", reason) for path, reason in expected.items())

    after = snapshot(db)
    added = {d[1] for d in after["documents"] - before["documents"]}
    assert added == {"inbox/utf16 paper.txt", "inbox/hyphen bullets.pdf", "inbox/long passage.txt"}
    assert before["documents"] <= after["documents"] and before["lists"] <= after["lists"]
    con = duckdb.connect(str(db), read_only=True)
    hyphen = con.execute("""SELECT l.role, l.stance, list(i.raw_label ORDER BY i.position) FROM lists l
                            JOIN list_items i USING (list_id) JOIN documents d USING (doc_id)
                            WHERE d.source_path = 'inbox/hyphen bullets.pdf' GROUP BY ALL ORDER BY 1""").fetchall()
    con.close()
    from extractors.pipeline import extract_document

    text_side = extract_document((AUDIT / "eastvale_csa_2017.txt").read_bytes(), "eastvale_csa_2017.txt")
    assert hyphen == sorted((lst.role, lst.stance, [i.raw_label for i in lst.items]) for lst in text_side.lists)
    assert len(hyphen) == 3
