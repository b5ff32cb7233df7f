"""Document metadata (title, kind, meeting date, status, version) and dated mentions with roles.

Rules live in rules/metadata.yaml and rules/date_patterns.jsonl. Running
headers and footers are read for the version label and draft status only:
a footer naming another year ("Kent Community Safety Agreement (April 2017)"
inside a 2022 draft) never becomes the document's date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from extractors.blocks import join_lines_with_offsets, line_at_offset, line_index_at_offset
from extractors.dates import find_dates
from extractors.model import Document, Line
from extractors.rulebook import load_yaml

ROLES = ("meeting", "effective", "approved", "published", "period_start", "period_end", "other")
_WEEKDAY_OR_TIME = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\b(?:at|to)\b|\d{1,2}[.:]\d\d\s*(?:am|pm)?|[\s,.*()–-]",
    re.I,
)


@dataclass(frozen=True)
class DocumentDate:
    date: dt.date
    role: str
    text: str
    page: int
    line: int


@dataclass(frozen=True)
class DocumentMetadata:
    title: str | None
    doc_kind: str
    meeting_date: dt.date | None
    status: str | None
    version_label: str | None
    effective_from: dt.date | None
    body: str | None = None  # the area whose partnership/agreement the paper is about, e.g. 'Kent'
    committee: str | None = None  # the committee or meeting the header names ('Cabinet')
    # None: the meeting date (if any) is printed in the paper; 'committee_system': the paper prints
    # none and the date is the meeting's in the committee system it was fetched from.
    meeting_date_source: str | None = None


@dataclass(frozen=True)
class _Unit:
    """A stretch of text dates are read from: a block, or one table row."""

    text: str
    lines: tuple[Line, ...]
    offsets: tuple[int, ...]
    content_index: int  # position of the unit's first line among content lines
    furniture: bool = False

    def line_at(self, char: int) -> Line:
        return line_at_offset(self.lines, self.offsets, char)


@cache
def _rules() -> dict:
    return load_yaml("metadata.yaml")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)  # cached here: re's own cache costs a flag check per call


def _units(doc: Document) -> Iterator[_Unit]:
    content_numbers = {
        (ln.page, ln.number): i for i, ln in enumerate(ln for ln in doc.lines if not ln.blank and not ln.furniture)
    }
    for block in doc.blocks:
        if block.kind == "table":
            for row in block.rows:
                line = next(ln for ln in block.lines if ln.number == row.line and ln.page == row.page)
                text = " ".join(c for c in row.cells if c)
                yield _Unit(text, (line,), (0,), content_numbers.get((row.page, row.line), 10**9))
        else:
            text, offsets = join_lines_with_offsets([ln.text for ln in block.lines])
            first = block.lines[0]
            yield _Unit(text, block.lines, tuple(offsets), content_numbers.get((first.page, first.number), 10**9))
    for line in doc.furniture:
        yield _Unit(line.text, (line,), (0,), 10**9, furniture=True)


def _header_texts(doc: Document) -> list[str]:
    limit = int(_rules()["header_lines"])
    return [u.text for u in _units(doc) if u.content_index < limit and not u.furniture]


def _role_for(unit: _Unit, char_start: int, char_end: int) -> str:
    rules = _rules()
    if unit.furniture:
        return "other"
    before = unit.text[max(0, char_start - 120):char_start]
    for role, patterns in rules["date_roles"].items():
        if any(_compiled(p).search(before) for p in patterns or ()):
            return role
    line_text = unit.line_at(char_start).text
    if _compiled(rules["header_meeting_line"]).match(line_text) and not line_text.lower().startswith(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    ):
        return "meeting"
    if unit.content_index < int(rules["meeting_date_line_max"]) and len(unit.text) - (char_end - char_start) < 80 \
            and re.match(r"\d", unit.text[char_start:char_end]) is not None:  # a full date, not 'March 2024'
        rest = unit.text[:char_start] + unit.text[char_end:]
        if not _WEEKDAY_OR_TIME.sub("", rest):
            return "meeting"  # a bare date line at the top of an agenda
    return "other"


def _names_agreement(before: str, agreement: re.Pattern[str], other: re.Pattern[str]) -> bool:
    """The nearest document named before a range is the agreement (not a plan or strategy)."""
    last_agreement = max((m.end() for m in agreement.finditer(before)), default=-1)
    last_other = max((m.end() for m in other.finditer(before)), default=-1)
    return last_agreement > last_other


def extract_document_dates(doc: Document) -> list[DocumentDate]:
    """Every date printed in the document, with the role its wording gives it."""
    period_context = _compiled(_rules()["agreement_period_context"])
    agreement_mention = _compiled(_rules()["agreement_mention"])
    other_document = _compiled(_rules()["other_document_mention"])
    out: list[DocumentDate] = []
    for unit in _units(doc):
        for span in find_dates(unit.text):
            index = line_index_at_offset(unit.offsets, span.char_start)
            line = unit.lines[index]
            quote = _quote(line.text, span.text, span.char_start - max(unit.offsets[index], 0))
            before = unit.text[max(0, span.char_start - _CONTEXT):span.char_start]
            if span.label == "RANGE" and not unit.furniture:
                short = len(unit.text) < 4 * len(span.text) + 20
                alone = short and not unit.text.replace(span.text, "").strip(" .,;:()")
                if not (alone or _names_agreement(before, agreement_mention, other_document)):
                    out.append(DocumentDate(span.start, "other", quote, line.page, line.number))
                    continue
            if span.label in ("RANGE", "FISCAL"):
                stated = not unit.furniture and period_context.search(before)
                if span.label == "FISCAL" and not stated:
                    continue  # '2019/20' alone is a financial year mentioned, not a stated period
                out.append(DocumentDate(span.start, "period_start", quote, line.page, line.number))
                out.append(DocumentDate(span.end, "period_end", quote, line.page, line.number))  # type: ignore[arg-type]
                continue
            role = _role_for(unit, span.char_start, span.char_end)
            out.append(DocumentDate(span.start, role, quote, line.page, line.number))
    return out


# How far back a date's wording is read ("agreement for the period ..."); a paragraph's worth, so a
# passage of a million characters costs the same per date as a short one.
_CONTEXT = 2000
_QUOTE_MAX, _QUOTE_SIDE = 1000, 200


def _quote(line_text: str, date_text: str, near: int) -> str:
    """The printed line a date was found on; for an overlong line (a whole web paragraph, a dump),
    the stretch around the date (found at or after `near - 50`), so the evidence stays readable and a
    record never carries megabytes."""
    if len(line_text) <= _QUOTE_MAX:
        return line_text
    at = line_text.find(date_text, max(0, near - 50))
    at = at if at >= 0 else max(line_text.find(date_text), 0)
    start, end = max(0, at - _QUOTE_SIDE), min(len(line_text), at + len(date_text) + _QUOTE_SIDE)
    return ("…" if start else "") + line_text[start:end] + ("…" if end < len(line_text) else "")


def _doc_kind(doc: Document, header: list[str]) -> str:
    rules = _rules()
    furniture = [ln.text for ln in doc.furniture]
    headings = [b.text for b in doc.blocks[:60] if b.kind == "heading"]
    first = doc.blocks[: int(rules["title_blocks"])]
    titles = furniture + [b.text for b in first if b.kind == "heading"] + [
        b.lines[0].text for b in [b for b in first if b.kind == "paragraph"][: int(rules["title_paragraphs"])]
        if len(b.lines[0].text.split()) <= int(rules["title_paragraph_max_words"])]
    everywhere: list[str] | None = None

    def anywhere() -> list[str]:
        nonlocal everywhere
        if everywhere is None:
            everywhere = [ln.text for ln in doc.lines if ln.text and not ln.furniture]
        return everywhere

    def some(patterns, texts) -> bool:
        return any(_compiled(p).search(t) for p in patterns for t in texts)

    texts = header + furniture
    for rule in rules["kinds"]:
        if not all(some([p], texts) for p in rule.get("all", ())):
            continue
        if rule.get("any") and not some(rule["any"], texts):
            continue
        if rule.get("any_heading") and not some(rule["any_heading"], headings):
            continue
        if rule.get("any_title") and not any(
            some(rule["any_title"], [title]) and not some(rule.get("none_title", ()), [title]) for title in titles
        ):
            continue
        if rule.get("anywhere") and not some(rule["anywhere"], anywhere()):
            continue
        if rule.get("none_anywhere") and some(rule["none_anywhere"], anywhere()):
            continue
        return rule["kind"]
    return rules["default_kind"]


_WEEKDAYS = "(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"


@cache
def _meeting_rules() -> tuple[list[re.Pattern[str]], re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern]:
    rules = _rules()
    headers = [_compiled(p.replace("WEEKDAY", _WEEKDAYS)) for p in rules["meeting_headers"]]
    return (headers, _compiled(rules["meeting_date_alone"].replace("WEEKDAY", _WEEKDAYS)),
            _compiled(rules["committee_fields"]), _compiled(rules["date_fields"]), _compiled(rules["not_committee"]))


def _first_date(text: str) -> dt.date | None:
    return next((s.start for s in find_dates(text) if s.label in ("DATE", "NUMERIC")), None)


def _clean_committee(text: str) -> str | None:
    text = re.split(r"\s*[|,(]\s*|\s+[-–]\s+(?=\S)", text.strip(), maxsplit=1)[0].strip(" .:-–")
    if not text or _meeting_rules()[4].match(text) or find_dates(text) or len(text.split()) > 12:
        return None
    return " ".join(text.split())


def meeting_of(doc: Document, header: list[str]) -> tuple[dt.date | None, str | None]:
    """The meeting a paper is for, from its committee-system or report header: (date, committee).

    Read from the page title, then the header lines, in order; the first header that gives a date
    wins, with the committee it names (or one named by an earlier header). A date mentioned in
    passing ("the minutes of the meeting held on 9 October 2014") is never matched: every pattern
    is anchored at the start of a header line.
    """
    headers, alone, committee_field, date_field, _ = _meeting_rules()
    committee: str | None = None
    texts = [ln.text for ln in doc.furniture] + header
    for text in texts:
        for pattern in headers:
            match = pattern.search(text) if pattern.pattern.startswith("^(?:.") else pattern.match(text)
            if not match:
                continue
            groups = match.groupdict()
            if groups.get("value") is not None:  # a cover field: "Committee: ...", "Date: ..."
                name = text.split(":", 1)[0].strip()
                value = groups["value"]
                date = _first_date(value) if date_field.match(name) else None
                if committee_field.match(name) and committee is None:
                    committee = _clean_committee(value)
                if date is not None:  # a date field: the committee a field or a line of its own names
                    return date, committee or committee_line(header)
                break
            date = _first_date(groups.get("date") or "")
            found = _clean_committee(groups.get("committee") or "")
            if date is not None:
                return date, found or committee
            committee = committee or found
            break
    for i, text in enumerate(header[:6]):
        match = alone.match(text)
        if match:
            date = _first_date(match.group("date"))
            if date is not None:
                named = committee or next((_clean_committee(h) for h in header[:i] if _clean_committee(h)), None)
                return date, named
    return None, committee


def committee_line(header: list[str]) -> str | None:
    """The committee a paper's first header lines name on a line of their own, else None."""
    rules = _rules()
    named, trailer = _compiled(rules["committee_line"]), _compiled(rules["committee_line_trailer"])
    for text in header[: int(rules["committee_line_max"])]:
        for part in re.split(r"\s+[-–]\s+", text):
            part = trailer.sub("", " ".join(part.split()).strip(" .:"))
            if named.match(part) and len(part.split()) <= 12 and not find_dates(part):
                return part
    return None


