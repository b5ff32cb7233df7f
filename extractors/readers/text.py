"""Text reader: plain text, markdown and PDF-to-text renditions (bytes in, a Document out).

Reads the markup such renditions carry (markdown headings and tables, tab-separated rows, bullet
markers, running footers typed as text, tables typed with aligned spaces) into `Line`s with layout
hints for the shared block builder.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Sequence

from extractors.blocks import build_blocks
from extractors.cleaning import bullet_line, collapse_spaces, normalise_glyphs, strip_leader, strip_markup
from extractors.limits import Limits, default_limits
from extractors.model import Document, Line, Page, UnreadableDocument
from extractors.readers.common import (
    clean_cells,
    furniture_rules,
    row_text,
    sha256_of,
    too_many_lines,
    too_many_pages,
    with_changes,
)

SUFFIXES = (".txt", ".md", ".markdown", ".text")


_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


# Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a BOM), UTF-16/32 with a BOM, else Windows-1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as err:
                raise UnreadableDocument(
                    f"undecodable text: starts with a {encoding.upper().removesuffix('-SIG')} byte-order mark but "
                    f"is not {encoding.upper().removesuffix('-SIG')} ({err.reason} at byte {err.start})"
                ) from None
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


# A line that opens a numbered or lettered list item: "1. Anti Social Behaviour", "a. Youths hanging around".
_LISTED = re.compile(r"^(?:\(?\d{1,2}[.)]|\(?[a-z][.)]|\(?[ivx]{1,4}[.)])\s+\S")


def is_line_per_paragraph(raw_lines: Sequence[str]) -> bool:
    """A web page saved as text: one line per paragraph, few or no blank lines, no hard wraps.

    Hard-wrapped text (a PDF-to-text rendition) continues sentences on the next line in lower
    case; a saved page does not, and has lines far longer than any wrap width.
    """
    rules = furniture_rules()["line_per_paragraph"]
    content = [ln for ln in raw_lines if ln.strip()]
    if not content or max(len(ln.strip()) for ln in content) <= int(rules["min_longest_line"]):
        return False
    blanks = sum(1 for ln in raw_lines if not ln.strip())
    pairs = [(a, b) for a, b in itertools.pairwise(raw_lines) if a.strip() and b.strip()]
    wrapped = sum(1 for a, b in pairs if not _SENTENCE_END.search(a) and b.strip()[:1].islower())
    return (blanks <= float(rules["max_blank_share"]) * len(content)
            and wrapped <= float(rules["max_wrapped_share"]) * max(1, len(pairs)))


_SENTENCE_END = re.compile(r"[.:;!?]\s*$")


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
        tabbed = "\t" in body.strip(" ")
        cells = body.strip(" ").split("\t") if tabbed else body.strip().strip("|").split("|")
        cleaned_cells = clean_cells(cells)
        return Line(page, number, raw, row_text(cleaned_cells), indent=indent, cells=cleaned_cells)
    heading = _MD_HEADING.match(body)
    if heading:
        heading_level = len(heading.group(1))
        body = heading.group(2)
    marker = None
    bullet = bullet_line().match(body)
    if bullet and not heading_level:
        marker = bullet.group("marker")
        indent = len(bullet.group("indent").expandtabs(4))
        body = bullet.group("rest")
    text, bold = strip_markup(body)
    text = strip_leader(collapse_spaces(text))
    if not text:
        return Line(page, number, raw, "", blank=True)
    return Line(page, number, raw, text, indent=indent, bold=bold, heading_level=heading_level, marker=marker)


def _mark_text_furniture(lines: list[Line]) -> list[Line]:
    """Running footers in text renditions: 'DRAFT Version 6.0     25' and its companions."""
    rules = furniture_rules()
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
            short = not ln.blank and len(ln.text.split()) <= max_words
            if short and companion.search(ln.text) and not ln.text.rstrip().endswith("."):
                furniture.add(j)
    return [with_changes(ln, furniture=True) if i in furniture else ln for i, ln in enumerate(lines)]


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
            out[i] = with_changes(out[i], bold=True)
            out[i + 1] = with_changes(out[i + 1], bold=True)
    return out


_ALIGN_GAP = re.compile(r"(?<=\S) {3,}(?=\S)")


def _aligned_columns(lines: list[Line]) -> list[Line]:
    """An unruled table typed with spaces: a run of at least three lines whose wide gaps line up.

    Each line of the run must have a gap of three or more spaces, and at least one
    column position must fall inside a gap on every line; the lines are then cut
    into cells at those shared gaps.
    """
    out = list(lines)

    def eligible(line: Line) -> bool:
        return (
            not line.blank and line.cells is None and line.marker is None and not line.heading_level
            and bool(_ALIGN_GAP.search(line.raw.rstrip()))
        )

    i = 0
    while i < len(out):
        j = i
        while j < len(out) and eligible(out[j]):
            j += 1
        if j - i >= 3:
            raws = [ln.raw.rstrip().expandtabs(4) for ln in out[i:j]]
            gap_sets = [
                {p for m in _ALIGN_GAP.finditer(raw) for p in range(m.start(), m.end())} for raw in raws
            ]
            shared = sorted(set.intersection(*gap_sets))
            if shared:
                # Separators: runs of consecutive shared positions.
                cuts: list[int] = []
                for p in shared:
                    if not cuts or p != cuts[-1] + 1:
                        cuts.append(p)
                    else:
                        cuts[-1] = p
                for k, raw in enumerate(raws):
                    cells, start = [], 0
                    for cut in cuts:
                        cells.append(raw[start:cut])
                        start = cut
                    cells.append(raw[start:])
                    cleaned = clean_cells(cells)
                    out[i + k] = with_changes(out[i + k], cells=cleaned, text=row_text(cleaned))
        i = max(j, i + 1)
    return out



def read_text(data: bytes, source_path: str, limits: Limits | None = None) -> Document:
    limits = limits or default_limits()
    if len(data) > limits.max_text_bytes:
        raise limits.refuse(f"too large for one paper: {len(data):,} bytes of text", "max_text_bytes", " bytes")
    text = decode_text(data)
    if not text.strip():
        raise UnreadableDocument("no text: the file is empty or whitespace only")
    raw_pages = text.replace("\r\n", "\n").replace("\r", "\n").split("\f")
    too_many_pages(len(raw_pages), limits)
    all_raw = [ln for page in raw_pages for ln in page.split("\n")]
    too_many_lines(len(all_raw), limits)
    double_spaced = _is_double_spaced(all_raw)
    one_per_line = not double_spaced and is_line_per_paragraph(all_raw)
    web_furniture = [re.compile(p, re.I) for p in furniture_rules()["web_lines"]]
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
            if "|" in raw and _PIPE_SEPARATOR.match(raw):
                continue  # the |---|---| rule under a markdown table header
            line = text_line(page_no, number, raw)
            if one_per_line:
                last = page_lines[-1] if page_lines else None
                if last is not None and not last.blank and not (_LISTED.match(last.text) and _LISTED.match(line.text)):
                    # each line its own paragraph; a numbered list's lines stay together
                    page_lines.append(Line(page_no, number, "", "", blank=True))
                if any(p.search(line.text) for p in web_furniture):
                    line = with_changes(line, furniture=True)
            page_lines.append(line)
        page_lines = _mark_text_furniture(_aligned_columns(_bold_across_lines(page_lines)))
        pages.append(Page(page_no, tuple(page_lines)))
        all_lines.extend(page_lines)
    return Document(
        source_path=source_path,
        sha256=sha256_of(data),
        source_format="text",
        pages=tuple(pages),
        blocks=build_blocks(all_lines),
    )

