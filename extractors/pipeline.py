"""One document's bytes in, everything extracted from it out (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

from extractors.metadata import DocumentDate, DocumentMetadata, extract_document_dates, extract_metadata
from extractors.model import Document
from extractors.readers import read_document


@dataclass(frozen=True)
class ExtractedDocument:
    doc_id: str
    document: Document
    metadata: DocumentMetadata
    dates: tuple[DocumentDate, ...]


def doc_id_for(sha256: str) -> str:
    """Content-derived id: the same paper keeps its id when renamed or moved."""
    return sha256[:16]


def extract_document(data: bytes, source_path: str) -> ExtractedDocument:
    """Parse and run every extractor. Raises readers.UnreadableDocument on bad input."""
    document = read_document(data, source_path)
    dates = extract_document_dates(document)
    metadata = extract_metadata(document, dates)
    return ExtractedDocument(doc_id_for(document.sha256), document, metadata, tuple(dates))
