"""Leads tables: which officer or agency leads each priority.

Printed as a two-column table ("Priority | Lead Officer/Agency"). Tab, pipe
and ruled tables arrive as table blocks. PDF-to-text conversion can also
flatten an unruled table into a run of lines under a "Priority  Lead" header,
each cell wrapped over several lines; that run is cut back into rows by rule:
a line whose first clause names an office (Chair, Head, Manager ...) starts a
lead, a line ending in "and"/"of"/"," is continued by the next, a line naming
a body (Council, Police, Group ...) continues a lead, and any other line starts
the next priority. The rules are in rules/lists.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from extractors.blocks import join_lines
from extractors.lists import is_leads_header, list_rules, pattern
from extractors.model import Block, Document, Line


@dataclass(frozen=True)
class Lead:
    raw_priority: str  # the priority as printed in the leads table
    lead: str  # the officer or agency as printed
    page: int
    line: int
    source_text: str


def _clean(text: str) -> str:
    return " ".join(text.split()).strip().rstrip(";,").strip()


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).strip()


def _from_table(block: Block) -> list[Lead]:
    rows = [row for row in block.rows if any(c.strip() for c in row.cells)]
    if not rows or not is_leads_header(rows[0].cells):
        return []
    return [
        Lead(_clean(row.cells[0]), _clean(row.cells[1]), row.page, row.line, row.source_text)
        for row in rows[1:]
        if row.cells[0].strip() and len(row.cells) > 1 and row.cells[1].strip()
    ]


def _first_clause(text: str) -> str:
    return text.split(",")[0]


def _from_flattened(block: Block, known_priorities: set[str]) -> list[Lead]:
    r = list_rules()["leads"]
    lines = [ln for ln in block.lines if ln.text]
    if not lines or not pattern(r["header_line"]).match(lines[0].text):
        return []
    title, body, wrapped = pattern(r["title_word"]), pattern(r["body_word"]), pattern(r["wrapped_end"])

    def incomplete(segment: list[Line]) -> bool:
        text = join_lines([ln.text for ln in segment])
        return bool(wrapped.search(text)) or text.count("(") > text.count(")")

    rows: list[tuple[list[Line], list[Line]]] = []
    priority: list[Line] = []
    lead: list[Line] = []
    for line in lines[1:]:
        text = line.text
        if not lead:
            if priority and not incomplete(priority) and title.search(_first_clause(text)):
                lead = [line]
            else:
                priority.append(line)
            continue
        is_known = _norm(text) in known_priorities
        if incomplete(lead) or (not is_known and (text[:1].islower() or body.search(text))):
            lead.append(line)
            continue
        rows.append((priority, lead))
        priority, lead = [line], []
    if priority and lead:
        rows.append((priority, lead))
    out = []
    for prio, lead_lines in rows:
        out.append(
            Lead(
                _clean(join_lines([ln.text for ln in prio])),
                _clean(join_lines([ln.text for ln in lead_lines])),
                prio[0].page,
                prio[0].number,
                "\n".join(ln.raw for ln in [*prio, *lead_lines]),
            )
        )
    return out


def extract_leads(doc: Document, priority_labels: Iterable[str] = ()) -> list[Lead]:
    """Every priority -> lead row in the document's leads tables, in reading order.

    `priority_labels` (the document's own priority lists) help tell a priority
    from the last line of a wrapped lead in flattened tables.
    """
    known = {_norm(label) for label in priority_labels}
    out: list[Lead] = []
    for block in doc.blocks:
        if block.kind == "table":
            out.extend(_from_table(block))
        elif block.kind == "paragraph":
            out.extend(_from_flattened(block, known))
    return out
