"""`csa fetch` against a real local HTTP server answering in ModernGov's shape (tests/moderngov_site.py).

Nothing here leaves the loopback interface.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from extractors.moderngov import ServiceAnswerError, read_committees, read_meeting, read_meetings, service_date
from flows.fetching import Site, Sources, fetch_sites, load_sources, read_fetch_manifest
from flows.fetching.http import Polite, PoliteClient, Refused
from flows.fetching.moderngov import document_url, fetch_site, file_name
from tests.moderngov_site import Doc, Meeting
from tests.moderngov_site import Site as FakeSite
from tests.processes import wait_until

ROOT = Path(__file__).resolve().parents[1]
CSA = [sys.executable, "-m", "flows.cli"]
FAST = dict(delay_seconds=0, backoff_seconds=0.01, retries=2)

REPORT_2021 = """EASTMARCH BOROUGH COUNCIL

Report to: Eastmarch Community Safety Partnership
Date of meeting: 15 June 2021
Subject: Eastmarch Community Safety Partnership Plan 2021-24

1. Purpose

1.1 This report sets out the priorities of the Eastmarch Community Safety Partnership for 2021-24.

2. Priorities

2.1 The partnership's priorities for 2021-24 are:
- Anti-social behaviour
- Domestic abuse
- Serious violence
"""

# Minutes that print no date: the meeting's date comes from the committee system.
MINUTES_2022 = """EASTMARCH COMMUNITY SAFETY PARTNERSHIP

MINUTES

Present: the Chair, partners from the police, the fire service and the borough council.

1. Partnership Plan refresh

1.1 The partnership agreed its priorities for the coming year:
- Anti-social behaviour
- Domestic abuse
- Serious violence and exploitation
- Road safety
"""

OLD_2019 = REPORT_2021.replace("15 June 2021", "11 June 2019").replace("2021-24", "2019-21")


@pytest.fixture(scope="module")
def papers():
    from tests.moderngov_site import pdf_of

    return {"2021": pdf_of(REPORT_2021), "2022": pdf_of(MINUTES_2022), "2019": pdf_of(OLD_2019)}


def eastmarch(papers) -> FakeSite:
    """Three meetings: 2019 (before --since), 2021 and 2022; a restricted paper, a Word file, one
    document linked as http:// on the site, one without an ETag."""
    return FakeSite("/eastmarch", [("31", "Eastmarch Community Safety Partnership", False),
                                   ("32", "Licensing Committee", False),
                                   ("40", "Eastmarch Community Safety Partnership", True)], [
        Meeting("901", "31", dt.date(2019, 6, 11), [
            ("Partnership Plan", [Doc("Plan 2019-21", "docs/s901.pdf", papers["2019"], attachment_id="7001")])]),
        Meeting("1002", "31", dt.date(2021, 6, 15), [
            ("Partnership Plan 2021-24", [Doc("Partnership Plan report", "mgConvert2PDF.aspx?ID=7101", papers["2021"],
                                              attachment_id="7101"),
                                          Doc("Exempt appendix: named offenders", "mgConvert2PDF.aspx?ID=7102",
                                              b"%PDF-secret", restricted=True, attachment_id="7102")]),
            ("Any other business", [Doc("Action log", "documents/s7103/Action log.docx", b"PK\x03\x04",
                                        attachment_id="7103")])]),
        Meeting("1107", "31", dt.date(2022, 6, 14), [
            ("Minutes", [Doc("Printed minutes 14th-Jun-2022 10.00 Eastmarch Community Safety Partnership",
                             "documents/g1107/Printed minutes.pdf", papers["2022"], attachment_id="7201",
                             etag=False)])]),
    ])


