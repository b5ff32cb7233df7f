"""A ModernGov site for the tests, served by a real local HTTP server (pytest-httpserver).

The answers are written by hand from the service's public shape (issue 15's facts): GetCommittees
lists `committee` elements; GetMeetings lists `meeting` elements with `meetingdate` as dd/mm/yyyy
and, like some real installs, ignores the dates asked for; GetMeeting gives `agendaitem`s whose
`linkeddocuments` hold `linkeddoc` elements (title, url, attachmentid, isrestricted). Wrapper
element names differ between installs, so each site can choose its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from pytest_httpserver import URIPattern
from werkzeug import Request, Response

from extractors.readers import read_text
from tests.renditions import render_pdf


def pdf_of(text: str) -> bytes:
    """A paper printed as a PDF by the tests' own printer."""
    return render_pdf(read_text(text.encode("utf-8"), "paper.txt"))


@dataclass
class Doc:
    title: str
    path: str  # served at <site>/<path>, linked as written here (relative, or absolute http://...)
    body: bytes = b""
    restricted: bool = False
    attachment_id: str = ""
    etag: bool = True  # answer with an ETag (and honour If-None-Match)
    content_type: str = "application/pdf"
    fail_first: int = 0  # answer 500 to this many requests first
    hold: threading.Event | None = None  # stream the first half, then wait for this before the rest


@dataclass
class Meeting:
    meeting_id: str
    committee_id: str
    date: dt.date
    items: list[tuple[str, list[Doc]]]  # (agenda item title, its documents)
    broken_xml: bool = False


@dataclass
class Site:
    prefix: str  # "/eastmarch"
    committees: list[tuple[str, str, bool]]  # (id, title, deleted)
    meetings: list[Meeting] = field(default_factory=list)
    wrapper: str = "mgWebServiceResponse"
    committees_answer: tuple[int, str, str] | None = None  # (status, content type, body) instead of the list
    requests: list[tuple[str, str, dict]] = field(default_factory=list)  # (path, query, headers)
    served: dict[str, int] = field(default_factory=dict)  # document path (and query) -> times answered 200

    def url(self, server) -> str:
        return server.url_for(self.prefix)

    def documents(self) -> dict[str, Doc]:
        """Served documents by their path and query under the site ("mgConvert2PDF.aspx?ID=7101")."""
        return {d.path: d for m in self.meetings for _, docs in m.items for d in docs}

    def install(self, server) -> None:
        server.expect_request(_Under(self.prefix)).respond_with_handler(self.answer)

    # ------------------------------------------------------------------ answers

    def answer(self, request: Request) -> Response:
        path = request.path[len(self.prefix):].lstrip("/")
        self.requests.append((path, request.query_string.decode(), dict(request.headers)))
        call = path.split("/")[-1].lower() if path.lower().startswith("mgwebservice.asmx/") else None
        if call == "getcommittees":
            if self.committees_answer:
                status, ctype, body = self.committees_answer
                return Response(body, status=status, content_type=ctype)
            rows = "".join(
                f"<committee><committeeid>{cid}</committeeid><committeetitle>{escape(title)}</committeetitle>"
                f"<committeedeleted>{'True' if deleted else 'False'}</committeedeleted>"
                f"<committeeexpired>False</committeeexpired><committeecategory>Partnerships</committeecategory>"
                f"</committee>" for cid, title, deleted in self.committees)
            return self._xml(f"<committees>{rows}</committees>")
        if call == "getmeetings":
            cid = request.args.get("lCommitteeId")
            rows = "".join(
                f"<meeting><meetingid>{m.meeting_id}</meetingid><committeeid>{m.committee_id}</committeeid>"
                f"<committeetitle>{escape(self._title(m.committee_id))}</committeetitle>"
                f"<meetingdate>{m.date:%d/%m/%Y}</meetingdate><meetingtime>10:00</meetingtime>"
                f"<meetingstatus>Confirmed</meetingstatus></meeting>"
                for m in self.meetings if m.committee_id == cid)  # the dates asked for are ignored
            return self._xml(f"<meetings>{rows}</meetings>")
        if call == "getmeeting":
            mid = request.args.get("lMeetingId")
            meeting = next((m for m in self.meetings if m.meeting_id == mid), None)
            if meeting is None:
                return Response("no such meeting", status=404)
            if meeting.broken_xml:
                return Response(f"<{self.wrapper}><meeting><meetingid>{mid}</meetingid><agendaitems>",
                                content_type="text/xml")
            items = "".join(
                f"<agendaitem><agendaitemtitle>{escape(title)}</agendaitemtitle><linkeddocuments>"
                + "".join(
                    f"<linkeddoc><title>{escape(d.title)}</title><url>{escape(d.path)}</url>"
                    f"<attachmentid>{d.attachment_id}</attachmentid>"
                    f"<isrestricted>{'True' if d.restricted else 'False'}</isrestricted></linkeddoc>"
                    for d in docs)
                + "</linkeddocuments></agendaitem>" for title, docs in meeting.items)
            return self._xml(
                f"<meeting><meetingid>{mid}</meetingid><committeetitle>{escape(self._title(meeting.committee_id))}"
                f"</committeetitle><meetingdate>{meeting.date:%d/%m/%Y}</meetingdate>"
                f"<agendapublished>True</agendapublished><minutepublished>True</minutepublished>"
                f"<agendaitems>{items}</agendaitems></meeting>")
        query = request.query_string.decode()
        path = path + (f"?{query}" if query else "")
        doc = self.documents().get(path)
        if doc is None:
            return Response("not found", status=404)
        if doc.fail_first > 0:
            doc.fail_first -= 1
            return Response("busy", status=500)
        tag = '"' + hashlib.sha256(doc.body).hexdigest()[:16] + '"'
        if doc.etag and request.headers.get("If-None-Match") == tag:
            return Response(status=304, headers={"ETag": tag})
        self.served[path] = self.served.get(path, 0) + 1
        headers = {"ETag": tag} if doc.etag else {}
        if doc.hold is not None:
            half, hold, body = len(doc.body) // 2, doc.hold, doc.body

            def stream():
                yield body[:half]
                hold.wait(60)
                yield body[half:]

            return Response(stream(), content_type=doc.content_type, headers=headers, direct_passthrough=True)
        return Response(doc.body, content_type=doc.content_type, headers=headers)

    def _title(self, cid: str) -> str:
        return next(t for i, t, _ in self.committees if i == cid)

    def _xml(self, inner: str) -> Response:
        body = f'<?xml version="1.0" encoding="utf-8"?><{self.wrapper} xmlns="http://moderngov.example/ws">' \
               f"{inner}</{self.wrapper}>"
        return Response(body, content_type="text/xml; charset=utf-8")


class _Under(URIPattern):
    """A pytest-httpserver URI matcher: every path under a prefix."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def match(self, uri: str) -> bool:
        return uri.startswith(self.prefix + "/")