def _title(doc: Document, header: list[str]) -> str | None:
    rules = _rules()
    subject = _compiled(rules["title_subject_line"])
    for text in header:
        match = subject.match(text)
        if match:
            return match.group(1).strip()
    generic = {g.lower() for g in rules["generic_headings"]}
    for i, block in enumerate(doc.blocks[: len(header)]):
        bold_opening = i == 0 and all(ln.bold for ln in block.lines)
        if block.kind != "heading" and not bold_opening:
            continue
        text = re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", block.text.strip().rstrip(":"))
        if text.lower() not in generic and len(text.split()) >= 2 and not find_dates(text):
            return text
    for line in doc.furniture:
        text = re.sub(r"\s*\([^)]*\)\s*$", "", line.text).strip()
        if len(text.split()) >= 2 and not re.search(r"\d\s*$", text):
            return text
    return None


@cache
def _body_rules() -> tuple[list[re.Pattern[str]], list[re.Pattern[str]], set[str], tuple[str, ...]]:
    rules = _rules()
    name = rules["body_name"]
    compile_all = lambda key: [re.compile(p.replace("NAME", name)) for p in rules[key]]  # noqa: E731
    return (compile_all("body_patterns"), compile_all("body_council_patterns"),
            {w.lower() for w in rules["body_not"]}, tuple(rules["body_suffix_drop"]))


