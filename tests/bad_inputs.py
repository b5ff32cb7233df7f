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


def write_odd_named_paper(folder: Path) -> Path:
    """A good paper (the Southdown scrutiny paper) under an awkward name."""
    source = ROOT / "tests" / "fixtures" / "house_styles" / "southdown_scrutiny_paper.txt"
    path = Path(os.fsdecode(os.fsencode(folder) + b"/" + ODD_NAME))
    path.write_bytes(source.read_bytes())
    return path