def test_service_answers_are_read_whatever_their_wrappers_and_namespaces():
    meeting = read_meeting(b'<?xml version="1.0"?><soap:Envelope xmlns:soap="urn:s">'
                           b'<x:GetMeetingResult xmlns:x="urn:m">'
                           b"<x:meeting><x:meetingid>5</x:meetingid><x:meetingdate>03/02/2020</x:meetingdate>"
                           b"<x:agendaitem><x:agendaitemtitle>Plan</x:agendaitemtitle><x:linkeddocuments>"
                           b"<x:linkeddoc><x:title>Report</x:title><x:url>http://h/mgConvert2PDF.aspx?ID=1</x:url>"
                           b"<x:attachmentid>1</x:attachmentid><x:isrestricted>False</x:isrestricted></x:linkeddoc>"
                           b"<x:linkeddoc><x:title>Exempt</x:title><x:url>mgConvert2PDF.aspx?ID=2</x:url>"
                           b"<x:isrestricted>True</x:isrestricted></x:linkeddoc>"
                           b"</x:linkeddocuments></x:agendaitem></x:meeting></x:GetMeetingResult></soap:Envelope>")
    assert meeting.meeting_id == "5" and meeting.date == dt.date(2020, 2, 3)
    assert [(d.title, d.restricted, d.agenda_item) for d in meeting.documents] == [
        ("Report", False, "Plan"), ("Exempt", True, "Plan")]
    assert read_committees(b"<a><committees><committee><committeeid>3</committeeid><committeetitle> Safer  Town "
                           b"</committeetitle><committeedeleted>True</committeedeleted></committee></committees></a>"
                           )[0].title == "Safer Town"
    assert read_meetings(b"<r><meeting><meetingid>9</meetingid><meetingdate>2021-07-08T00:00:00</meetingdate>"
                         b"</meeting></r>")[0].date == dt.date(2021, 7, 8)
    assert service_date("31/02/2020") is None
    # an .asmx <string> holding the answer as escaped text; whitespace before the declaration
    wrapped = (b'<string xmlns="http://tempuri.org/">&lt;getmeetings&gt;&lt;meeting&gt;&lt;meetingid&gt;4&lt;/meetingid'
               b"&gt;&lt;meetingdate&gt;01/02/2021&lt;/meetingdate&gt;&lt;/meeting&gt;&lt;/getmeetings&gt;</string>")
    assert [m.meeting_id for m in read_meetings(wrapped)] == ["4"]
    assert read_meetings(b'\n  <?xml version="1.0"?><r><meetings/></r>') == []
    with pytest.raises(ServiceAnswerError, match="answered with an error: Invalid committee id"):
        read_meetings(b'<?xml version="1.0"?><error><message>Invalid committee id</message></error>')
    for bad, why in ((b"<meeting><meetingid>1</meetingid>", "malformed XML"),
                     (b"<!DOCTYPE html><html><body>Just a moment...</body></html>", "HTML page"),
                     (b"", "empty"), (b"<r/>", "no meeting element")):
        with pytest.raises(ServiceAnswerError, match=why):
            read_meeting(bad)
    # no entity expansion, no network: an XXE answer keeps its reference as text, never the file
    xxe = read_meeting(b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                       b"<meeting><meetingid>7&x;</meetingid></meeting>")
    assert xxe.meeting_id == "7&x;"


def test_file_names_and_urls():
    assert file_name(dt.date(2022, 6, 14), "Safer Town Partnership", 'Minutes: 14/06/2022 "draft"', ".pdf") == \
        "2022-06-14 Safer Town Partnership - Minutes 14 06 2022 draft.pdf"
    assert len(file_name(None, "C" * 300, "T", ".pdf")) == 200
    long = file_name(dt.date(2024, 1, 1), "社区安全伙伴关系", "优先事项年度报告" * 30, ".pdf")
    assert len(long.encode("utf-8")) <= 200 and long.endswith(".pdf")  # file systems count bytes
    assert document_url("https://democracy.example.gov.uk", "http://democracy.example.gov.uk/documents/s1/A b.pdf") \
        == "https://democracy.example.gov.uk/documents/s1/A%20b.pdf"
    assert document_url("https://d.example.gov.uk/mg", "mgConvert2PDF.aspx?ID=5") == \
        "https://d.example.gov.uk/mg/mgConvert2PDF.aspx?ID=5"
    assert document_url("https://d.example.gov.uk", "http://cdn.other.example/x.pdf").startswith("http://cdn")


