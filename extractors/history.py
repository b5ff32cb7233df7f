"""Changes a document narrates about its own history ("2020 – The priority of X was expanded to become 'Y'").

Pure: a parsed document in, NarratedChange records out. The sentence shapes are data
(rules/history.yaml). Only history entries (blocks opening with a year) are read, and only
past-tense statements: proposals are claims for the audit, not changes that happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extractors.blocks import join_lines_with_offsets, line_at_offset
from extractors.model import Document
from extractors.rulebook import load_yaml


@dataclass(frozen=True)
class NarratedChange:
    change_type: str  # added | removed | renamed | split | merged
    kind: str  # priority | theme
    year: int
    before_labels: tuple[str, ...]
    after_labels: tuple[str, ...]
    page: int
    line_start: int
    line_end: int
    text: str  # the history entry, joined from its printed lines


@cache
def _rules() -> dict:
    return load_yaml("history.yaml")


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    r = _rules()
    out = []
    for rule in r["changes"]:
        quoted = {n: r["quoted_label"].format(name=n) for n in ("before", "before2", "after")}
        bare = r["bare_label"].format(name="bare")
        before = f"(?:{quoted['before']}|{bare})"
        pattern = rule["pattern"].format(
            kind=r["kind"], before=before, before2=quoted["before2"], after=quoted["after"]
        )
        out.append((rule["type"], re.compile(pattern, re.I)))
    return tuple(out)


_KIND_WORD = re.compile(r"\btheme|\bpriorit", re.I)


def _kind(text: str | None) -> str:
    """'theme' when the first of 'theme'/'priority' named in the text is a theme; else 'priority'."""
    first = _KIND_WORD.search(text or "")
    return "theme" if first and first.group(0).lower() == "theme" else "priority"


def _clean(label: str) -> str:
    return re.sub(r"\s+", " ", label).strip(" ,")


def changes_in(text: str, start: int = 0) -> list[tuple[int, str, str, tuple[str, ...], tuple[str, ...]]]:
    """Past-tense changes narrated in one entry's text: (offset, change type, kind, before, after)."""
    taken: list[tuple[int, int]] = []
    found = []
    for change_type, pattern in _patterns():
        for m in pattern.finditer(text, start):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append(m.span())
            groups = m.groupdict()
            first = groups.get("before") or groups.get("bare")
            before = tuple(_clean(x) for x in (first, groups.get("before2")) if x)
            after = (_clean(groups["after"]),) if groups.get("after") else ()
            if change_type == "split":
                after = (*before, *after)
            if change_type == "added":
                before = ()
            if change_type == "removed":
                after = ()
            kind = _kind(groups.get("kind") or text[m.start() :])  # else the first kind named from here on
            found.append((m.start(), change_type, kind, before, after))
    return sorted(found)


def history_entry(text: str) -> re.Match[str] | None:
    """The year an entry of a narrated history opens with ('2020 – ...', 'In 2018, ...'), if it is one."""
    return re.compile(_rules()["entry"], re.I).match(text)


def extract_narrated_changes(doc: Document) -> list[NarratedChange]:
    out: list[NarratedChange] = []
    for block in doc.blocks:
        if block.kind not in ("bullet", "paragraph") or not block.lines:
            continue
        text, offsets = join_lines_with_offsets([ln.text for ln in block.lines])
        head = history_entry(text)
        if not head:
            continue
        for start, change_type, kind, before, after in changes_in(text, head.end()):
            line = line_at_offset(block.lines, offsets, start)
            out.append(NarratedChange(
                change_type, kind, int(head.group("year")), before, after,
                line.page, block.lines[0].number, block.lines[-1].number, text,
            ))
    return out
