"""Readers: bytes of a text/markdown file or a PDF in, a parsed `Document` out.

Readers are pure: they take the file's bytes and its path (for provenance) and
do no I/O of their own. Bad input raises `UnreadableDocument` with a reason a
person can act on; callers record it and go on.
"""

from __future__ import annotations

import hashlib
import io
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from functools import cache

from extractors.blocks import build_blocks
from extractors.cleaning import collapse_spaces, normalise_glyphs, strip_markup
from extractors.model import Document, Line, Page
from extractors.rulebook import load_yaml

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
PDF_SUFFIXES = (".pdf",)


class UnreadableDocument(Exception):
    """The input cannot be turned into a document; `reason` says why in one line."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_document(data: bytes, source_path: str) -> Document:
    """Dispatch on the file's content (PDF magic) or suffix."""
    if not data:
        raise UnreadableDocument("empty file (0 bytes)")
    if data[:5] == b"%PDF-" or source_path.lower().endswith(PDF_SUFFIXES):
        return read_pdf(data, source_path)
    return read_text(data, source_path)


# ---------------------------------------------------------------- text path

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BULLET = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[-*•]|o(?=\s+[A-Z0-9‘'\"(]))\s+(?P<rest>\S.*)$")


@cache
def _furniture_rules() -> dict:
    return load_yaml("layout.yaml")["furniture"]


def decode_text(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise UnreadableDocument("binary file, not text (NUL bytes found)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise UnreadableDocument(
                f"undecodable text: not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) nor Windows-1252"
            ) from None


def _is_double_spaced(raw_lines: Sequence[str]) -> bool:
    """PDF-to-text renditions that put an empty line after every printed line.

    In those, empty lines are soft wraps and whitespace-only lines are the real
    paragraph breaks.
    """
    content = [i for i, ln in enumerate(raw_lines) if ln.strip()]
    if len(content) < 20:
        return False
    followed_by_empty = sum(1 for i in content if i + 1 < len(raw_lines) and raw_lines[i + 1] == "")
    whitespace_only = sum(1 for ln in raw_lines if ln and not ln.strip())
    return followed_by_empty / len(content) >= 0.75 and whitespace_only >= 3


def text_line(page: int, number: int, raw: str) -> Line:
    """Clean one line of a text rendition and read its markup."""
    stripped = raw.rstrip(" \r\n")
    if _RULE.match(stripped) and "\t" not in stripped:
        return Line(page, number, raw, "", blank=True)
    glyphs = normalise_glyphs(stripped)
    indent = len(glyphs) - len(glyphs.lstrip(" \t"))
    heading_level = 0
    body = glyphs
    if "\t" in body.strip(" ") or (body.strip().startswith("|") and body.strip().endswith("|")):
        if "\t" in body.strip(" "):
            cells = body.strip(" ").split("\t")
        else:
            cells = body.strip().strip("|").split("|")
        cleaned_cells = tuple(collapse_spaces(strip_markup(c)[0]) for c in cells)
        text = " | ".join(c for c in cleaned_cells if c)
        return Line(page, number, raw, text, indent=indent, cells=cleaned_cells)
    heading = _MD_HEADING.match(body)
    if heading:
        heading_level = len(heading.group(1))
        body = heading.group(2)
    marker = None
    bullet = _BULLET.match(body)
    if bullet and not heading_level:
        marker = bullet.group("marker")
        indent = len(bullet.group("indent").expandtabs(4))
        body = bullet.group("rest")
    text, bold = strip_markup(body)
    text = collapse_spaces(text)
    if not text:
        return Line(page, number, raw, "", blank=True)
    if marker == "•" and not text:
        return Line(page, number, raw, "", blank=True)
    return Line(page, number, raw, text, indent=indent, bold=bold, heading_level=heading_level, marker=marker)


def _mark_text_furniture(lines: list[Line]) -> list[Line]:
    """Running footers in text renditions: 'DRAFT Version 6.0     25' and its companions."""
    rules = _furniture_rules()
    footer = re.compile(rules["page_number_footer"])
    companion = re.compile(rules["companion"])
    window = int(rules["companion_window"])
    max_words = int(rules["companion_max_words"])
    anchors = [i for i, ln in enumerate(lines) if not ln.blank and ln.cells is None and footer.match(ln.raw.rstrip())]
    if not anchors:
        return lines
    furniture = set(anchors)
    for a in anchors:
        for j in range(max(0, a - window), min(len(lines), a + window + 1)):
            ln = lines[j]
            if not ln.blank and len(ln.text.split()) <= max_words and companion.search(ln.text) and not ln.text.rstrip().endswith("."):
                furniture.add(j)
    return [_with(ln, furniture=True) if i in furniture else ln for i, ln in enumerate(lines)]


def _bold_across_lines(lines: list[Line]) -> list[Line]:
    """'**CUSTOMER AND ... AS' + 'THE CRIME ... COMMITTEE)**': one bold run wrapped over two lines."""
    out = list(lines)
    for i in range(len(out) - 1):
        first, second = out[i].raw.strip(), out[i + 1].raw.strip()
        if (
            first.startswith("**")
            and first.count("**") % 2 == 1
            and second.endswith("**")
            and second.count("**") % 2 == 1
        ):
            out[i] = _with(out[i], bold=True)
            out[i + 1] = _with(out[i + 1], bold=True)
    return out


def _with(line: Line, **changes) -> Line:
    from dataclasses import replace

    return replace(line, **changes)


def read_text(data: bytes, source_path: str) -> Document:
    text = decode_text(data)
    if not text.strip():
        raise UnreadableDocument("no text: the file is empty or whitespace only")
    raw_pages = text.replace("\r\n", "\n").replace("\r", "\n").split("\f")
    all_raw = [ln for page in raw_pages for ln in page.split("\n")]
    double_spaced = _is_double_spaced(all_raw)
    pages: list[Page] = []
    all_lines: list[Line] = []
    number = 0
    for page_no, page_text in enumerate(raw_pages, start=1):
        page_lines: list[Line] = []
        for raw in page_text.split("\n"):
            number += 1
            if double_spaced and raw == "":
                continue  # a soft wrap in a double-spaced rendition
            if not raw.strip():
                page_lines.append(Line(page_no, number, raw, "", blank=True))
                continue
            page_lines.append(text_line(page_no, number, raw))
        page_lines = _mark_text_furniture(_bold_across_lines(page_lines))
        pages.append(Page(page_no, tuple(page_lines)))
        all_lines.extend(page_lines)
    return Document(
        source_path=source_path,
        sha256=sha256_of(data),
        source_format="text",
        pages=tuple(pages),
        blocks=build_blocks(all_lines),
    )


# ---------------------------------------------------------------- PDF path


def _line_from_words(page_no: int, number: int, words: list[dict], left: float, char_width: float) -> Line:
    raw = " ".join(w["text"] for w in words)
    glyphs = normalise_glyphs(raw)
    marker = None
    body = glyphs
    first = words[0]
    x0 = first["x0"]
    if body.startswith("•"):
        marker = "•"
        body = body[1:].lstrip()
        if len(words) > 1:
            x0 = words[1]["x0"]
    bold = all("bold" in w.get("fontname", "").lower() for w in words if w["text"].strip("•"))
    text, _ = strip_markup(body)
    text = collapse_spaces(text)
    indent = max(0, round((x0 - left) / char_width)) if marker else 0
    return Line(page_no, number, raw, text, indent=indent, bold=bold, marker=marker)


def read_pdf(data: bytes, source_path: str) -> Document:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PDFPasswordIncorrect:
        raise UnreadableDocument("encrypted PDF: a password is needed to open it") from None
    except (PDFSyntaxError, Exception) as err:  # pdfminer raises a zoo of types on corrupt files
        if "password" in str(err).lower() or "encrypt" in str(err).lower():
            raise UnreadableDocument("encrypted PDF: a password is needed to open it") from None
        raise UnreadableDocument(f"corrupt PDF: {type(err).__name__}: {err}".strip()[:300]) from None
    with pdf:
        try:
            page_lines = [_pdf_page_lines(page, no) for no, page in enumerate(pdf.pages, start=1)]
        except UnreadableDocument:
            raise
        except Exception as err:
            raise UnreadableDocument(f"corrupt PDF: {type(err).__name__}: {err}"[:300]) from None
    if not any(ln.text for lines in page_lines for ln in lines):
        raise UnreadableDocument("no text layer (image-only PDF?): needs OCR")
    page_lines = _mark_pdf_furniture(page_lines)
    pages = tuple(Page(no, tuple(lines)) for no, lines in enumerate(page_lines, start=1))
    return Document(
        source_path=source_path,
        sha256=sha256_of(data),
        source_format="pdf",
        pages=pages,
        blocks=build_blocks([ln for page in pages for ln in page.lines]),
    )


def _pdf_page_lines(page, page_no: int) -> list[tuple[float, float, Line]]:
    """Lines of one page as (top, bottom, Line), tables as one line per row, in reading order."""
    tables = page.find_tables()
    table_boxes = [t.bbox for t in tables]

    def in_table(word: dict) -> bool:
        cx = (word["x0"] + word["x1"]) / 2
        cy = (word["top"] + word["bottom"]) / 2
        return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in table_boxes)

    words = [w for w in page.extract_words(extra_attrs=["fontname", "size"], keep_blank_chars=False) if not in_table(w)]
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= 2.5:
            rows[-1].append(word)
        else:
            rows.append([word])
    items: list[tuple[float, float, object]] = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        items.append((row[0]["top"], max(w["bottom"] for w in row), row))
    for table in tables:
        for cells_row in _table_rows(table):
            items.append(cells_row)
    items.sort(key=lambda item: item[0])

    sizes = [w["size"] for w in words] or [10.0]
    body_size = statistics.median(sizes)
    char_width = body_size * 0.5
    left = min((w["x0"] for w in words), default=0.0)
    out: list[tuple[float, float, Line]] = []
    last_bottom: float | None = None
    gaps = [b[0] - a[1] for a, b in zip(items, items[1:], strict=False) if b[0] - a[1] > 0]
    normal_gap = statistics.median(gaps) if gaps else body_size * 0.3
    number = 0
    for top, bottom, payload in items:
        if last_bottom is not None and top - last_bottom > max(normal_gap * 2.5, body_size * 0.6):
            number += 1
            out.append((top, top, Line(page_no, number, "", "", blank=True)))
        number += 1
        if isinstance(payload, tuple):
            cells = payload
            text = " | ".join(c for c in cells if c)
            out.append((top, bottom, Line(page_no, number, "\t".join(cells), text, cells=cells)))
        else:
            line = _line_from_words(page_no, number, payload, left, char_width)
            size = max(w["size"] for w in payload)
            if size >= body_size * 1.3:
                line = _with(line, heading_level=1 if size >= body_size * 1.6 else 2)
            out.append((top, bottom, line))
        last_bottom = bottom
    return out


def _table_rows(table) -> list[tuple[float, float, tuple[str, ...]]]:
    from extractors.cleaning import clean_text

    extracted = table.extract()
    out = []
    for row_obj, cells in zip(table.rows, extracted, strict=False):
        cleaned = tuple(clean_text((c or "").replace("\n", " ")) for c in cells)
        if not any(cleaned):
            continue
        out.append((row_obj.bbox[1], row_obj.bbox[3], cleaned))
    return out


def _mark_pdf_furniture(pages: list[list[tuple[float, float, Line]]]) -> list[list[Line]]:
    """Lines in the top/bottom margin that recur (digits aside) on several pages, or bare page numbers."""
    rules = _furniture_rules()
    margin = float(rules["pdf_margin"])
    page_number_only = re.compile(rules["page_number_only"], re.I)
    heights = [max((b for _, b, _ in lines), default=1.0) for lines in pages]

    def key(text: str) -> str:
        return re.sub(r"\d+", "#", text.strip().lower())

    def in_margin(top: float, bottom: float, height: float) -> bool:
        return top < height * margin or bottom > height * (1 - margin)

    counts: Counter[str] = Counter()
    for lines, height in zip(pages, heights, strict=True):
        seen = {key(ln.text) for top, bottom, ln in lines if ln.text and in_margin(top, bottom, height)}
        counts.update(seen)
    out: list[list[Line]] = []
    for lines, height in zip(pages, heights, strict=True):
        marked = []
        for top, bottom, ln in lines:
            if ln.text and ln.cells is None and in_margin(top, bottom, height):
                if (len(pages) > 1 and counts[key(ln.text)] >= 2) or page_number_only.match(ln.text):
                    ln = _with(ln, furniture=True)
            marked.append(ln)
        out.append(marked)
    return out
