"""PDF reader (pdfplumber): words, fonts and positions into `Line`s, ruled tables into rows,
running headers and footers found by position, paragraph breaks by vertical gaps.

Each page's content streams are checked against the limits before pdfminer lays it out.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from functools import cache

from extractors.blocks import build_blocks
from extractors.cleaning import bullet_line, clean_text, collapse_spaces, normalise_glyphs, strip_leader, strip_markup
from extractors.limits import Limits, default_limits
from extractors.model import Document, Line, Page, UnreadableDocument
from extractors.readers.common import furniture_rules, row_text, sha256_of, too_many_lines, too_many_pages, with_changes

SUFFIXES = (".pdf",)


def sniff(head: bytes) -> bool:
    return head.startswith(b"%PDF-")


def _declared_page_count(pdf) -> int:
    """The page count the PDF's page tree declares, read without parsing any page."""
    from pdfminer.pdftypes import resolve1

    try:
        return int(resolve1(resolve1(pdf.doc.catalog["Pages"])["Count"]))
    except Exception:  # a damaged page tree: let the page walk below find out
        return 0



@dataclass
class _Item:
    """A printed line or table row on a PDF page, before paragraph breaks are known."""

    top: float
    bottom: float
    line: Line
    size: float  # largest font size on the line (0 for table rows)
    x0: float = 0.0  # where the line's text starts (a bullet's text, not its glyph)


def _joined_words(words: list[dict]) -> str:
    """Words of one printed line; a gap wider than the font size (a column gap) is kept as two spaces."""
    out = words[0]["text"]
    for prev, word in itertools.pairwise(words):
        gap = word["x0"] - prev["x1"]
        out += ("  " if gap > max(prev.get("size", 10.0), word.get("size", 10.0)) else " ") + word["text"]
    return out


def _line_from_words(page_no: int, words: list[dict], left: float, char_width: float) -> tuple[Line, float]:
    raw = _joined_words(words)
    glyphs = normalise_glyphs(raw)
    marker = None
    body = glyphs
    x0 = words[0]["x0"]
    bullet = bullet_line().match(body)
    if bullet:
        marker, body = bullet.group("marker"), bullet.group("rest")
        if len(words) > 1 and normalise_glyphs(words[0]["text"]) == marker:
            x0 = words[1]["x0"]  # the item's text, not its marker, sets the indent
    numbered = re.match(r"^(\d{1,2}[.)])\s", body)
    # bold: every word but the bullet marker (checked only for words not bold: it costs)
    bold = all("bold" in w.get("fontname", "").lower() or normalise_glyphs(w["text"]) == marker for w in words)
    text, _ = strip_markup(body)
    text = strip_leader(collapse_spaces(text))
    indent = max(0, round((x0 - left) / char_width)) if marker or numbered else 0
    return Line(page_no, 0, raw, text, indent=indent, bold=bold, marker=marker), x0


