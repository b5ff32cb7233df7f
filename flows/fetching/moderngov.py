"""Fetch one site's new committee papers through ModernGov's web service into the inbox.

committees (GetCommittees) -> the committee's meetings since a date (GetMeetings, filtered on
`meetingdate` here, since some installs ignore the dates asked for) -> each meeting's linked
documents (GetMeeting) -> every unrestricted document not already held, downloaded to a hidden
temporary file, checked (type, completeness) and renamed into the inbox, with a manifest row.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from extractors.moderngov import (
    Committee,
    LinkedDocument,
    MeetingStub,
    ServiceAnswerError,
    read_committees,
    read_meeting,
    read_meetings,
)
from flows.fetching.http import PoliteClient, Refused, SiteBlocked, sha256_of
from flows.fetching.manifest import (
    TEMP_DIR,
    Fetched,
    LogRow,
    append_fetch_log,
    now,
    read_fetch_manifest,
    write_fetch_manifest,
)
from flows.fetching.sources import Site


class InboxBusy(Exception):
    """Another fetch is writing this inbox."""


@dataclass
class SiteResult:
    site: str
    committees: list[str] = field(default_factory=list)  # "title (id)"
    meetings: int = 0
    downloaded: list[str] = field(default_factory=list)  # files new in the inbox
    updated: list[str] = field(default_factory=list)  # files replaced by a changed document
    not_modified: int = 0
    held: int = 0
    duplicates: int = 0
    restricted: int = 0
    skipped: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    failed_calls: list[tuple[str, str]] = field(default_factory=list)  # service calls that gave nothing usable
    blocked: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The site was read: no stop, no unknown committee, every service call answered."""
        return self.blocked is None and self.error is None and not self.failed_calls

    def line(self) -> str:
        """One line for the console and the flow's log."""
        head = f"{self.site}: "
        if self.error:
            return head + f"stopped: {self.error}"
        parts = [f"{len(self.downloaded)} new", f"{len(self.updated)} updated", f"{self.not_modified} not modified",
                 f"{self.held} held", f"{len(self.refused)} refused", f"{self.restricted} restricted (not requested)"]
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicates")
        if self.skipped:
            parts.append(f"{self.skipped} skipped (not a type we read)")
        if self.failed_calls:
            parts.append(f"{len(self.failed_calls)} service calls failed (see fetch-log.csv)")
        text = head + f"{self.meetings} meetings; " + ", ".join(parts)
        if self.blocked:
            text += f"; STOPPED: {self.blocked}"
        return text


Event = Callable[[LogRow], None]

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def file_name(date: dt.date | None, committee: str, title: str, suffix: str, max_bytes: int = 200) -> str:
    """'<date> <committee> - <title>.pdf', safe on every file system: no separators or control
    characters, at most `max_bytes` bytes in UTF-8 (file systems count bytes, not characters)."""
    stem = f"{date.isoformat() if date else 'undated'} {committee} - {title}"
    stem = " ".join(_UNSAFE.sub(" ", stem).split()).strip(" .")
    if stem.lower().endswith(suffix):
        stem = stem[: -len(suffix)].rstrip(" .")
    room = max_bytes - len(suffix.encode("utf-8"))
    while len(stem.encode("utf-8")) > room:
        stem = stem[:-1]
    return stem.rstrip(" .") + suffix


def document_url(site: str, url: str) -> str:
    """Absolute, and on the site's own scheme when it is the same host (links are often http:// on https sites)."""
    absolute = urljoin(site + "/", url.strip())
    parts, base = urlsplit(absolute), urlsplit(site)
    if parts.netloc.lower() == base.netloc.lower() and parts.scheme != base.scheme:
        parts = parts._replace(scheme=base.scheme)
    path = quote(parts.path, safe="/%:@!$&'()*+,;=~-._")
    return urlunsplit(parts._replace(path=path))


def document_type(doc: LinkedDocument, types: dict) -> str | None:
    """The document type (fetch.yaml `documents`) its URL promises: mgConvert2PDF and *.pdf are PDFs."""
    path = urlsplit(doc.url).path.lower()
    if "mgconvert2pdf" in path:
        return "pdf"
    for name, spec in types.items():
        if path.endswith(spec["suffix"]):
            return name
    if "." not in path.rsplit("/", 1)[-1] and doc.title.lower().endswith(".pdf"):
        return "pdf"
    return None