def test_sources_file_is_checked(tmp_path):
    good = tmp_path / "sources.yaml"
    good.write_text("contact: mailto:research@example.org\nsince: 2020-01-01\nsites:\n"
                    "  - site: https://democracy.example.gov.uk/mgWebService.asmx\n"
                    "    committees: [Safer Town Partnership, 412]\n"
                    "    polite: {delay_seconds: 5}\n")
    sources = load_sources(good)
    assert sources.sites[0].url == "https://democracy.example.gov.uk"
    assert sources.sites[0].committees == ("Safer Town Partnership", "412")
    assert sources.sites[0].since == dt.date(2020, 1, 1) and sources.sites[0].polite == {"delay_seconds": 5}
    for text, why in (("sites: []", "needs a `sites:` list"), ("sites:\n  - site: ftp://x\n    committees: [a]",
                                                             "not a web address"),
                      ("sites:\n  - site: https://x\n", "lists no committee"),
                      ("since: last year\nsites:\n  - site: https://x\n    committees: [a]", "not a date"),
                      ("sites: [", "not valid YAML")):
        (tmp_path / "bad.yaml").write_text(text)
        with pytest.raises(ValueError, match=why):
            load_sources(tmp_path / "bad.yaml")


def test_requests_to_one_host_are_one_at_a_time_and_spaced(httpserver, papers, tmp_path):
    site = eastmarch(papers)
    site.install(httpserver)
    slept: list[float] = []
    polite = Polite.load(contact="mailto:research@example.org", delay_seconds=1.5)
    with PoliteClient(polite, sleep=slept.append, clock=lambda: 100.0) as client:
        result = fetch_site(Site(site.url(httpserver), ("31",), dt.date(2020, 1, 1)), tmp_path, client)
    assert result.ok and len(result.downloaded) == 2
    assert client.requests == len(site.requests) == 6  # committees, meetings, 2 meetings, 2 papers
    assert slept == [1.5] * (client.requests - 1)  # the clock stands still: every request after the first waits
    agent = site.requests[0][2]["User-Agent"]
    assert agent.startswith("csa-timeline/") and "mailto:research@example.org" in agent


