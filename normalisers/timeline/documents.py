"""The timeline's inputs read off extracted documents (extractors.pipeline.ExtractedDocument)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from extractors.claims import paragraph_number
from normalisers.timeline.records import Change, Item, ListRef


def observed_on(doc) -> dt.date | None:
    """The date a document shows its lists (extractors.metadata.document_date)."""
    from extractors.metadata import document_date

    return document_date(doc.metadata, doc.dates)


def bodies(docs) -> dict[str, str]:
    """doc_id -> body. Where the corpus names a single body, papers that name none are taken to be about it."""
    named = {d.metadata.body for d in docs if getattr(d.metadata, "body", None)}
    default = next(iter(named)) if len(named) == 1 else ""
    return {d.doc_id: getattr(d.metadata, "body", None) or default for d in docs}


def list_refs(docs, roles: Iterable[str], body_of: Mapping[str, str] | None = None) -> list[ListRef]:
    """The documents' lists of those roles. `body_of`: doc_id -> body (default: `bodies(docs)`)."""
    wanted = set(roles)
    body_of = body_of if body_of is not None else bodies(docs)
    out = []
    for d in docs:
        seen = observed_on(d)
        for i, x in enumerate(d.lists):
            if x.role not in wanted:
                continue
            lid = d.list_id(i)
            items = tuple(Item(lid, it.position, it.raw_label, it.page, it.line) for it in x.items)
            out.append(ListRef(lid, d.doc_id, x.role, x.stance, x.applies_from, x.applies_to, seen, items,
                               body_of[d.doc_id]))
    return out


def stated_changes(docs, body_of: Mapping[str, str] | None = None) -> list[Change]:
    """The documents' narrated history as stated changes. A year alone gives no day: the change's
    window is that year, and it has no effective date."""
    body_of = body_of if body_of is not None else bodies(docs)
    out = []
    for d in docs:
        for c in d.narrated:
            lines = f"l.{c.line_start}" + (f"-{c.line_end}" if c.line_end != c.line_start else "")
            evidence = f"{d.metadata.title or d.doc_id}, p.{c.page} {lines} (year {c.year} only): \"{c.text}\""
            out.append(Change(c.kind, c.change_type, None, dt.date(c.year, 1, 1), dt.date(c.year, 12, 31),
                              c.before_labels, c.after_labels, "stated", d.doc_id, evidence, body_of[d.doc_id]))
    return out


def restated_lists(docs) -> dict[str, str]:
    """list_id -> the statement it is printed under, for lists a paper prints as unchanged since the
    previous review ('there were no changes to the priorities ... (see list below)')."""
    out: dict[str, str] = {}
    for d in docs:
        numbered = [(b.page, b.line_start) for b in d.document.blocks if paragraph_number(b)]
        for c in d.claims:
            if c.source != "statement" or c.introduces_list_after is None:
                continue
            after = (c.page, c.introduces_list_after)
            nxt = min((at for at in numbered if at > after), default=(10**9, 0))
            for i, x in enumerate(d.lists):
                if x.items and (c.page, c.line) < (x.items[0].page, x.items[0].line) < nxt:
                    out.setdefault(d.list_id(i), f"{c.text} (p.{c.page} l.{c.line})")
    return out