def resolve_committees(wanted: tuple[str, ...], known: list[Committee]) -> tuple[list[Committee], list[str]]:
    """The committees named (a title, any case and spacing: every live committee of that title; or an
    id the site lists); and what could not be found, with hints. With no list to check against
    (`known` empty), an id is taken on trust."""
    found: list[Committee] = []
    missing: list[str] = []
    for name in wanted:
        key = " ".join(name.split()).lower()
        if key.isdigit():
            match = [c for c in known if c.committee_id == key] or (
                [] if known else [Committee(key, f"committee {key}")])
        else:
            match = [c for c in known if c.title.lower() == key]
        live = [c for c in match if not c.deleted] or match[:1]
        if live:
            found.extend(c for c in live if c not in found)
            continue
        from rapidfuzz import fuzz, process

        what = f"no committee with id {key}" if key.isdigit() else f"no committee called {name!r}"
        hints = [] if key.isdigit() else process.extract(name, [c.title for c in known],
                                                          scorer=fuzz.token_sort_ratio, limit=3, score_cutoff=60)
        missing.append(what + (" (did you mean " + " or ".join(repr(h[0]) for h in hints) + "?)" if hints else ""))
    return found, missing


class _InboxLock:
    def __init__(self, inbox: Path):
        self.path = inbox / TEMP_DIR / "lock"

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "a")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            raise InboxBusy(f"another `csa fetch` is writing {self.path.parent.parent}") from None
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def clear_partial_downloads(inbox: Path) -> int:
    """Remove downloads a killed fetch left half-done. Returns how many."""
    temp = inbox / TEMP_DIR
    gone = 0
    if temp.is_dir():
        for part in temp.glob("*.part"):
            part.unlink(missing_ok=True)
            gone += 1
    return gone


def fetch_site(site: Site, inbox: Path, client: PoliteClient, today: dt.date | None = None,
               on_event: Event | None = None) -> SiteResult:
    """Fetch `site`'s new papers into `inbox`. Never raises for the site's own failings: they are in the result."""
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    with _InboxLock(inbox):
        return _Fetcher(site, inbox, client, today or dt.date.today(), on_event).run()