def _area(name: str) -> str | None:
    """An area's name as printed, without the words that are not part of it ('The Lichfield District')."""
    _, _, generic, suffixes = _body_rules()
    words = " ".join(name.split()).split(" ")
    while words and words[0].lower() in generic:
        words.pop(0)
    while words and (words[-1].lower() in suffixes or words[-1].lower() in generic):
        words.pop()
    if words and words[-1].lower().endswith(("'s", "’s")):
        words[-1] = words[-1][:-2]
    text = " ".join(words).strip(" -")
    if text.isupper() and len(text) > 3:  # 'CHARNWOOD' in a header: the same body as 'Charnwood'
        text = re.sub(r"[A-Za-z]+", lambda m: m.group(0).lower() if m.group(0).lower() in _CONNECTORS
                      else m.group(0).capitalize(), text)
        text = text[0].upper() + text[1:]
    return text if text and text.lower() not in generic and text[0].isupper() else None


_CONNECTORS = {"and", "of", "on", "upon", "under", "in", "the"}


def _body(doc: Document) -> str | None:
    """The area named most often before 'Community Safety Agreement/Partnership/...' (or in 'Safer X
    Partnership'); failing that, the council the paper comes from. Ties go to the first named."""
    partnership, council, _, _ = _body_rules()
    texts = [" ".join(c for row in b.rows for c in row.cells) if b.kind == "table" else b.text for b in doc.blocks]
    texts += [ln.text for ln in doc.furniture]
    needs = _compiled(_rules()["body_council_needs"])
    for patterns in (partnership, council):
        if patterns is council and not any(needs.search(text) for text in texts):
            break
        counts: dict[str, int] = {}
        for text in texts:
            for pattern in patterns:
                for match in pattern.finditer(text):
                    name = _area(match.group("name"))
                    if name:
                        counts[name] = counts.get(name, 0) + 1
        if counts:
            return max(counts, key=lambda k: counts[k])
    return None


