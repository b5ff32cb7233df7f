"""Every kind of bad input issue 6 names, written into a folder, with the reason each must get."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import ROOT

# A good paper under a name with a newline, quotes, a dash, superscripts and a byte that is not UTF-8.
ODD_NAME = b"odd \xff name\n'quoted' \xe2\x80\x93 18\xe1\xb5\x97\xca\xb0.txt"
ODD_NAME_STORED = "inbox/odd \\xff name\\n'quoted' – 18ᵗʰ.txt"  # escaped to one printable line


def _pdf(draw, pages: int = 1, encrypt: bool = False) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    if encrypt:
        pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.set_font("helvetica", size=11)
    for n in range(pages):
        pdf.add_page()
        draw(pdf, n)
    return bytes(pdf.output())


def write_bad_inputs(folder: Path) -> dict[str, str]:
    """Bad files in `folder`; returns {stored source path relative to folder's parent: reason fragment}."""
    folder.mkdir(parents=True, exist_ok=True)
    text = lambda pdf, n: pdf.cell(text=f"Community Safety Partnership report, crime and disorder, page {n + 1}")  # noqa: E731
    files = {
        "corrupt.pdf": (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "corrupt PDF"),
        "locked.pdf": (_pdf(text, encrypt=True), "encrypted PDF"),
        "zero.pdf": (b"", "empty file (0 bytes)"),
        "scan.pdf": (_pdf(lambda pdf, n: pdf.rect(20, 20, 150, 200, style="F")), "needs OCR"),
        "archive dump.pdf": (_pdf(text, pages=3000), "too long for one paper: 3,000 pages"),
        "mangled.txt": ("Community Safety Agreement – crime".encode() + b"\x81\x8d\xff\xfe", "undecodable text"),
        "shopping list.txt": (b"Shopping list\n\n- eggs\n- flour\n- milk\n", "not a community-safety paper"),
        "slides.docx": (b"PK\x03\x04" + b"\x00" * 64, "unsupported file type '.docx'"),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    return {f"{folder.name}/{name}": reason for name, (_, reason) in files.items()}


def rotated_page(pdf: bytes, page_index: int) -> bytes:
    """The PDF with one page turned a quarter (its /Rotate set), saved by PDFium."""
    import io

    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    doc[page_index].set_rotation(90)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def with_turned_copy(pdf: bytes) -> bytes:
    """The PDF's pages, then a copy of its first page turned a quarter: a paper with an appendix
    printed landscape."""
    import io

    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    doc.import_pages(pypdfium2.PdfDocument(pdf), [0])
    doc[len(doc) - 1].set_rotation(90)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def write_odd_named_paper(folder: Path) -> Path:
    """A good paper (the Southdown scrutiny paper) under an awkward name."""
    source = ROOT / "tests" / "fixtures" / "house_styles" / "southdown_scrutiny_paper.txt"
    path = Path(os.fsdecode(os.fsencode(folder) + b"/" + ODD_NAME))
    path.write_bytes(source.read_bytes())
    return path


# ---------------------------------------------------------------- hand-built PDFs for the budgets

PAPER_TEXT = b"BT /F1 11 Tf 72 720 Td (Community Safety Partnership: crime and disorder priorities) Tj ET\n"


def raw_pdf(contents: list[bytes]) -> bytes:
    """A PDF with one page per content stream (Flate-compressed), Helvetica as /F1; no library involved,
    so a test can say exactly what each page draws."""
    import zlib

    pages = len(contents)
    font = 3 + 2 * pages
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + " ".join(f"{3 + 2 * i} 0 R" for i in range(pages)).encode()
               + b"] /Count " + str(pages).encode() + b" >>"]
    for i, content in enumerate(contents):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
                       f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode())
        data = zlib.compress(content, 9)
        objects.append(f"<< /Length {len(data)} /Filter /FlateDecode >>\nstream\n".encode() + data + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


def rects(n: int) -> bytes:
    """`n` small filled boxes: 2 operators each ('re', 'f'). Each is a box to pdfplumber's table
    finder (5 points a side: longer than its shortest edge, wider than a rule), which the reader
    runs on a page that has any: costly, page after page."""
    return b"".join(f"{i % 500} {i % 700} 5 5 re f\n".encode() for i in range(n))


def stream_bomb(inflated: int) -> bytes:
    """A page whose content stream is a paper's line and then `inflated` bytes of spaces (tiny compressed)."""
    return raw_pdf([PAPER_TEXT + b" " * inflated])


def operator_bomb(operators: int) -> bytes:
    return raw_pdf([PAPER_TEXT + rects(operators // 2)])


def slow_pdf(pages: int, rects_per_page: int) -> bytes:
    """Many pages each under the operator cap, together slow to lay out: for the time budget."""
    return raw_pdf([PAPER_TEXT + rects(rects_per_page)] * pages)
