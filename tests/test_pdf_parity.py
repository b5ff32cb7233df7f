"""The PDF path (pdfplumber) must give the same blocks and metadata as the text path, for every seed."""

from pathlib import Path

import pytest
from conftest import CORPUS, SEEDS
from renditions import rendition_of

from extractors.pipeline import extract_document


def _signature(doc):
    out = []
    for block in doc.blocks:
        if block.kind == "table":
            out.extend(("row", row.cells) for row in block.rows)
        else:
            out.append((block.kind, block.text))
    return out


@pytest.mark.parametrize("name", SEEDS)
def test_pdf_rendition_gives_same_blocks_and_metadata(parsed, name):
    text_side = parsed(name)
    pdf_path = rendition_of(CORPUS / name)
    pdf_side = extract_document(pdf_path.read_bytes(), Path(name).with_suffix(".pdf").name)
    assert pdf_side.document.source_format == "pdf"
    assert pdf_side.document.page_count > 1
    assert _signature(pdf_side.document) == _signature(text_side.document)
    assert pdf_side.metadata == text_side.metadata
    roles = lambda ex: sorted({(d.date, d.role) for d in ex.dates if d.role != "other"})  # noqa: E731
    assert roles(pdf_side) == roles(text_side)


def test_rendition_has_real_ruled_tables():
    import pdfplumber

    with pdfplumber.open(rendition_of(CORPUS / next(n for n in SEEDS if n.startswith("004")))) as pdf:
        tables = [t for page in pdf.pages for t in page.find_tables()]
    assert len(tables) >= 4
