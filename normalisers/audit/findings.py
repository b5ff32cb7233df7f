"""Inconsistencies inside one paper: a proposal its own proposed list does not carry out; a running
header or footer naming another year than the paper's; a version-control table that stops short
of the paper's own version."""

from __future__ import annotations

from dataclasses import dataclass

from extractors.claims import Claim, month_year
from normalisers.audit.verdicts import same_label
from normalisers.timeline import ROLE_OF


@dataclass(frozen=True)
class Finding:
    finding_id: str
    doc_id: str
    finding_type: str  # proposal_not_in_own_list | footer_other_year | version_table_stops_short
    explanation: str
    page: int
    line: int


def findings(docs, claims: dict[str, list[Claim]]) -> list[Finding]:
    out: list[Finding] = []
    for d in docs:
        found: list[tuple[str, str, int, int]] = []
        for c in claims.get(d.doc_id, []):
            if c.source != "proposal":
                continue
            (change,) = c.changes
            role = ROLE_OF[change.kind]
            for i, x in enumerate(d.lists):
                if x.role != role or x.stance != "proposed":
                    continue
                labels_ = [it.raw_label for it in x.items]
                keeps = next((lbl for lbl in labels_ if same_label(change.before_labels[0], lbl)), None)
                if keeps and not any(same_label(change.after_labels[0], lbl) for lbl in labels_):
                    found.append((
                        "proposal_not_in_own_list",
                        f"§{c.section or '?'} (l.{c.line}) proposes '{change.before_labels[0]}' become "
                        f"'{change.after_labels[0]}', but the paper's own proposed list {d.list_id(i)} "
                        f"('{x.heading}', l.{x.line}) keeps '{keeps}'.",
                        x.page, x.line,
                    ))
        own = d.metadata.effective_from or d.metadata.meeting_date
        for ln in d.document.furniture:
            printed = month_year(ln.text)
            if own and printed and printed.year != own.year:
                found.append((
                    "footer_other_year",
                    f"A running header/footer names {printed:%B %Y} ('{ln.text}'), but the paper is dated {own}.",
                    ln.page, ln.number,
                ))
        versions = [c.version for c in claims.get(d.doc_id, []) if c.source == "version_control" and c.version]
        if versions and d.metadata.version_label:
            last = max(versions, key=lambda v: tuple(int(p) for p in v.split(".")))
            mine = tuple(int(p) for p in d.metadata.version_label.split("."))
            if tuple(int(p) for p in last.split(".")) < mine:
                first = next(c for c in claims[d.doc_id] if c.source == "version_control")
                found.append((
                    "version_table_stops_short",
                    f"The version-control table's last row is {last}, but the paper is version "
                    f"{d.metadata.version_label}: the rows for the versions since are missing.",
                    first.page, first.line,
                ))
        seen = set()
        for kind, text, page, line in found:
            if (kind, text) in seen:
                continue
            seen.add((kind, text))
            out.append(Finding(f"{d.doc_id}-F{len(seen):02d}", d.doc_id, kind, text, page, line))
    return out
