"""The fast PDF path (PDFium's text page, pdfplumber's table finder on the drawing alone) must read
every PDF exactly as pdfplumber alone does, and hand a page to pdfplumber, saying so, where its own
reading cannot be trusted (issue 17)."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest
from bad_inputs import rotated_page
from conftest import CORPUS, ROOT, SEEDS, seed
from renditions import rendition_of

from extractors.model import Document
from extractors.readers.pdf import read_pdf

HOUSE_STYLES = ROOT / "tests" / "fixtures" / "house_styles"
RENDITIONS = [(CORPUS / n, b) for n in SEEDS for b in ("•", "-")] + [(p, "•") for p in sorted(HOUSE_STYLES.iterdir())]


def _both(data: bytes, name: str) -> tuple[Document, Document]:
    return read_pdf(data, name), read_pdf(data, name, engine="pdfplumber")


def _same_reading(fast: Document, slow: Document) -> None:
    assert slow.reader_notes == ()
    assert replace(fast, reader_notes=()) == slow
    for a, b in zip(fast.lines, slow.lines, strict=True):  # on failure, the first line that differs
        assert a == b


@pytest.mark.parametrize(("path", "bullet"), RENDITIONS, ids=[f"{p.name}-{'dot' if b == '•' else 'hyphen'}"
                                                              for p, b in RENDITIONS])
def test_a_rendition_reads_the_same_on_both_paths(path, bullet):
    fast, slow = _both(rendition_of(path, bullet=bullet).read_bytes(), path.with_suffix(".pdf").name)
    _same_reading(fast, slow)
    assert fast.reader_notes == ()  # nothing in these renditions needs pdfplumber's text


def test_a_word_export_from_another_library_reads_the_same_on_both_paths(tmp_path):
    sys.path.insert(0, str(ROOT / "tests" / "realworld"))
    from print_pdfs import print_all

    printed = print_all(tmp_path)
    assert len(printed) >= 6
    for pdf in printed:
        fast, slow = _both(pdf.read_bytes(), pdf.name)
        _same_reading(fast, slow)
        assert fast.reader_notes == ()


def test_ruled_tables_come_through_the_fast_path():
    # seed 004's district tables are ruled; the fast path finds them on the drawing alone and fills
    # the cells from its own words
    fast = read_pdf(rendition_of(CORPUS / seed("004")).read_bytes(), "004.pdf")
    rows = [ln.cells for ln in fast.lines if ln.cells]
    assert len(rows) >= 20
    assert fast.reader_notes == ()
    assert ("Road Safety", "Director Community Safety, Kent Fire & Rescue Service") in rows
    assert ("Domestic Abuse", "11") in rows  # a district assessment table's count, in its own cell


def test_a_rotated_page_is_read_by_pdfplumber_and_the_reading_says_so():
    data = rotated_page(rendition_of(CORPUS / seed("000")).read_bytes(), 1)
    fast, slow = _both(data, "rotated.pdf")
    assert fast.reader_notes == ("page 2 read with pdfplumber: the page is rotated",)
    _same_reading(fast, slow)


def test_glyphs_without_unicode_are_read_by_pdfplumber_and_the_reading_says_so():
    # a font with its ToUnicode map removed: PDFium hands out glyph ids (control characters among
    # them), pdfplumber its '(cid:N)'; that page is pdfplumber's, as it always was
    data = rendition_of(CORPUS / seed("000")).read_bytes()
    assert b"/ToUnicode" in data
    data = data.replace(b"/ToUnicode", b"/XoUnicode")  # same length: the cross-reference table holds
    fast, slow = _both(data, "no-unicode.pdf")
    assert len(fast.reader_notes) == 1
    assert fast.reader_notes[0].endswith("read with pdfplumber: characters with no Unicode mapping")
    assert fast.reader_notes[0].startswith("pages 1-")
    _same_reading(fast, slow)


def test_a_line_end_hyphen_stays_at_the_end_of_its_line():
    # PDFium marks a hyphen that ends a line and does not break the line after it; the fast path
    # ends the word there, as pdfplumber reads it ("non-" / "statutory")
    fast = read_pdf(rendition_of(CORPUS / seed("001")).read_bytes(), "001.pdf")
    ends = [ln.raw for ln in fast.lines if ln.raw.endswith("as well as non-")]
    assert ends, "the seed's wrapped 'non-statutory' should end a printed line"
    assert fast.reader_notes == ()


def test_pdfium_not_opening_a_file_leaves_it_to_pdfplumber(monkeypatch):
    import extractors.readers.pdfium_words as fast_module

    class Refuses:
        def __init__(self, data):
            raise RuntimeError("Failed to load document (PDFium: Data format error).")

    monkeypatch.setattr(fast_module, "PdfiumPages", Refuses)
    data = rendition_of(CORPUS / seed("002")).read_bytes()
    fast, slow = _both(data, "002.pdf")
    assert fast.reader_notes == ("read with pdfplumber: PDFium could not open the file "
                                 "(RuntimeError: Failed to load document (PDFium: Data format error).)",)
    _same_reading(fast, slow)


def test_pages_list_reads_as_runs():
    from extractors.readers.pdf import _page_list

    assert _page_list([1, 2, 3, 5, 7, 8]) == "1-3, 5, 7-8"
    assert _page_list([4]) == "4"


def _fpdf(draw, encrypt: bool = False) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    if encrypt:
        pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    draw(pdf)
    return bytes(pdf.output())


@pytest.mark.parametrize("engine", ["fast", "pdfplumber"])
@pytest.mark.parametrize(("data", "reason"), [
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "corrupt PDF"),
    (_fpdf(lambda pdf: pdf.cell(text="Community Safety Partnership priorities"), encrypt=True), "encrypted PDF"),
    (_fpdf(lambda pdf: pdf.rect(20, 20, 150, 200, style="F")), "no text layer"),
], ids=["corrupt", "encrypted", "image-only"])
def test_both_paths_refuse_the_same_bad_files(engine, data, reason):
    from extractors.model import UnreadableDocument

    with pytest.raises(UnreadableDocument, match=reason):
        read_pdf(data, "bad.pdf", engine=engine)


def test_papers_read_from_several_threads_at_once_read_as_one_at_a_time():
    # PDFium is not thread-safe: the fast path holds one lock around it
    from concurrent.futures import ThreadPoolExecutor

    papers = [rendition_of(CORPUS / seed(p)).read_bytes() for p in ("000", "004")]
    alone = [read_pdf(data, "x.pdf") for data in papers]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda i: read_pdf(papers[i % 2], "x.pdf"), range(8)))
    assert together == [alone[i % 2] for i in range(8)]

