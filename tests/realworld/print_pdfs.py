"""Print the development corpus's markdown papers as PDFs, the way a council's Word export looks.

ReportLab, not fpdf2 (which the tests' own renditions use), so the PDF reader is judged on a second
producer: a running header with the council and the paper's title, a "Page N of M" footer, numbered
headings, real bullets, ruled tables. The markdown is read here with a few lines of its own (never
with csa's readers), so what is printed does not depend on what is being tested.

    python tests/realworld/print_pdfs.py [OUT_DIR]     # default tests/.generated/printed
"""

from __future__ import annotations

import hashlib
import html
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAPERS = HERE / "papers"
DEFAULT_OUT = HERE.parent / ".generated" / "printed"
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]

_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
_NUMBERED_HEADING = re.compile(r"^\d+(?:\.\d+)*\.?\s")


def _font(name: str) -> str:
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return str(folder / name)
    raise FileNotFoundError(f"{name} not found (install Debian's fonts-dejavu-core)")


def _inline(text: str) -> str:
    """Markdown emphasis to ReportLab's mini-HTML; everything else escaped."""
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", text)


def _blocks(markdown: str) -> list[tuple[str, object]]:
    """('h1'|'h2'|'h3', text), ('p', text), ('ul', [items]), ('ol', [(number, text)]), ('table', rows)."""
    out: list[tuple[str, object]] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            i += 1
            continue
        heading = re.match(r"^(#{1,3})\s+(.*)$", line)
        if heading:
            out.append((f"h{len(heading.group(1))}", heading.group(2).strip()))
            i += 1
        elif line.lstrip().startswith("|"):
            rows = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                if not _TABLE_RULE.match(lines[i].strip().strip("|")):
                    rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            out.append(("table", rows))
        elif re.match(r"^\s*[-*]\s+", line):
            items = []
            while i < len(lines) and lines[i].strip():
                item = re.match(r"^\s*[-*]\s+(.*)$", lines[i])
                if item:
                    items.append(item.group(1))
                elif items:
                    items[-1] += " " + lines[i].strip()  # a wrapped item
                i += 1
            out.append(("ul", items))
        elif re.match(r"^\s*\d{1,2}[.)]\s+", line) and not re.match(r"^\s*\d+\.\d", line):
            items = []
            while i < len(lines) and lines[i].strip():
                item = re.match(r"^\s*(\d{1,2}[.)])\s+(.*)$", lines[i])
                if item:
                    items.append([item.group(1), item.group(2)])
                elif items:
                    items[-1][1] += " " + lines[i].strip()
                i += 1
            out.append(("ol", [tuple(x) for x in items]))
        else:
            para = [line.strip()]
            i += 1
            while i < len(lines) and lines[i].strip() and not re.match(r"^(#{1,3}\s|\s*[-*]\s|\s*\|)", lines[i]):
                para.append(lines[i].strip())
                i += 1
            out.append(("p", " ".join(para)))
    return out


def print_paper(source: Path, out_dir: Path) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas as rl_canvas
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(TTFont("DejaVu", _font("DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", _font("DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily("DejaVu", normal="DejaVu", bold="DejaVu-Bold", italic="DejaVu",
                                  boldItalic="DejaVu-Bold")
    blocks = _blocks(source.read_text(encoding="utf-8"))
    title = next((str(text) for kind, text in blocks if kind == "h1"), source.stem)
    running = re.sub(r"\*", "", title)

    body = ParagraphStyle("body", fontName="DejaVu", fontSize=10, leading=13, spaceAfter=6, alignment=TA_LEFT)
    h1 = ParagraphStyle("h1", parent=body, fontName="DejaVu-Bold", fontSize=15, leading=19, spaceBefore=4,
                        spaceAfter=10)
    h2 = ParagraphStyle("h2", parent=body, fontName="DejaVu-Bold", fontSize=12.5, leading=16, spaceBefore=10,
                        spaceAfter=6)
    h3 = ParagraphStyle("h3", parent=body, fontName="DejaVu-Bold", fontSize=11, leading=14, spaceBefore=8)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=11, spaceAfter=0)

    story: list = []
    section = 0
    for kind, value in blocks:
        if kind == "h1":
            story.append(Paragraph(_inline(str(value)), h1))
        elif kind in ("h2", "h3"):
            text = str(value)
            if kind == "h2" and not _NUMBERED_HEADING.match(text):
                section += 1
                text = f"{section}. {text}"  # Word's numbered headings
            story.append(Paragraph(_inline(text), h2 if kind == "h2" else h3))
        elif kind == "p":
            story.append(Paragraph(_inline(str(value)), body))
        elif kind == "ul":
            story.append(ListFlowable([ListItem(Paragraph(_inline(t), body), leftIndent=16) for t in value],
                                      bulletType="bullet", start="•", leftIndent=16, bulletFontName="DejaVu"))
        elif kind == "ol":
            for number, text in value:  # numbered paragraphs keep the numbers the paper prints
                story.append(Paragraph(f"{html.escape(number)}&nbsp;&nbsp;{_inline(text)}",
                                       ParagraphStyle("ol", parent=body, leftIndent=18, firstLineIndent=-18)))
        elif kind == "table":
            rows = [[Paragraph(_inline(c), cell) for c in row] for row in value]
            width = max(len(r) for r in rows)
            rows = [r + [""] * (width - len(r)) for r in rows]
            table = Table(rows, colWidths=[(A4[0] - 40 * mm) / width] * width, repeatRows=1)
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d9e2f3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]))
            story += [table, Spacer(1, 8)]

    class NumberedCanvas(rl_canvas.Canvas):
        """'Page N of M': every page is held until the count is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("DejaVu", 8)
                self.drawString(20 * mm, A4[1] - 12 * mm, running)
                self.drawRightString(A4[0] - 20 * mm, 12 * mm, f"Page {self._pageNumber} of {total}")
                super().showPage()
            super().save()

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source.stem}.pdf"
    tmp = target.with_suffix(".tmp")
    doc = SimpleDocTemplate(str(tmp), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=22 * mm,
                            bottomMargin=22 * mm, title=running, author="csa-timeline development corpus",
                            invariant=True)
    doc.build(story, canvasmaker=NumberedCanvas)
    tmp.replace(target)
    return target


def print_all(out_dir: Path = DEFAULT_OUT) -> list[Path]:
    """Every markdown paper, printed once per content (and printer) version."""
    stamp = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    marker = out_dir / f".printed-{stamp}"
    sources = sorted(PAPERS.glob("*.md"))
    if marker.is_file() and all((out_dir / f"{s.stem}.pdf").stat().st_mtime >= s.stat().st_mtime
                                for s in sources if (out_dir / f"{s.stem}.pdf").is_file()) \
            and all((out_dir / f"{s.stem}.pdf").is_file() for s in sources):
        return [out_dir / f"{s.stem}.pdf" for s in sources]
    for old in out_dir.glob(".printed-*"):
        old.unlink()
    printed = [print_paper(s, out_dir) for s in sources]
    marker.write_text("")
    return printed


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    for path in print_all(out):
        print(path)
