"""PDF renditions of text documents, for the PDF-vs-text parity tests and the benchmarks.

A rendition prints what the text path recognised the way a council PDF would:
headings in bold, bullet items with a real bullet glyph and a hanging indent,
tables as ruled tables (so pdfplumber's default line strategy finds them),
paragraphs with the line breaks of the source, a vertical gap where the source
had a paragraph break, and the source's running header/footer repeated on every
page with a page number. Nothing of the parser's output beyond layout is used.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import ClassVar

from extractors.cleaning import collapse_spaces, strip_markup
from extractors.model import Block, Document, Line
from extractors.readers import read_text

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT, TOP, BOTTOM = 18.0, 18.0, 24.0, 26.0
BODY_PT = 9.0
LINE_H = 4.2
GAP = 3.2
INDENT = 5.0
COLUMN_GAP = 8.0  # a run of spaces inside a source line (a flattened column) prints as a wide gap

GENERATED = Path(__file__).parent / ".generated"


def _font_path(name: str) -> Path:
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{name} not found (install Debian's fonts-dejavu-core)")


def _pdf_class():
    from fpdf import FPDF

    class RenditionPDF(FPDF):
        """Draws the running header and footer on every page, including pages a table runs onto."""

        header_lines: ClassVar[list[str]] = []
        footer_text = "Page "

        def header(self) -> None:
            self.set_font("DejaVu", "", 7)
            for i, text in enumerate(self.header_lines):
                self.set_xy(LEFT, 8 + i * 3.2)
                self.cell(PAGE_W - LEFT - RIGHT, 3, text)
            self.set_xy(LEFT, TOP)

        def footer(self) -> None:
            self.set_font("DejaVu", "", 7)
            self.set_xy(LEFT, PAGE_H - 12)
            self.cell(PAGE_W - LEFT - RIGHT, 3, f"{self.footer_text}{self.page_no()}".strip())

    return RenditionPDF


class _Writer:
    def __init__(self, header_lines: list[str], footer_text: str):
        self.pdf = _pdf_class()(unit="mm", format="A4")
        self.pdf.set_margins(LEFT, TOP, RIGHT)
        self.pdf.set_auto_page_break(False)
        self.pdf.add_font("DejaVu", "", str(_font_path("DejaVuSans.ttf")))
        self.pdf.add_font("DejaVu", "B", str(_font_path("DejaVuSans-Bold.ttf")))
        self.pdf.header_lines = header_lines
        self.pdf.footer_text = footer_text
        self.y = 0.0
        self.new_page()

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = TOP

    def room(self, height: float) -> bool:
        return self.y + height <= PAGE_H - BOTTOM

    def gap(self) -> None:
        if self.room(GAP + LINE_H):
            self.y += GAP
        else:
            # A paragraph break at a page boundary: start the next page lower, as a PDF would show it.
            self.new_page()
            self.y += GAP

    def wrap(self, text: str, width: float, bold: bool, size: float = BODY_PT) -> list[str]:
        self.pdf.set_font("DejaVu", "B" if bold else "", size)
        if self.pdf.get_string_width(text) <= width or " " not in text:
            return [text]
        return self.pdf.multi_cell(width, LINE_H, text, dry_run=True, output="LINES")

    def line(self, text: str, x: float, bold: bool = False, size: float = BODY_PT) -> None:
        height = LINE_H * size / BODY_PT
        if not self.room(height):
            self.new_page()
        self.pdf.set_font("DejaVu", "B" if bold else "", size)
        width = PAGE_W - RIGHT - x
        while " " not in text and self.pdf.get_string_width(text) > width and size > 4:
            size -= 0.5  # an unbreakable string (a URL) is printed smaller rather than split
            self.pdf.set_font("DejaVu", "B" if bold else "", size)
        self.pdf.set_xy(x, self.y)
        self.pdf.cell(width, height, text)
        self.y += height

    def columns(self, line: Line, bold: bool, size: float) -> bool:
        """Print a line whose source has a run of spaces inside it as segments with a wide gap."""
        segments = [s for s in re.split(r"\s{2,}", line.raw.strip()) if s]
        if len(segments) < 2:
            return False
        cleaned = [collapse_spaces(strip_markup(s)[0]) for s in segments]
        if " ".join(cleaned) != line.text:
            return False
        self.pdf.set_font("DejaVu", "B" if bold else "", size)
        widths = [self.pdf.get_string_width(s) for s in cleaned]
        if sum(widths) + COLUMN_GAP * (len(widths) - 1) > PAGE_W - LEFT - RIGHT:
            return False
        height = LINE_H * size / BODY_PT
        if not self.room(height):
            self.new_page()
        x = LEFT
        for text, width in zip(cleaned, widths, strict=True):
            self.pdf.set_xy(x, self.y)
            self.pdf.cell(width, height, text)
            x += width + COLUMN_GAP
        self.y += height
        return True

    def table(self, block: Block) -> None:
        width = max(len(r.cells) for r in block.rows)
        self.pdf.set_font("DejaVu", "", BODY_PT)
        usable = PAGE_W - LEFT - RIGHT
        if not self.room(2 * LINE_H + 2):
            self.new_page()
        self.pdf.set_xy(LEFT, self.y)
        self.pdf.set_auto_page_break(True, margin=BOTTOM)
        with self.pdf.table(
            col_widths=tuple([usable / width] * width),
            first_row_as_headings=False,
            line_height=LINE_H,
            padding=1,
            text_align="LEFT",
        ) as table:
            for row in block.rows:
                cells = table.row()
                for cell in row.cells:
                    cells.cell(cell)
        self.pdf.set_auto_page_break(False)
        self.y = self.pdf.get_y()


def render_pdf(doc: Document, bullet: str = "•") -> bytes:
    """Print a parsed text document as a PDF, bullet items marked with `bullet` ('-' as some councils print)."""
    furniture = [ln.text for ln in doc.furniture]
    footer = next((f for f in furniture if f.rstrip()[-1:].isdigit()), "Page")
    footer_text = re.sub(r"\s*\d{1,4}\s*$", "", footer) + " "
    headers = [f for f in dict.fromkeys(furniture) if f != footer]
    writer = _Writer(headers, footer_text)
    blank_numbers = {(ln.page, ln.number) for ln in doc.lines if ln.blank}
    prev: Block | None = None
    for block in doc.blocks:
        if prev is not None and any(
            (block.page, n) in blank_numbers for n in range(prev.line_end + 1, block.line_start)
        ):
            writer.gap()
        prev = block
        if block.kind == "table":
            writer.table(block)
            continue
        bold = block.kind == "heading" or all(ln.bold for ln in block.lines)
        if block.kind == "bullet" and not (block.marker or "")[:1].isdigit():
            glyph = block.marker not in ("", None) or block.lines[0].indent == 1
            x_text = LEFT + INDENT * (block.level + 1)
            for i, line in enumerate(block.lines):
                wrapped = writer.wrap(line.text, PAGE_W - RIGHT - x_text, bold)
                for j, piece in enumerate(wrapped):
                    if i == 0 and j == 0 and glyph:
                        marker = bullet
                        if not writer.room(LINE_H):
                            writer.new_page()
                        writer.pdf.set_font("DejaVu", "", BODY_PT)
                        writer.pdf.set_xy(x_text - INDENT + 1, writer.y)
                        writer.pdf.cell(INDENT - 1, LINE_H, marker)
                    writer.line(piece, x_text if glyph else LEFT, bold)
            continue
        # Markdown-level headings print larger, as their PDFs do; rule-found headings just bold.
        level = max((ln.heading_level for ln in block.lines), default=0)
        size = {1: BODY_PT * 1.7, 2: BODY_PT * 1.45}.get(level, BODY_PT * 1.35 if level else BODY_PT)
        for line in block.lines:
            if writer.columns(line, bold, size):
                continue
            for piece in writer.wrap(line.text, PAGE_W - LEFT - RIGHT, bold, size):
                writer.line(piece, LEFT, bold, size)
    return bytes(writer.pdf.output())


def rendition_of(text_path: Path, bullet: str = "•") -> Path:
    """The PDF rendition of a text file, generated once per content hash into tests/.generated."""
    data = text_path.read_bytes()
    digest = hashlib.sha256(data + bullet.encode() + Path(__file__).read_bytes()).hexdigest()[:12]
    out = GENERATED / f"{text_path.stem}.{digest}.pdf"
    if not out.is_file():
        GENERATED.mkdir(exist_ok=True)
        pdf = render_pdf(read_text(data, text_path.name), bullet)
        tmp = out.with_suffix(".tmp")
        tmp.write_bytes(pdf)
        tmp.replace(out)
    return out