def read_pdf(data: bytes, source_path: str, limits: Limits | None = None, engine: str = "fast") -> Document:
    """Read a PDF. pdfplumber (pdfminer) opens it and checks every page against the limits; the words
    come from PDFium's text page (`engine="fast"`, see pdfium_words) except on pages that may hold a
    ruled table, which pdfplumber reads for its table finder, and pages where the fast reading looks
    wrong, which pdfplumber reads too and the document's `reader_notes` say so. `engine="pdfplumber"`
    reads every page with pdfplumber (the parity tests compare the two)."""
    import pdfplumber

    limits = limits or default_limits()
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as err:  # pdfminer raises a zoo of types on corrupt or encrypted files
        if "password" in repr(err).lower() or "encrypt" in repr(err).lower():
            raise UnreadableDocument("encrypted PDF: a password is needed to open it") from None
        raise UnreadableDocument(f"corrupt PDF: {type(err).__name__}: {err}".strip()[:300]) from None
    fast = None
    notes: list[str] = []
    try:
        too_many_pages(_declared_page_count(pdf), limits)
        try:
            too_many_pages(len(pdf.pages), limits)  # the page tree itself, should /Count understate it
            fast, why = _open_fast(data, len(pdf.pages)) if engine == "fast" else (None, None)
            if why:
                notes.append(f"read with pdfplumber: {why}")
            read: list[_PageWords] = []
            heights: list[float] = []
            fallbacks: dict[str, list[int]] = {}
            for no, page in enumerate(pdf.pages, start=1):
                check_page_content(page.page_obj, no, limits)
                verdict = fast.page_words(no - 1, _origin(page)) if fast is not None else None
                if verdict is not None and verdict.words is not None:
                    read.append(_fast_page(page, verdict))
                else:
                    if verdict is not None and verdict.why:
                        fallbacks.setdefault(verdict.why, []).append(no)
                    read.append(_page_words(page))
                heights.append(float(page.height))
                page.close()  # drop pdfplumber's cached layout objects: memory stays one page deep
                too_many_lines(sum(len(p.rows) + len(p.tables) for p in read), limits)
            pages = _page_items(read)
            notes += [f"page{'s' if len(nos) > 1 else ''} {_page_list(nos)} read with pdfplumber: {why}"
                      for why, nos in fallbacks.items()]
        except MemoryError:
            raise  # not the file's verdict here: the run's budget decides
        except UnreadableDocument:
            raise
        except Exception as err:
            if "password" in repr(err).lower() or "encrypt" in repr(err).lower():
                raise UnreadableDocument("encrypted PDF: a password is needed to open it") from None
            raise UnreadableDocument(f"corrupt PDF: {type(err).__name__}: {err}"[:300]) from None
    finally:
        with contextlib.suppress(Exception):  # pdfplumber's close can itself fail on a damaged file
            pdf.close()
        if fast is not None:
            with contextlib.suppress(Exception):
                fast.close()
    if not pages:
        raise UnreadableDocument("PDF has no pages")
    if not any(item.line.text for items in pages for item in items):
        raise UnreadableDocument("no text layer (image-only PDF?): needs OCR")
    _mark_pdf_furniture(pages, heights)
    page_lines = _with_paragraph_breaks(pages)
    doc_pages = tuple(Page(no, tuple(lines)) for no, lines in enumerate(page_lines, start=1))
    return Document(
        source_path=source_path,
        sha256=sha256_of(data),
        source_format="pdf",
        pages=doc_pages,
        blocks=build_blocks([ln for page in doc_pages for ln in page.lines]),
        reader_notes=tuple(notes),
    )


def _open_fast(data: bytes, pages: int):
    """PDFium's view of the file, or None and why not (the file is then pdfplumber's alone)."""
    try:
        from extractors.readers.pdfium_words import PdfiumPages

        fast = PdfiumPages(data)
    except ImportError:
        return None, "pypdfium2 is not installed"
    except Exception as err:  # PDFium refuses some files pdfminer repairs
        return None, f"PDFium could not open the file ({type(err).__name__}: {err})"[:200]
    if len(fast) != pages:
        fast.close()
        return None, f"PDFium and pdfminer disagree on the page count ({len(fast)} and {pages})"
    return fast, None


def _origin(page) -> tuple[float, float]:
    """Where pdfplumber measures a page from: its media box's left and top, in PDF units."""
    x0, y0, x1, y1 = (float(v) for v in page.page_obj.mediabox)
    return min(x0, x1), max(y0, y1)