def document_date(metadata: DocumentMetadata, dates: list[DocumentDate] | tuple[DocumentDate, ...]) -> dt.date | None:
    """The date a paper speaks from: its meeting, else its effective date, else its approval/publication."""
    others = [d.date for d in dates if d.role in ("approved", "published")]
    return metadata.meeting_date or metadata.effective_from or (max(others) if others else None)


def extract_metadata(doc: Document, dates: list[DocumentDate] | None = None) -> DocumentMetadata:
    rules = _rules()
    dates = extract_document_dates(doc) if dates is None else dates
    header = _header_texts(doc)
    kind = _doc_kind(doc, header)
    marks = [ln.text for ln in doc.furniture] + [t for t in header[:5] if len(t.split()) <= 12]
    version = None
    for text in marks:
        match = _compiled(rules["version_label"]).search(text)
        if match:
            version = match.group(1)
            break
    status = None
    for name in ("draft", "final"):
        if any(_compiled(rules["status"][name]).search(t) for t in [ln.text for ln in doc.furniture] + header[:5]):
            status = name
            break
    meeting, committee = meeting_of(doc, header)
    if meeting is None:
        meeting = next((d.date for d in dates if d.role == "meeting"), None)
        if meeting is not None and committee is None:  # a bare date line at the top
            committee = committee_line(header)
    effective = None
    if kind == "agreement":
        effective_dates = [d.date for d in dates if d.role == "effective"]
        effective = max(effective_dates) if effective_dates else None
    return DocumentMetadata(
        title=_title(doc, header),
        doc_kind=kind,
        meeting_date=meeting,
        status=status,
        version_label=version,
        effective_from=effective,
        body=_body(doc),
        committee=committee,
    )
