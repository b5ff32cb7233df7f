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


HOUSE_STYLES = CORPUS.parent / "tests" / "fixtures" / "house_styles"
# The papers whose '•' renditions are already at parity (test_lists_golden checks the house styles).
HYPHEN_PAPERS = [CORPUS / n for n in SEEDS] + sorted(HOUSE_STYLES.iterdir())


def _lists(extracted):
    return [(lst.role, lst.stance, lst.applies_from, [(i.raw_label, i.count) for i in lst.items])
            for lst in extracted.lists]


@pytest.mark.parametrize("path", HYPHEN_PAPERS, ids=[p.name for p in HYPHEN_PAPERS])
def test_a_pdf_printed_with_hyphen_bullets_gives_the_same_blocks_and_lists_as_its_text(path):
    # issue 16: '- ' bullets were read only on the text path, and such a PDF loaded with no lists
    text_side = extract_document(path.read_bytes(), path.name)
    pdf = rendition_of(path, bullet="-").read_bytes()
    pdf_side = extract_document(pdf, path.with_suffix(".pdf").name)
    assert b"(cid" not in pdf and "•" not in "".join(ln.raw for ln in pdf_side.document.lines)  # printed as '-'
    assert _signature(pdf_side.document) == _signature(text_side.document)
    assert _lists(pdf_side) == _lists(text_side)
    if any(b.marker == "-" for b in text_side.document.blocks):
        assert any(b.kind == "bullet" and b.marker == "-" for b in pdf_side.document.blocks)
