"""Records read off the answers of a ModernGov committee system's web service (mgWebService.asmx).

Pure: XML bytes in, typed records out. Installs differ in wrapper and root element names, so
elements are found by their (lower-case, namespace-free) name at any depth. A malformed or
unexpected answer is a `ServiceAnswerError` with a reason, never a partial list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from lxml import etree


class ServiceAnswerError(ValueError):
    """The answer is not the XML the service gives (malformed, HTML, or without the elements asked for)."""


@dataclass(frozen=True)
class Committee:
    committee_id: str
    title: str
    deleted: bool = False
    expired: bool = False
    category: str | None = None


@dataclass(frozen=True)
class MeetingStub:
    meeting_id: str
    committee_id: str | None
    committee_title: str | None
    date: dt.date | None
    time: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class LinkedDocument:
    title: str
    url: str
    attachment_id: str | None
    restricted: bool
    agenda_item: str | None  # the agenda item's title it is linked from


@dataclass(frozen=True)
class Meeting:
    meeting_id: str
    committee_title: str | None
    date: dt.date | None
    documents: tuple[LinkedDocument, ...]
    agenda_published: bool | None = None
    minutes_published: bool | None = None


# A safe parser: no DTDs, no entities, no network, no huge trees.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True)


_ERRORS = ("error", "exception", "fault")


def parse_answer(data: bytes) -> etree._Element:
    """The answer's root element. HTML (a challenge or error page), malformed XML and an error the
    service reports are refused. An answer wrapped as text in one element (an .asmx `<string>`
    holding escaped XML) is unwrapped."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        data = data.lstrip(b" \t\r\n")  # whitespace before the XML declaration
    head = data[:512].lower()
    if not head:
        raise ServiceAnswerError("the answer is empty")
    if head.startswith(b"<!doctype html") or head.startswith(b"<html"):
        raise ServiceAnswerError("the answer is an HTML page, not the service's XML")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as err:
        raise ServiceAnswerError(f"malformed XML: {err.msg or err}") from None
    if root is None:
        raise ServiceAnswerError("the answer has no XML element")
    inner = (root.text or "").strip()
    if len(root) == 0 and inner.startswith("<"):
        return parse_answer(inner.encode("utf-8"))
    for e in root.iter():
        if _name(e) in _ERRORS:
            message = " ".join("".join(e.itertext()).split())[:200]
            raise ServiceAnswerError(f"the service answered with an error: {message or _name(e)}")
    return root


def _name(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname.lower()


def _all(root, name: str) -> list:
    return [e for e in root.iter() if _name(e) == name]


def _child_text(element, name: str) -> str | None:
    """The text of the first descendant called `name` (None if absent or blank)."""
    for e in element.iter():
        if e is not element and _name(e) == name:
            text = "".join(e.itertext()).strip()
            return text or None
    return None


def _flag(text: str | None) -> bool | None:
    if text is None:
        return None
    return text.strip().lower() in ("true", "1", "yes", "-1")


_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


def service_date(text: str | None) -> dt.date | None:
    """The service's dd/mm/yyyy (some installs: yyyy-mm-ddThh:mm:ss). None if unreadable."""
    if not text:
        return None
    for pattern, order in ((_DATE, (3, 2, 1)), (_ISO, (1, 2, 3))):
        m = pattern.match(text)
        if m:
            try:
                return dt.date(*(int(m.group(i)) for i in order))
            except ValueError:
                return None
    return None


def read_committees(data: bytes) -> list[Committee]:
    """GetCommittees: every `committee` element with an id and a title."""
    root = parse_answer(data)
    out = []
    for e in _all(root, "committee"):
        cid, title = _child_text(e, "committeeid"), _child_text(e, "committeetitle")
        if cid and title:
            out.append(Committee(cid, " ".join(title.split()), bool(_flag(_child_text(e, "committeedeleted"))),
                                 bool(_flag(_child_text(e, "committeeexpired"))), _child_text(e, "committeecategory")))
    if not out and not _all(root, "committees"):
        raise ServiceAnswerError("the answer lists no committees (no committee elements)")
    return out


def read_meetings(data: bytes) -> list[MeetingStub]:
    """GetMeetings: every `meeting` element with an id."""
    root = parse_answer(data)
    out = []
    for e in _all(root, "meeting"):
        mid = _child_text(e, "meetingid")
        if mid:
            out.append(MeetingStub(mid, _child_text(e, "committeeid"), _child_text(e, "committeetitle"),
                                   service_date(_child_text(e, "meetingdate")), _child_text(e, "meetingtime"),
                                   _child_text(e, "meetingstatus")))
    return out


def read_meeting(data: bytes) -> Meeting:
    """GetMeeting: the meeting and every document linked from its agenda items (and from the meeting itself)."""
    root = parse_answer(data)
    meetings = [root] if _name(root) == "meeting" else _all(root, "meeting")
    if not meetings:
        raise ServiceAnswerError("the answer has no meeting element")
    meeting = meetings[0]
    mid = _child_text(meeting, "meetingid")
    if not mid:
        raise ServiceAnswerError("the meeting element has no meetingid")
    docs: list[LinkedDocument] = []
    seen: set[str] = set()
    for item in _all(meeting, "agendaitem") or [meeting]:
        item_title = _child_text(item, "agendaitemtitle")
        for linked in _all(item, "linkeddoc"):
            doc = _linked(linked, item_title if item is not meeting else None)
            if doc and doc.url not in seen:
                seen.add(doc.url)
                docs.append(doc)
    for linked in _all(meeting, "linkeddoc"):  # documents linked from the meeting, outside any agenda item
        doc = _linked(linked, None)
        if doc and doc.url not in seen:
            seen.add(doc.url)
            docs.append(doc)
    return Meeting(mid, _child_text(meeting, "committeetitle"), service_date(_child_text(meeting, "meetingdate")),
                   tuple(docs), _flag(_child_text(meeting, "agendapublished")),
                   _flag(_child_text(meeting, "minutepublished")))


def _linked(element, agenda_item: str | None) -> LinkedDocument | None:
    url = _child_text(element, "url")
    if not url:
        return None
    title = _child_text(element, "title") or url.rsplit("/", 1)[-1]
    return LinkedDocument(" ".join(title.split()), url, _child_text(element, "attachmentid"),
                          bool(_flag(_child_text(element, "isrestricted"))),
                          " ".join(agenda_item.split()) if agenda_item else None)