def _page_list(numbers: list[int]) -> str:
    """1, 2, 3, 5 as '1-3, 5'."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


# A content-stream operator: a short bare word ("re", "f", "Tj", "T*", "'"), not a /Name or a number.
_PDF_OPERATOR = re.compile(rb"(?<![^\s\]\)>])[A-Za-z'\"][A-Za-z0-9*'\"]{0,2}(?![^\s\[\(<>/%\]])")
_PDF_STRING = re.compile(rb"\((?:[^()\\]|\\.)*\)", re.S)


def check_page_content(page_obj, page_no: int, limits: Limits) -> None:
    """Refuse a page whose content streams inflate past `max_stream_bytes` or draw more than
    `max_page_operators` operators, before pdfminer lays it out (which costs time and memory per
    operator). The page's own streams and the forms it draws are counted; a damaged stream is left
    for the layout to report."""
    operators = 0
    for stream in _content_streams(page_obj):
        data = _inflated(stream, limits.max_stream_bytes)
        if data is None:
            raise limits.refuse(f"PDF stream too large: a content stream on page {page_no} inflates past "
                                f"{limits.max_stream_bytes:,} bytes", "max_stream_bytes", " bytes",
                                "a compression bomb or a huge drawing, not a paper's text")
        operators += len(_PDF_OPERATOR.findall(_PDF_STRING.sub(b" ", data)))
    if operators > limits.max_page_operators:
        raise limits.refuse(f"too many drawing operators: page {page_no} has {operators:,}", "max_page_operators",
                            why="a drawing or a bomb, not a paper's text")


def _content_streams(page_obj) -> list:
    from pdfminer.pdftypes import PDFStream, resolve1

    try:
        streams = [s for s in (resolve1(c) for c in page_obj.contents) if isinstance(s, PDFStream)]
        resources = [page_obj.resources]
        seen: set[int] = set()
        while resources:
            res = resolve1(resources.pop())
            xobjects = resolve1(res.get("XObject")) if isinstance(res, dict) else None
            for ref in (xobjects.values() if isinstance(xobjects, dict) else ()):
                obj = resolve1(ref)
                subtype = getattr(resolve1(obj.get("Subtype")), "name", None) if isinstance(obj, PDFStream) else None
                if subtype == "Form" and id(obj) not in seen:
                    seen.add(id(obj))
                    streams.append(obj)
                    resources.append(obj.get("Resources"))
        return streams
    except Exception:  # a damaged resource tree: the layout reports it
        return []


def _inflated(stream, cap: int) -> bytes | None:
    """The stream's decoded bytes, or None when they would pass `cap`. Flate (nearly every content
    stream) is inflated in bounded steps and handed back to pdfminer so it is not inflated twice."""
    import zlib

    from pdfminer.pdftypes import LITERALS_FLATE_DECODE

    try:
        if stream.data is not None:
            return stream.data if len(stream.data) <= cap else None
        filters = stream.get_filters()
        plain_flate = (
            len(filters) == 1 and filters[0][0] in LITERALS_FLATE_DECODE and not filters[0][1]
            and not stream.decipher and stream.rawdata is not None
        )
        if not filters and stream.rawdata is not None and not stream.decipher:
            return stream.rawdata if len(stream.rawdata) <= cap else None
        if not plain_flate:
            data = stream.get_data()  # rarer encodings: decoded whole; the run's memory budget bounds them
            return data if len(data) <= cap else None
        inflater = zlib.decompressobj()
        data = inflater.decompress(stream.rawdata, cap + 1)
        if len(data) > cap:
            return None
        stream.data, stream.rawdata = data, None
        return data
    except Exception:  # a damaged stream: the layout decides (pdfminer repairs some)
        return b""


@dataclass
class _PageWords:
    """A page's words grouped into printed rows, and its ruled tables' rows: read once per page."""

    rows: list[list[dict]]
    tables: list[tuple[float, float, tuple[str, ...]]]


def _fast_page(page, verdict) -> _PageWords:
    """A page the fast path read: its words as they are, or, where it may hold a ruled table,
    pdfplumber's table finder run over the page's drawing alone (its text is not laid out again)
    and the cells read from the fast path's words."""
    if not verdict.table:
        return _rows_of(verdict.words, [])
    tables = _ruled_tables(page)
    boxes = [t.bbox for t in tables]
    words = [w for w in verdict.words if not _in_boxes(w, boxes)]
    return _rows_of(words, [row for table in tables for row in _table_rows(table, verdict.words)])