def test_fetch_then_nothing_new_then_ingest_with_source_urls_and_meeting_dates(httpserver, papers, tmp_path):
    site = eastmarch(papers)
    site.install(httpserver)
    inbox = tmp_path / "inbox"
    base = site.url(httpserver)
    cli = [*CSA, "fetch", "--site", base, "--committee", "eastmarch  community safety partnership",
           "--since", "2020-01-01", "--inbox", str(inbox), "--delay", "0"]
    env = {**os.environ, "CSA_CACHE_DIR": "off"}
    first = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "2 new, 0 updated, 0 not modified, 0 held, 0 refused, 1 restricted (not requested)" in first.stdout
    names = sorted(p.name for p in inbox.iterdir() if p.suffix == ".pdf")
    assert names == [
        "2021-06-15 Eastmarch Community Safety Partnership - Partnership Plan report.pdf",
        "2022-06-14 Eastmarch Community Safety Partnership - Printed minutes 14th-Jun-2022 10.00 Eastmarch "
        "Community Safety Partnership.pdf"]
    requested = [path for path, _, _ in site.requests]
    assert "docs/s901.pdf" not in requested  # the 2019 meeting is before --since, though the service listed it
    assert "mgConvert2PDF.aspx" in requested and requested.count("mgConvert2PDF.aspx") == 1  # not the exempt one
    assert not any(p.endswith(".docx") for p in requested)
    assert not any("ID=7102" in query for _, query, _ in site.requests)
    manifest = {r.file: r for r in read_fetch_manifest(inbox)}
    minutes = manifest[names[1]]
    assert minutes.source_url == f"{base}/documents/g1107/Printed%20minutes.pdf"
    assert (minutes.meeting_id, minutes.meeting_date, minutes.committee, minutes.agenda_item) == (
        "1107", "2022-06-14", "Eastmarch Community Safety Partnership", "Minutes")
    assert manifest[names[0]].etag and not minutes.etag
    log = (inbox / "fetch-log.csv").read_text()
    assert "restricted (exempt) document: not requested" in log and "is not a type the readers read" in log

    before = len(site.requests)
    second = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "0 new, 0 updated, 1 not modified, 1 held" in second.stdout
    # nothing sent twice
    assert site.served == {"mgConvert2PDF.aspx?ID=7101": 1, "documents/g1107/Printed minutes.pdf": 1}
    again = [r for r in site.requests[before:] if not r[0].lower().startswith("mgwebservice")]
    assert [(p, h.get("If-None-Match")) for p, _, h in again] == [("mgConvert2PDF.aspx", manifest[names[0]].etag)]

    db = tmp_path / "w.duckdb"
    ingest = subprocess.run([*CSA, "ingest", "--inbox", str(inbox), "--db", str(db), "--cache-dir", "off"],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert ingest.returncode == 0, ingest.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("""
            SELECT d.source_url, d.meeting_date, d.meeting_date_source, s.origin, s.meeting_id, s.committee
            FROM documents d JOIN document_sources s USING (doc_id) ORDER BY d.meeting_date""").fetchall()
        assert rows == [
            (f"{base}/mgConvert2PDF.aspx?ID=7101", dt.date(2021, 6, 15), "printed", "fetch", "1002",
             "Eastmarch Community Safety Partnership"),
            (f"{base}/documents/g1107/Printed%20minutes.pdf", dt.date(2022, 6, 14), "committee_system", "fetch",
             "1107", "Eastmarch Community Safety Partnership")]
        # the committee system's date places the minutes' list in time: a change is seen on that day
        changes = con.execute("SELECT change_type, after_labels FROM priority_changes WHERE basis = 'observed' "
                              "AND effective_date = DATE '2022-06-14' ORDER BY ALL").fetchall()
        assert ("added", ["Road safety"]) in changes, changes
        assert con.execute("SELECT count(*) FROM ingest_log WHERE source_path LIKE '%fetch-%'").fetchone()[0] == 0


def test_retries_refusals_and_a_blocked_site_that_stops_alone(httpserver, papers, tmp_path):
    good = eastmarch(papers)
    good.meetings[1].items[0][1][0].fail_first = 1  # 500, then 200
    good.meetings[2].items[0][1].append(Doc("Not found page", "documents/s9/notfound.pdf",
                                            b"<!DOCTYPE html><html><body>Document not found</body></html>",
                                            content_type="text/html"))
    limit = max(map(len, papers.values())) + 1000
    good.meetings[2].items[0][1].append(Doc("Huge appendix", "documents/s9/huge.pdf",
                                            b"%PDF-1.4\n" + b"0" * limit))
    good.meetings.append(Meeting("1200", "31", dt.date(2023, 1, 10), [], broken_xml=True))
    blocked = FakeSite("/shielded", [], committees_answer=(403, "text/html", "<html>Forbidden</html>"))
    challenge = FakeSite("/challenge", [], committees_answer=(
        200, "text/html", "<!DOCTYPE html><html><title>Just a moment...</title><body>Checking your browser"))
    for s in (blocked, good, challenge):
        s.install(httpserver)
    sources = Sources(tuple(Site(s.url(httpserver), ("Eastmarch Community Safety Partnership",), dt.date(2020, 1, 1))
                            for s in (blocked, good, challenge)))
    results = fetch_sites(sources, tmp_path, dict(FAST, max_document_bytes=limit))
    r_blocked, r_good, r_challenge = results
    assert r_blocked.blocked and "403 FORBIDDEN" in r_blocked.blocked.upper() and "bot shield" in r_blocked.blocked
    assert len(blocked.requests) == 1  # no retry storm
    assert r_challenge.blocked and "challenge page" in r_challenge.blocked and len(challenge.requests) == 1
    assert len(r_good.downloaded) == 2 and good.served["mgConvert2PDF.aspx?ID=7101"] == 1
    assert [p for p, _, _ in good.requests].count("mgConvert2PDF.aspx") == 2  # the 500 was retried once
    # the meeting the service could not describe makes the site's run incomplete (exit 1), the rest goes on
    assert not r_good.ok and [(u.rsplit("=", 1)[-1], why.split(":")[0]) for u, why in r_good.failed_calls] == [
        ("1200", "GetMeeting")] and "malformed XML" in r_good.failed_calls[0][1]
    reasons = dict(r_good.refused)
    assert "not a PDF: the answer is an HTML page" in reasons[f"{good.url(httpserver)}/documents/s9/notfound.pdf"]
    assert f"over the limit of {limit:,}" in reasons[f"{good.url(httpserver)}/documents/s9/huge.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".") and p.suffix == ".pdf") == sorted(
        r_good.downloaded)
    assert not list((tmp_path / ".fetching").glob("*.part"))
    log = (tmp_path / "fetch-log.csv").read_text()
    assert log.count(",blocked,") == 2 and log.count(",refused,") == 2 and log.count(",failed,") == 1


class _RawServer:
    """Answers that a well-behaved server library will not send: a body cut short of its
    Content-Length, and a chunked body whose connection drops."""

    def __init__(self, pdf: bytes):
        self.pdf = pdf
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                request = conn.recv(65536).decode("latin-1")
                path = request.split(" ", 2)[1] if " " in request else "/"
                if path.startswith("/truncated"):
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: %d\r\n"
                                 b"Connection: close\r\n\r\n" % len(self.pdf) + self.pdf[: len(self.pdf) // 3])
                elif path.startswith("/dropped"):
                    chunk = self.pdf[:500]
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nTransfer-Encoding: chunked\r\n"
                                 b"\r\n%x\r\n" % len(chunk) + chunk + b"\r\n")
                conn.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.sock.close()


def test_truncated_bodies_and_dropped_connections_are_refused_with_a_reason(httpserver, papers, tmp_path):
    raw = _RawServer(papers["2021"])
    try:
        site = FakeSite("/raw", [("31", "Eastmarch Community Safety Partnership", False)], [
            Meeting("1", "31", dt.date(2021, 6, 15), [("Plan", [
                Doc("Cut short", f"http://127.0.0.1:{raw.port}/truncated/a.pdf"),
                Doc("Dropped", f"http://127.0.0.1:{raw.port}/dropped/b.pdf")])])])
        site.install(httpserver)
        result = fetch_sites(Sources((Site(site.url(httpserver), ("31",)),)), tmp_path, FAST)[0]
    finally:
        raw.close()
    reasons = dict(result.refused)
    assert reasons[f"http://127.0.0.1:{raw.port}/truncated/a.pdf"].startswith("truncated:")
    assert "connection dropped after 500 bytes" in reasons[f"http://127.0.0.1:{raw.port}/dropped/b.pdf"]
    assert result.ok and not result.downloaded
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".pdf"]
    assert not list((tmp_path / ".fetching").glob("*.part"))


