"""One document's bytes in, everything extracted from it out (pure, no I/O)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from extractors.claims import Claim, extract_claims
from extractors.history import NarratedChange, extract_narrated_changes
from extractors.leads import Lead, extract_leads
from extractors.limits import Limits, default_limits
from extractors.lists import ExtractedList, extract_lists
from extractors.metadata import (
    DocumentDate,
    DocumentMetadata,
    document_date,
    extract_document_dates,
    extract_metadata,
)
from extractors.model import Document
from extractors.readers import read_document
from extractors.relevance import check_relevance


@dataclass(frozen=True)
class ExtractedDocument:
    doc_id: str
    document: Document
    metadata: DocumentMetadata
    dates: tuple[DocumentDate, ...]
    lists: tuple[ExtractedList, ...] = ()
    leads: tuple[Lead, ...] = ()
    narrated: tuple[NarratedChange, ...] = ()
    claims: tuple[Claim, ...] = ()  # what the paper claims about its own changes (version control, history, ...)

    def list_id(self, index: int) -> str:
        """Stable id of the document's index-th list (0-based, in reading order)."""
        return f"{self.doc_id}-L{index + 1:02d}"


def doc_id_for(sha256: str) -> str:
    """Content-derived id: the same paper keeps its id when renamed or moved."""
    return sha256[:16]


def with_committee_system_facts(doc: ExtractedDocument, meeting_date: dt.date | None,
                                committee: str | None = None) -> ExtractedDocument:
    """A paper that prints no meeting date (or names no committee) takes the committee system's
    for its meeting (the date recorded as such); what the paper prints always wins."""
    changes: dict = {}
    if doc.metadata.meeting_date is None and meeting_date is not None:
        changes.update(meeting_date=meeting_date, meeting_date_source="committee_system")
    if doc.metadata.committee is None and committee:
        changes.update(committee=committee)
    return replace(doc, metadata=replace(doc.metadata, **changes)) if changes else doc


def extract_document(data: bytes, source_path: str, limits: Limits | None = None) -> ExtractedDocument:
    """Parse and run every extractor. Raises readers.UnreadableDocument on bad input."""
    return extract_from(read_document(data, source_path, limits), limits)


def extract_from(document: Document, limits: Limits | None = None) -> ExtractedDocument:
    """Run every extractor over a parsed document (the cacheable half of `extract_document`).

    Raises readers.UnreadableDocument when the text is not a community-safety paper at all, or
    a list runs past `limits.max_list_items` (thousands of bullets are a dump, not priorities).
    """
    limits = limits or default_limits()
    check_relevance(document)
    dates = extract_document_dates(document)
    metadata = extract_metadata(document, dates)
    lists = extract_lists(document, metadata, dates)
    for lst in lists:
        if len(lst.items) > limits.max_list_items:
            raise limits.refuse(f"list too long: {len(lst.items):,} items under '{lst.heading[:60]}' "
                                f"(page {lst.page}, line {lst.line})", "max_list_items",
                                why="a dump of bullets, not a list of priorities")
    priority_labels = [item.raw_label for lst in lists if lst.role == "priorities" for item in lst.items]
    leads = extract_leads(document, priority_labels)
    return ExtractedDocument(
        doc_id_for(document.sha256),
        document,
        metadata,
        tuple(dates),
        tuple(lists),
        tuple(leads),
        tuple(extract_narrated_changes(document)),
        tuple(extract_claims(document, document_date(metadata, dates))),
    )