def _ruled_tables(page) -> list:
    """pdfplumber's ruled tables on a page laid out without its text: the table finder reads lines,
    rectangles and curves only, and text is what costs (pdfminer loads every font and lays out
    every glyph)."""
    device = _drawing_device()(page.pdf.rsrcmgr, pageno=page.page_number, laparams=page.pdf.laparams)
    _drawing_interpreter()(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    page._layout = device.get_result()  # pdfplumber's own cache of the page's layout (pinned version)
    return page.find_tables()


@cache
def _drawing_device():
    from pdfplumber.page import PDFPageAggregatorWithMarkedContent

    class DrawingOnly(PDFPageAggregatorWithMarkedContent):
        def render_string(self, *args, **kwargs) -> None:
            return None

    return DrawingOnly


@cache
def _drawing_interpreter():
    """pdfminer's interpreter with the text operators made no-ops and no fonts loaded. Each override
    keeps its operator's arguments: pdfminer pops as many operands as the method takes."""
    from pdfminer.pdfinterp import PDFPageInterpreter
    from pdfminer.pdftypes import dict_value

    class DrawingOnly(PDFPageInterpreter):
        def init_resources(self, resources) -> None:
            kept = {k: v for k, v in dict_value(resources).items() if k != "Font"} if resources else resources
            super().init_resources(kept)

        def do_Tf(self, fontid, fontsize) -> None:
            return None

        def do_TJ(self, seq) -> None:
            return None

        def do_Tj(self, s) -> None:
            return None

        def do__q(self, s) -> None:
            return None

        def do__w(self, aw, ac, s) -> None:
            return None

    return DrawingOnly


def _in_boxes(obj: dict, boxes: list) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _page_words(page) -> _PageWords:
    """Printed rows of one page (words outside ruled tables), and the tables' rows."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    words = [w for w in page.extract_words(extra_attrs=["fontname", "size"]) if not _in_boxes(w, boxes)]
    return _rows_of(words, [row for table in tables for row in _table_rows(table)])


def _rows_of(words: list[dict], tables: list[tuple[float, float, tuple[str, ...]]]) -> _PageWords:
    """Words grouped into printed rows (tops within 2.5 points), each row left to right."""
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= 2.5:
            rows[-1].append(word)
        else:
            rows.append([word])
    for row in rows:
        row.sort(key=lambda w: w["x0"])
    return _PageWords(rows, tables)


def _page_items(pages: list[_PageWords]) -> list[list[_Item]]:
    """Lines and table rows of every page, in reading order. Indents are measured from the document's
    left margin in the document's body character width, so a list that runs over a page keeps its level."""
    sizes = [w["size"] for page in pages for row in page.rows for w in row] or [10.0]
    char_width = statistics.median(sizes) * 0.5
    minima = [min(w["x0"] for row in page.rows for w in row) for page in pages if page.rows]
    left = statistics.median(minima) if minima else 0.0
    out: list[list[_Item]] = []
    for page_no, page in enumerate(pages, start=1):
        items: list[_Item] = []
        for row in page.rows:
            line, x0 = _line_from_words(page_no, row, left, char_width)
            items.append(_Item(row[0]["top"], max(w["bottom"] for w in row), line, max(w["size"] for w in row), x0))
        for top, bottom, cells in page.tables:
            items.append(_Item(top, bottom, Line(page_no, 0, "\t".join(cells), row_text(cells), cells=cells), 0.0))
        items.sort(key=lambda item: item.top)
        out.append(items)
    return out


def _table_rows(table, words: list[dict] | None = None) -> list[tuple[float, float, tuple[str, ...]]]:
    """A table's rows (top, bottom, cleaned cells); cells read from `words` when given (the fast
    path's), else from pdfplumber's own characters."""
    out = []
    for row_obj, cells in zip(table.rows, table.extract() if words is None else _cells(table, words), strict=False):
        cleaned = tuple(clean_text((c or "").replace("\n", " ")) for c in cells)
        if any(cleaned):
            out.append((row_obj.bbox[1], row_obj.bbox[3], cleaned))
    return out


def _cells(table, words: list[dict]) -> list[list[str | None]]:
    """pdfplumber's `Table.extract` over words: a word belongs to the row and cell its centre falls in
    (pdfplumber asks it of each character), and a cell reads as pdfplumber's `extract_text` does:
    lines of words (tops within 3 points), each left to right."""
    from pdfplumber.utils import cluster_objects

    def inside(word: dict, bbox) -> bool:
        x0, top, x1, bottom = bbox
        v_mid, h_mid = (word["top"] + word["bottom"]) / 2, (word["x0"] + word["x1"]) / 2
        return x0 <= h_mid < x1 and top <= v_mid < bottom

    bbox = table.bbox  # a property pdfplumber computes on every call
    words = [w for w in words if inside(w, bbox)]  # every row lies within the table
    out = []
    for row in table.rows:
        row_words = [w for w in words if inside(w, row.bbox)]
        cells: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                cells.append(None)
                continue
            lines = cluster_objects([w for w in row_words if inside(w, cell)], "top", 3)
            cells.append("\n".join(" ".join(w["text"] for w in sorted(line, key=lambda w: w["x0"]))
                                   for line in lines))
        out.append(cells)
    return out


def _mark_pdf_furniture(pages: list[list[_Item]], heights: list[float]) -> None:
    """Lines in the top/bottom margin that recur (digits aside) on several pages, or bare page numbers."""
    rules = furniture_rules()
    margin = float(rules["pdf_margin"])
    page_number_only = re.compile(rules["page_number_only"], re.I)

    def key(text: str) -> str:
        return re.sub(r"\d+", "#", text.strip().lower())

    def candidates(items: list[_Item], height: float) -> list[_Item]:
        return [
            it for it in items
            if it.line.text
            and it.line.cells is None
            and (it.top < height * margin or it.bottom > height * (1 - margin))
        ]

    counts: Counter[str] = Counter()
    for items, height in zip(pages, heights, strict=True):
        counts.update({key(it.line.text) for it in candidates(items, height)})
    for items, height in zip(pages, heights, strict=True):
        for it in candidates(items, height):
            if (len(pages) > 1 and counts[key(it.line.text)] >= 2) or page_number_only.match(it.line.text):
                it.line = with_changes(it.line, furniture=True)


def _with_paragraph_breaks(pages: list[list[_Item]]) -> list[list[Line]]:
    """Number the lines and mark a paragraph break wherever the vertical gap is wider than a line gap.

    Heading sizes are read here too: a line clearly larger than the body text is a heading.
    """
    content = [[it for it in items if not it.line.furniture] for items in pages]
    sizes = [it.size for items in content for it in items if it.size]
    body = statistics.median(sizes) if sizes else 10.0
    gaps = [
        b.top - a.bottom
        for items in content
        for a, b in itertools.pairwise(items)
        if b.top - a.bottom > 0
    ]
    # The usual gap between lines of a paragraph: a low percentile, since in a short paper of
    # one-line paragraphs most gaps are paragraph breaks; and a gap of a whole line is always one.
    normal = statistics.quantiles(gaps, n=10)[0] if len(gaps) >= 10 else (min(gaps) if gaps else body * 0.3)
    threshold = max(body * 0.6, min(normal * 1.8, body * 1.1))
    first_tops = [items[0].top for items in content if items]
    usual_top = statistics.median(first_tops) if first_tops else 0.0
    out: list[list[Line]] = []
    bullet_x: float | None = None  # where the text of the bullet item being read starts (over a page break too)
    for page_no, items in enumerate(pages, start=1):
        lines: list[Line] = []
        last: _Item | None = None
        for item in items:
            line = item.line
            if not line.furniture:
                gap_before = (item.top - last.bottom) if last is not None else (item.top - usual_top)
                # a line printed left of the bullet text above it ends that item, gap or no gap
                outdent = bullet_x is not None and line.marker is None and line.cells is None \
                    and item.x0 < bullet_x - body * 0.5
                if gap_before > threshold or outdent:
                    lines.append(Line(page_no, len(lines) + 1, "", "", blank=True))
                    bullet_x = None
                if line.marker is not None:
                    bullet_x = item.x0
                elif line.cells is not None or bullet_x is None or item.x0 < bullet_x - body * 0.5:
                    bullet_x = None
                last = item
            changes: dict = {"number": len(lines) + 1}
            if item.size >= body * 1.3 and line.cells is None and not line.furniture:
                changes["heading_level"] = 1 if item.size >= body * 1.6 else 2
            lines.append(with_changes(line, **changes))
        out.append(lines)
    return out