def test_a_killed_fetch_leaves_no_partial_file(httpserver, papers, tmp_path):
    release = threading.Event()
    site = FakeSite("/slow", [("31", "Eastmarch Community Safety Partnership", False)], [
        Meeting("1", "31", dt.date(2021, 6, 15), [("Plan", [Doc("Plan", "docs/plan.pdf", papers["2021"],
                                                                 hold=release)])])])
    site.install(httpserver)
    inbox = tmp_path / "inbox"
    proc = subprocess.Popen([*CSA, "fetch", "--site", site.url(httpserver), "--committee", "31", "--inbox",
                             str(inbox), "--delay", "0"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        part = wait_until(lambda: list((inbox / ".fetching").glob("*.part")), 120, "the download to start")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
    assert part and part[0].exists()  # the half-written download is hidden, under .fetching/
    assert [p.name for p in inbox.iterdir() if not p.name.startswith(".")] == []  # no paper, no manifest row
    result = fetch_sites(Sources((Site(site.url(httpserver), ("31",)),)), inbox, FAST)[0]
    assert result.downloaded == ["2021-06-15 Eastmarch Community Safety Partnership - Plan.pdf"]
    assert (inbox / result.downloaded[0]).read_bytes() == papers["2021"]
    assert not list((inbox / ".fetching").glob("*.part"))
    assert "removed 1 partial download(s)" in (inbox / "fetch-log.csv").read_text()


def test_cli_errors_are_one_line(tmp_path):
    for args, why in ((["--site", "https://x.example"], "needs at least one --committee"),
                      (["--committee", "A"], "--committee needs --site"),
                      (["--sources", str(tmp_path / "none.yaml")], "no sources"),
                      (["--site", "x.example", "--committee", "A"], "not a web address"),
                      (["--site", "https://x.example", "--committee", "A", "--since", "2020-13-01"], "not a date")):
        done = subprocess.run([*CSA, "fetch", *args, "--inbox", str(tmp_path)], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)
        assert done.returncode == 2 and why in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)


def test_the_scheduled_flow_fetches_each_site_as_its_own_task_then_ingests(httpserver, papers, tmp_path):
    from flows.build import fetch_and_ingest

    good = eastmarch(papers)
    blocked = FakeSite("/shielded", [], committees_answer=(403, "text/html", "<html>Forbidden</html>"))
    for s in (blocked, good):
        s.install(httpserver)
    sources = tmp_path / "sources.yaml"
    entries = "".join(f"  - site: {s.url(httpserver)}\n    committees: [Eastmarch Community Safety Partnership]\n"
                      for s in (blocked, good))
    sources.write_text("since: 2020-01-01\nsites:\n" + entries)
    inbox, db = tmp_path / "inbox", tmp_path / "w.duckdb"
    results, summary = fetch_and_ingest(str(sources), paths=[str(inbox)], db_path=str(db), cache_dir="off",
                                        polite=FAST)
    assert [bool(r.blocked) for r in results] == [True, False]
    assert len(results[1].downloaded) == 2 and len(summary.with_status("loaded")) == 2
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM document_sources WHERE origin = 'fetch'").fetchone()[0] == 2


def test_the_served_fetch_deployment_carries_its_sources():
    from prefect.schedules import Cron

    from flows.build import fetch_and_ingest

    deployment = fetch_and_ingest.to_deployment(name="csa-weekly", schedule=Cron("0 7 * * 1"),
                                                parameters={"sources_path": "/srv/sources.yaml"})
    assert deployment.parameters == {"sources_path": "/srv/sources.yaml"}
    assert {"sources_path", "paths", "db_path", "polite"} <= set(deployment._parameter_openapi_schema.properties)


def test_what_a_probe_of_real_site_behaviour_found(httpserver, papers, tmp_path):
    """An unknown committee id, a service that never answers, a challenge sent with 503, a redirect
    loop, a committee title listed twice, a long non-Latin title, a kill between a paper's rename
    and its manifest row, and a paper deleted from the inbox."""
    from werkzeug import Response

    # committee ids the site does not list, and GetMeetings failing for good: the site is not "ok"
    site = eastmarch(papers)
    site.install(httpserver)
    url = site.url(httpserver)
    (unknown,) = fetch_sites(Sources((Site(url, ("99999",)),)), tmp_path / "a", FAST)
    assert not unknown.ok and unknown.error == "no committee with id 99999" and unknown.meetings == 0
    down = FakeSite("/down", [("31", "Eastmarch Community Safety Partnership", False)])
    httpserver.expect_request("/down/mgWebService.asmx/GetMeetings").respond_with_response(Response("x", 500))
    down.install(httpserver)  # after: the first handler that matches answers
    (result,) = fetch_sites(Sources((Site(down.url(httpserver), ("31",)),)), tmp_path / "b", FAST)
    assert not result.ok and "GetMeetings: 500" in result.failed_calls[0][1]
    assert "1 service calls failed" in result.line()

    # a Cloudflare-style challenge with status 503 stops the site at once: no retries
    shield = FakeSite("/cf", [], committees_answer=(503, "text/html", "<html><title>Just a moment...</title>"
                                                    "<script src='/cdn-cgi/challenge-platform/x.js'></script>"))
    shield.install(httpserver)
    (cf,) = fetch_sites(Sources((Site(shield.url(httpserver), ("31",)),)), tmp_path / "c", FAST)
    assert cf.blocked and "status 503" in cf.blocked and len(shield.requests) == 1

    # redirects go through the host's gate like any request, and a loop ends
    httpserver.expect_request("/loop.pdf").respond_with_response(Response("", 302, {"Location": "/loop.pdf"}))
    slept: list[float] = []
    polite = Polite.load(delay_seconds=1.0, max_redirects=5)
    with PoliteClient(polite, sleep=slept.append, clock=lambda: 0.0) as client, \
            pytest.raises(Refused, match="more than 5 redirects"):
        client.fetch(httpserver.url_for("/loop.pdf"), 1000)
    # every hop after the first waited its turn (the first too, when this host was just asked by another client)
    assert client.requests == 6 and set(slept) == {1.0} and len(slept) >= 5

    # a committee listed twice under one title (and once deleted): both live ones are read
    twice = eastmarch(papers)
    twice.prefix = "/twice"
    twice.committees.append(("33", "EASTMARCH  community safety partnership", False))
    twice.meetings.append(Meeting("1300", "33", dt.date(2023, 3, 1), [("Plan", [
        Doc("社区安全伙伴关系优先事项年度报告" * 8, "documents/s13/long.pdf", papers["2021"] + b"\n")])]))
    twice.install(httpserver)
    inbox = tmp_path / "d"
    (both,) = fetch_sites(Sources((Site(twice.url(httpserver), ("Eastmarch Community Safety Partnership",),
                                        dt.date(2020, 1, 1)),)), inbox, FAST)
    assert both.ok and both.committees == ["Eastmarch Community Safety Partnership (31)",
                                           "EASTMARCH community safety partnership (33)"]
    assert len(both.downloaded) == 3 and all(len(n.encode()) <= 200 for n in both.downloaded)

    # a kill after a paper's rename but before its manifest row: the next run adopts the file
    rows = read_fetch_manifest(inbox)
    lost = next(r for r in rows if r.meeting_id == "1107")
    from flows.fetching.manifest import write_fetch_manifest

    write_fetch_manifest(inbox, [r for r in rows if r is not lost])
    # and a paper deleted from the inbox is fetched afresh (its ETag would have said "not modified")
    gone = next(r for r in rows if r.meeting_id == "1002")
    (inbox / gone.file).unlink()
    (again,) = fetch_sites(Sources((Site(twice.url(httpserver), ("Eastmarch Community Safety Partnership",),
                                         dt.date(2020, 1, 1)),)), inbox, FAST)
    assert again.downloaded == [gone.file, lost.file]
    assert sorted(p.name for p in inbox.glob("*.pdf")) == sorted(r.file for r in rows)  # no "(7201)" twin
    assert {r.file for r in read_fetch_manifest(inbox)} == {r.file for r in rows}
