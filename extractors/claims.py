"""What a paper claims about its own changes: version-control lines, history entries, statements of
no change, and proposals. Pure: a parsed document in, Claim records out; sentence shapes are data
(rules/claims.yaml, with the label shapes of rules/history.yaml).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from extractors.blocks import join_lines_with_offsets, line_at_offset
from extractors.history import _kind, changes_in, history_entry
from extractors.history import _rules as _history_rules
from extractors.model import Block, Document
from extractors.rulebook import load_yaml

SOURCES = ("version_control", "history", "statement", "proposal")


@dataclass(frozen=True)
class ClaimedChange:
    change_type: str  # renamed | added | removed | split | merged
    kind: str  # priority | theme
    before_labels: tuple[str, ...]
    after_labels: tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    source: str  # version_control | history | statement | proposal
    version: str | None  # the version-control row it belongs to, as printed
    claim_date: dt.date | None
    precision: str  # month | year | none: how much of claim_date the paper gave
    section: str | None  # 'Ch.6', 'Appendix A', or the paragraph number it is printed under ('6.5')
    text: str
    page: int
    line: int
    subjects: tuple[str, ...]  # 'priority', 'theme': what it is about; () = neither (out of scope)
    change_type: str | None  # none | renamed | added | removed | changed | split | merged; None = not said
    count: int | None = None  # 'one priority' -> 1
    changes: tuple[ClaimedChange, ...] = ()  # the labels it names, where it names them
    introduces_list_after: int | None = None  # a statement printed as a list's lead-in: its last line


@cache
def _rules() -> dict:
    return load_yaml("claims.yaml")


def _re(name: str) -> re.Pattern[str]:
    rule = _rules()[name]  # one pattern, or a list of alternatives
    return re.compile(rule if isinstance(rule, str) else "|".join(f"(?:{p})" for p in rule), re.I)


_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"], start=1)}
_MONTH_YEAR = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+((?:19|20)\d\d)\b", re.I)


def month_year(text: str | None) -> dt.date | None:
    """The first 'April 2019' in the text, as its first day."""
    m = _MONTH_YEAR.search(text or "")
    return dt.date(int(m.group(2)), _MONTHS[m.group(1).lower()], 1) if m else None


def _subjects(text: str) -> tuple[str, ...]:
    found = [name for name, pattern in _rules()["subjects"].items() if re.search(pattern, text, re.I)]
    return tuple(sorted(found, key=("priority", "theme").index))


def _change_type(text: str) -> str | None:
    for name, pattern in _rules()["change_words"].items():
        if re.search(pattern, text, re.I):
            return name
    return None


def _count(text: str) -> int | None:
    m = _re("count_pattern").search(text) or _re("count_changes_pattern").search(text)
    if not m:
        return None
    n = m.group("n").lower()
    return int(n) if n.isdigit() else _rules()["counts"].get(n)


def _block_text(block: Block) -> tuple[str, list[int]]:
    return join_lines_with_offsets([ln.text for ln in block.lines])


def _version_control_blocks(doc: Document) -> set[int]:
    """Indices of the blocks under a version-control heading."""
    heading = _re("version_control_heading")
    inside, out = False, set()
    for i, block in enumerate(doc.blocks):
        if block.kind == "heading" and not (inside and _table_line(block.text)):
            inside = bool(heading.match(block.text.strip().rstrip(":")))
        elif inside:
            out.add(i)
    return out


def _table_line(text: str) -> bool:
    """A short table line the block builder took for a heading ('2.0 April 2017', 'Ch.2 - no change')."""
    return bool(_re("version_row").match(text) or _re("section").match(text) or _re("date_setting").search(text))


def _segments(block: Block, row: re.Pattern[str]) -> list[tuple[str, int, int]]:
    """(text, page, line) pieces of a block, cut where a line opens a new table row (a row the block
    builder wrapped into the line before it, as '2.0 – April 2017 ...' can be)."""
    pieces: list[list] = []
    for ln in block.lines:
        if not pieces or (row.match(ln.text.strip()) and not ln.blank):
            pieces.append([[ln.text], ln.page, ln.number])
        else:
            pieces[-1][0].append(ln.text)
    return [(join_lines_with_offsets(texts)[0], page, line) for texts, page, line in pieces]


def _version_control(doc: Document) -> list[Claim]:
    row, header = _re("version_row"), _re("table_header")
    date_setting, section = _re("date_setting"), _re("section")
    out: list[Claim] = []
    rows: list[list] = []  # [version, date, claims-of-the-row]
    for index in sorted(_version_control_blocks(doc)):
        block = doc.blocks[index]
        if not block.lines:
            continue
        for text, page, line in _segments(block, row):
            if header.match(text):
                continue
            m = row.match(text)
            if m:
                rows.append([m.group("version"), month_year(m.group("date")), []])
                rest = m.group("rest").strip()
                if rest:
                    rows[-1][2].append((None, rest, text, page, line))
                continue
            if not rows:
                rows.append([None, None, []])  # the table's first rows were lost: their lines stay
            s = section.match(text)
            rows[-1][2].append((s.group("section") if s else None, s.group("rest") if s else text, text, page, line))
            if rows[-1][1] is None:
                d = date_setting.search(text)
                rows[-1][1] = month_year(d.group("date")) if d else None
    for version, date, lines in rows:
        for sec, rest, text, page, line in lines:
            out.append(Claim(
                "version_control", version, date, "month" if date else "none", sec, text,
                page, line, _subjects(rest), _change_type(rest), _count(rest),
            ))
    return out


_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+)+")
_LEADING_NUMBER = re.compile(r"^(\d+(?:\.\d+)+)\.?\s")


def paragraph_number(block: Block) -> str | None:
    """The number a block is printed under: its own ('4.2'), or one opening its text ('- 4.2 Although ...')."""
    return block.number or (m.group(1) if (m := _LEADING_NUMBER.match(block.text)) else None)


def _section_numbers(doc: Document) -> dict[int, str | None]:
    """Block index -> the paragraph or heading number it is printed under ('4.2', else the heading's '4.0')."""
    out: dict[int, str | None] = {}
    current = None
    for i, block in enumerate(doc.blocks):
        number = paragraph_number(block)
        if number and block.kind in ("heading", "paragraph", "bullet"):
            current = number.rstrip(".")
        out[i] = current
    return out


def _history(doc: Document, sections: dict[int, str | None]) -> list[Claim]:
    out = []
    for i, block in enumerate(doc.blocks):
        if block.kind not in ("bullet", "paragraph") or not block.lines:
            continue
        text, _ = _block_text(block)
        head = history_entry(text)
        if not head:
            continue
        changes = tuple(
            ClaimedChange(change_type, kind, before, after)
            for _, change_type, kind, before, after in changes_in(text, head.end())
        )
        body = text[head.end():]
        change_type = changes[0].change_type if changes else _change_type(body)
        if change_type is None:  # "In 2017/18 the priorities agreed were as follows": a date, not a change
            continue
        subjects = tuple(dict.fromkeys(c.kind for c in changes)) or _subjects(body)
        out.append(Claim(
            "history", None, dt.date(int(head.group("year")), 1, 1), "year", sections.get(i), text,
            block.page, block.line_start, subjects, change_type, len(changes) or _count(body), changes,
        ))
    return out


@cache
def _proposal_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    h = _history_rules()
    quoted = {n: h["quoted_label"].format(name=n) for n in ("before", "after")}
    bare = h["bare_label"].format(name="bare")
    kind2 = h["kind"].replace("?P<kind>", "?P<kind2>")
    out = []
    for rule in _rules()["proposals"]:
        pattern = rule["pattern"].format(kind=h["kind"], kind2=kind2, before=quoted["before"], after=quoted["after"],
                                         bare=bare)
        out.append((rule["type"], re.compile(pattern, re.I | re.S)))
    return tuple(out)


def _statements_and_proposals(doc: Document, sections: dict[int, str | None], doc_date: dt.date | None) -> list[Claim]:
    no_change, introduces, cue = _re("no_change_statement"), _re("introduces_list"), _re("proposal_cue")
    table = _version_control_blocks(doc)
    out = []
    for i, block in enumerate(doc.blocks):
        if block.kind not in ("bullet", "paragraph") or not block.lines or i in table:
            continue
        text, offsets = _block_text(block)
        if history_entry(text):
            continue
        for sentence in re.finditer(r"[^.]*?(?:\.(?=\s|$)|$)", text):
            s = _NUMBER.sub("", sentence.group(0).strip())
            if not s or not no_change.search(s):
                continue
            line = line_at_offset(block.lines, offsets, sentence.start())
            date = month_year(s)
            out.append(Claim(
                "statement", None, date or doc_date, "month" if date or doc_date else "none", sections.get(i), s,
                line.page, line.number, _subjects(s), "none", None, (),
                block.line_end if introduces.search(s) else None,
            ))
        if not cue.search(text):
            continue
        taken: list[tuple[int, int]] = []
        for change_type, pattern in _proposal_patterns():
            for m in pattern.finditer(text):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                taken.append(m.span())
                g = m.groupdict()
                before = " ".join((g.get("before") or g.get("bare") or "").split())
                after = " ".join((g.get("after") or "").split())
                kind = _kind(g.get("kind"))
                date = month_year(g.get("date")) or month_year(text) or doc_date
                line = line_at_offset(block.lines, offsets, m.start())
                start = max(text.rfind(". ", 0, m.start()) + 2, 0) if text.rfind(". ", 0, m.start()) >= 0 else 0
                end = text.find(". ", m.end())
                sentence = _NUMBER.sub("", text[start : end + 1 if end >= 0 else len(text)].strip())
                out.append(Claim(
                    "proposal", None, date, "month" if date else "none", sections.get(i), sentence,
                    line.page, line.number, (kind,), change_type, 1,
                    (ClaimedChange(change_type, kind, (before,), (after,)),),
                ))
    return out


def extract_claims(doc: Document, doc_date: dt.date | None = None) -> list[Claim]:
    """Every claim in reading order. `doc_date` dates statements and proposals that give no date."""
    sections = _section_numbers(doc)
    claims = _version_control(doc) + _history(doc, sections) + _statements_and_proposals(doc, sections, doc_date)
    return sorted(claims, key=lambda c: (c.page, c.line, SOURCES.index(c.source)))