class _Fetcher:
    def __init__(self, site: Site, inbox: Path, client: PoliteClient, today: dt.date, on_event: Event | None):
        self.site, self.inbox, self.client, self.today, self.on_event = site, inbox, client, today, on_event
        self.result = SiteResult(site.url)
        self.log: list[LogRow] = []
        self.service = site.url + "/mgWebService.asmx"

    def note(self, url: str, outcome: str, reason: str = "", file: str = "") -> None:
        row = LogRow(now(), self.site.url, url, outcome, reason, file)
        self.log.append(row)
        if self.on_event:
            self.on_event(row)

    def run(self) -> SiteResult:
        left = clear_partial_downloads(self.inbox)
        if left:  # the inbox's, whichever site they came from
            self.log.append(LogRow(now(), "", "", "failed",
                                   f"removed {left} partial download(s) left by an interrupted fetch"))
        self.manifest = {r.source_url: r for r in read_fetch_manifest(self.inbox)}
        self.seen: set[str] = set()
        try:
            self._committees()
        except SiteBlocked as err:
            self.result.blocked = (f"{err}: the site refuses scripts or sits behind a bot shield; nothing more "
                                   "is asked of it this run (README: 'Fetching: when a site says no')")
            self.note("", "blocked", self.result.blocked)
        except (Refused, ServiceAnswerError) as err:
            self.result.error = str(err)
            self.note("", "failed", str(err))
        finally:
            append_fetch_log(self.inbox, self.log)
        return self.result

    def _service(self, call: str, **params) -> bytes:
        query = "&".join(f"{k}={quote(str(v), safe='/')}" for k, v in params.items())
        url = f"{self.service}/{call}" + (f"?{query}" if query else "")
        return self.client.get(url, self.client.polite.max_service_bytes).body

    def _committees(self) -> None:
        wanted = self.site.committees
        try:
            known = read_committees(self._service("GetCommittees", lDays=0))
        except (Refused, ServiceAnswerError) as err:
            if not all(w.isdigit() for w in wanted):
                raise ServiceAnswerError(f"GetCommittees: {err}") from None  # the one place it is named
            known = []  # ids alone still work; titles come from the meetings
        found, missing = resolve_committees(wanted, known)
        if missing and not found:
            raise ServiceAnswerError("; ".join(missing))
        for why in missing:
            self.result.failed_calls.append(("GetCommittees", why))
            self.note(f"{self.service}/GetCommittees", "failed", why)
        for committee in found:
            self.result.committees.append(f"{committee.title} ({committee.committee_id})")
            self._meetings(committee)

    def _meetings(self, committee: Committee) -> None:
        since = self.site.since or dt.date(1900, 1, 1)
        until = max(self.today, since) + dt.timedelta(days=366)
        try:
            stubs = read_meetings(self._service("GetMeetings", lCommitteeId=committee.committee_id,
                                                sFromDate=since.strftime("%d/%m/%Y"),
                                                sToDate=until.strftime("%d/%m/%Y")))
        except (Refused, ServiceAnswerError) as err:
            url = f"{self.service}/GetMeetings?lCommitteeId={committee.committee_id}"
            self.result.failed_calls.append((url, f"GetMeetings: {err}"))
            self.note(url, "failed", f"GetMeetings: {err}")
            return
        chosen = [m for m in stubs if m.date is not None and m.date >= since
                  and (m.committee_id in (None, committee.committee_id))]
        undated = [m for m in stubs if m.date is None]
        for m in undated:
            self.note(f"meeting {m.meeting_id}", "skipped", "the service gives no readable meeting date")
        for stub in sorted(chosen, key=lambda m: (m.date, m.meeting_id)):
            self.result.meetings += 1
            self._meeting(committee, stub)

    def _meeting(self, committee: Committee, stub: MeetingStub) -> None:
        url = f"{self.service}/GetMeeting?lMeetingId={stub.meeting_id}"
        try:
            meeting = read_meeting(self._service("GetMeeting", lMeetingId=stub.meeting_id))
        except (Refused, ServiceAnswerError) as err:
            self.result.failed_calls.append((url, f"GetMeeting: {err}"))
            self.note(url, "failed", f"GetMeeting: {err}")
            return
        title = committee.title if not committee.title.startswith("committee ") else (
            meeting.committee_title or stub.committee_title or committee.title)
        date = meeting.date or stub.date
        for doc in meeting.documents:
            self._document(committee, title, stub.meeting_id, date, doc)

    def _document(self, committee: Committee, committee_title: str, meeting_id: str, date: dt.date | None,
                  doc: LinkedDocument) -> None:
        url = document_url(self.site.url, doc.url)
        if url in self.seen:  # linked twice (relative and absolute, or from two items): once is enough
            return
        self.seen.add(url)
        if doc.restricted:
            self.result.restricted += 1
            self.note(url, "skipped", "restricted (exempt) document: not requested")
            return
        kind = document_type(doc, self.client.polite.documents)
        if kind is None:
            self.result.skipped += 1
            self.note(url, "skipped", f"{doc.title!r} is not a type the readers read "
                                      f"({', '.join(self.client.polite.documents)})")
            return
        held = self.manifest.get(url)
        if held and not (self.inbox / held.file).is_file():
            held = None  # deleted from the inbox (or a kill came before its rename): fetch it afresh
        if held and not (held.etag or held.last_modified):
            self.result.held += 1
            self.note(url, "held", "already fetched (the site gave no ETag or Last-Modified to ask again with)",
                      held.file)
            return
        temp = self.inbox / TEMP_DIR / (hashlib.sha256(url.encode()).hexdigest()[:24] + ".part")
        try:
            answer = self.client.get(url, self.client.polite.max_document_bytes,
                                     etag=held.etag if held else None,
                                     last_modified=held.last_modified if held else None, into=temp)
            if answer.status == 304:
                self.result.not_modified += 1
                self.note(url, "not_modified", "304: unchanged since it was fetched", held.file if held else "")
                return
            self._check(temp, answer.body, kind)
        except Refused as err:
            temp.unlink(missing_ok=True)
            self.result.refused.append((url, str(err)))
            self.note(url, "refused", str(err))
            return
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        self._keep(temp, url, answer, committee, committee_title, meeting_id, date, doc, kind, held)

    def _check(self, temp: Path, head: bytes, kind: str) -> None:
        spec = self.client.polite.documents[kind]
        magic = spec["magic"].encode()
        if magic not in head[:1024]:
            start = head[:200].lstrip().lower()
            what = "an HTML page" if start.startswith((b"<!doctype html", b"<html")) or b"<body" in start else (
                "empty" if not head else f"bytes starting {head[:8]!r}")
            raise Refused(f"not a {kind.upper()}: the answer is {what}")
        if kind == "pdf":
            size = temp.stat().st_size
            with open(temp, "rb") as fh:
                fh.seek(max(0, size - 2048))
                if b"%%EOF" not in fh.read():
                    raise Refused(f"the PDF is incomplete: no %%EOF in its last 2 KB ({size:,} bytes)")

    def _keep(self, temp: Path, url: str, answer, committee: Committee, committee_title: str, meeting_id: str,
              date: dt.date | None, doc: LinkedDocument, kind: str, held: Fetched | None) -> None:
        sha = sha256_of(temp)
        size = temp.stat().st_size
        if held and held.sha256 == sha:  # (`held` is only passed while its file is in the inbox)
            temp.unlink()
            self.manifest[url] = replace(held, etag=answer.etag or "", last_modified=answer.last_modified or "")
            write_fetch_manifest(self.inbox, list(self.manifest.values()))
            self.result.not_modified += 1
            self.note(url, "not_modified", "same bytes as the copy held", held.file)
            return
        twin = next((r for r in self.manifest.values() if r.sha256 == sha and (self.inbox / r.file).exists()), None)
        if twin is not None and twin.source_url != url:
            temp.unlink()
            name = twin.file
            self.result.duplicates += 1
            self.note(url, "duplicate", f"the same bytes as {twin.file} ({twin.source_url})", name)
        else:
            wanted = file_name(date, committee_title, doc.title, self.client.polite.documents[kind]["suffix"])
            taken = {r.file for u, r in self.manifest.items() if u != url}  # names other documents hold
            orphan = self.inbox / wanted
            if not held and wanted not in taken and orphan.is_file() and sha256_of(orphan) == sha:
                temp.unlink()  # a kill came between its rename and its manifest row: adopt it
                name = wanted
            else:
                name = held.file if held else self._free_name(wanted, doc.attachment_id, taken)
                try:
                    os.replace(temp, self.inbox / name)
                except OSError as err:
                    temp.unlink(missing_ok=True)
                    why = f"cannot write {name!r} into the inbox: {err.strerror or err}"
                    self.result.refused.append((url, why))
                    self.note(url, "refused", why)
                    return
            (self.result.updated if held else self.result.downloaded).append(name)
            self.note(url, "updated" if held else "downloaded", f"{size:,} bytes", name)
        self.manifest[url] = Fetched(
            file=name, source_url=url, site=self.site.url, committee=committee_title,
            committee_id=committee.committee_id, meeting_id=meeting_id, meeting_date=date.isoformat() if date else "",
            agenda_item=doc.agenda_item or "", title=doc.title, attachment_id=doc.attachment_id or "",
            fetched_at=now(), etag=answer.etag or "", last_modified=answer.last_modified or "", sha256=sha,
            bytes=size)
        write_fetch_manifest(self.inbox, list(self.manifest.values()))

    def _free_name(self, name: str, attachment_id: str | None, taken: set[str]) -> str:
        if name not in taken and not (self.inbox / name).exists():
            return name
        stem, _, suffix = name.rpartition(".")
        for n in [attachment_id] + [str(i) for i in range(2, 1000)]:
            if not n:
                continue
            candidate = f"{stem} ({n}).{suffix}"
            if candidate not in taken and not (self.inbox / candidate).exists():
                return candidate
        raise Refused(f"no free file name for {name}")
