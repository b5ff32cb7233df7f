"""HTML reader (lxml): committee-system and council web pages into the same `Line`s as the other readers.

The page's content is found (`content_selectors` in rules/html.yaml), its furniture dropped
(navigation, cookie banners, footers, scripts), and the DOM walked in order: headings carry their
level, `li` items their marker and nesting, data tables their cells, and every block element ends
with a paragraph break, so a page that prints one line per paragraph keeps its structure.
Provenance: a line's number is the source line of the element it came from (several lines can
share one in a page written on few lines); the page is page 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from extractors.blocks import build_blocks
from extractors.cleaning import bullet_line, clean_text, normalise_glyphs, strip_leader
from extractors.limits import Limits, default_limits
from extractors.model import Document, Line, Page, UnreadableDocument
from extractors.readers.common import furniture_rules, row_text, sha256_of, too_many_lines
from extractors.rulebook import load_yaml

SUFFIXES = (".html", ".htm", ".xhtml")
_SNIFF = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
INLINE = {"a", "span", "strong", "b", "em", "i", "u", "small", "big", "sub", "sup", "abbr", "acronym", "cite", "code",
          "font", "label", "time", "mark", "q", "s", "strike", "del", "ins", "br", "wbr", "tt", "var", "kbd", "samp",
          "bdi", "bdo", "data", "dfn", "nobr"}
BOLD = {"strong", "b"}
LISTS = {"ul", "ol", "menu", "dir"}
_ORDINAL = re.compile(r"^\s*(?:st|nd|rd|th)\s*$", re.I)


def sniff(head: bytes) -> bool:
    return bool(_SNIFF.match(head.lstrip(b"\xef\xbb\xbf")))


@cache
def _rules() -> dict:
    raw = load_yaml("html.yaml")
    return {
        **raw,
        "drop_id_class_words": {w.lower() for w in raw["drop_id_class_words"]},
        "content_id": re.compile(raw["content_id"], re.I),
        "drop_lines": [re.compile(p, re.I) for p in furniture_rules()["web_lines"]],
        "link_size_suffix": re.compile(raw["link_size_suffix"], re.I),
    }


def decode_html(data: bytes) -> str:
    """Bytes as text: a BOM, else UTF-8 if the bytes are valid UTF-8 (a page saved again as UTF-8 often
    keeps its old Windows-1252 declaration), else the charset the page declares, else Windows-1252."""
    from extractors.readers.text import decode_text

    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w-]+)", data[:4096], re.I)
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


@dataclass
class _Out:
    """Lines as they are emitted, with paragraph breaks between blocks."""

    lines: list[Line] = field(default_factory=list)
    last_number: int = 1

    def brk(self) -> None:
        if self.lines and not self.lines[-1].blank:
            self.lines.append(Line(1, self.last_number, "", "", blank=True))

    def add(self, number: int | None, raw: str, **hints) -> None:
        number = number or self.last_number
        self.last_number = number
        cells = hints.get("cells")
        text = row_text(cells) if cells is not None else strip_leader(clean_text(raw))
        if not text:
            return
        rules = _rules()
        if cells is None:
            text = rules["link_size_suffix"].sub("", text)
            if not text or any(p.search(text) for p in rules["drop_lines"]):
                return
            typed = bullet_line().match(text) if "marker" not in hints and "heading_level" not in hints else None
            if typed:  # a bullet typed into a paragraph ("- Hate crime", "·  Road safety")
                hints = {**hints, "marker": typed.group("marker")}
                text = typed.group("rest")
        self.lines.append(Line(1, number, raw.strip(), text, **hints))


def _classes(el) -> list[str]:
    return (el.get("class") or "").split()


def _is_furniture(el, rules: dict) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag.lower() in rules["drop_tags"]:
        return True
    if (el.get("role") or "").lower() in rules["drop_roles"]:
        return True
    if el.get("aria-hidden") == "true" or el.get("hidden") is not None:
        return True
    words = {w for name in [el.get("id") or "", *_classes(el)] for w in _name_words(name)}
    return bool(words & rules["drop_id_class_words"])


def _name_words(name: str) -> list[str]:
    """'cookieNotice' -> ['cookie', 'notice']; 'skip-link' -> ['skip', 'link']; 'skiplink' stays one word."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [w.lower() for w in re.split(r"[-_\s]+", spaced) if w]


def _drop_furniture(root, rules: dict) -> None:
    for el in list(root.iter()):
        if not isinstance(el.tag, str):  # comments, processing instructions
            if el.getparent() is not None:
                el.drop_tree()
            continue
        if el.getparent() is not None and _is_furniture(el, rules):
            el.drop_tree()


def _select(root, selector: str):
    if selector.startswith("#"):
        found = root.xpath("//*[@id=$v]", v=selector[1:])
    elif selector.startswith("."):
        found = root.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), $v)]", v=f" {selector[1:]} ")
    elif selector.startswith("[role="):
        found = root.xpath("//*[@role=$v]", v=selector[6:-1])
    else:
        found = root.xpath(f"//{selector}")
    return found[0] if found else None


def _inline_text(el, keep_tail: bool = False) -> str:
    """The text of an inline element (line breaks for <br>); footnote superscripts dropped, ordinals kept."""
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    parts: list[str] = []
    if tag == "br":
        parts.append("\n")
    elif tag == "sup" and not _ORDINAL.match(el.text_content() or ""):
        pass
    else:
        parts.append(el.text or "")
        for child in el:
            parts.append(_inline_text(child, keep_tail=True))
    if keep_tail:
        parts.append(el.tail or "")
    return "".join(parts)


def _is_block(el) -> bool:
    return isinstance(el.tag, str) and el.tag.lower() not in INLINE


def _only_bold(nodes: list) -> bool:
    """An inline run that is all <strong>/<b> (bar whitespace): a bold line."""
    texts = [n for n in nodes if isinstance(n, str)]
    elements = [n for n in nodes if not isinstance(n, str)]
    return bool(elements) and not any(t.strip() for t in texts) and all(
        isinstance(e.tag, str) and e.tag.lower() in BOLD for e in elements if (e.text_content() or "").strip()
    )


def _emit_run(out: _Out, nodes: list, number: int | None, **hints) -> None:
    """A run of inline content: one line per <br>-separated piece; an empty piece (<br><br>) is a
    paragraph break, as it shows on the page."""
    text = "".join(n if isinstance(n, str) else _inline_text(n) for n in nodes)
    bold = _only_bold(nodes)
    pieces = text.split("\n")
    for i, piece in enumerate(pieces):
        if not piece.strip():
            if 0 < i < len(pieces) - 1:
                out.brk()
            continue
        line_bold = bold or _bold_piece(nodes, piece)
        out.add(number, piece, bold=line_bold, **hints)


def _bold_piece(nodes: list, piece: str) -> bool:
    """A <br>-separated piece that is all one <b>/<strong> element ('<b>Section 4: ...</b><br>')."""
    target = clean_text(piece)
    return bool(target) and any(
        not isinstance(n, str) and isinstance(n.tag, str) and n.tag.lower() in BOLD
        and clean_text(_inline_text(n)) == target
        for n in nodes)


def _walk_container(el, out: _Out, depth: int) -> None:
    """Inline runs between block children become paragraphs; block children are walked."""
    run: list = []
    run_line: list[int | None] = [getattr(el, "sourceline", None)]

    def flush() -> None:
        if any((n if isinstance(n, str) else n.text_content()).strip() for n in run):
            out.brk()
            _emit_run(out, run, run_line[0])
            out.brk()
        run.clear()

    if el.text:
        run.append(el.text)
    for child in el:
        if _is_block(child):
            flush()
            _walk(child, out, depth)
            run_line[0] = child.sourceline
            if child.tail and child.tail.strip():
                run.append(child.tail)
        else:
            if not run:
                run_line[0] = child.sourceline
            run.append(child)
            if child.tail:
                run.append(child.tail)
    flush()


def _walk_list(el, out: _Out, depth: int) -> None:
    ordered = el.tag.lower() == "ol"
    try:
        n = int(el.get("start") or 1)
    except ValueError:
        n = 1
    out.brk()
    for li in el:
        if not isinstance(li.tag, str) or li.tag.lower() != "li":
            if isinstance(li.tag, str) and _is_block(li):
                _walk(li, out, depth)
            continue
        inline = [li.text or ""]
        nested = []
        for child in li:
            if _is_block(child):
                nested.append(child)
            elif not nested:
                inline.append(child)
                inline.append(child.tail or "")
        text = "".join(x if isinstance(x, str) else _inline_text(x) for x in inline)
        pieces = [p for p in (clean_text(p) for p in text.split("\n")) if p]
        if not pieces and nested:  # <li><p>Item</p></li>: the first paragraph is the item
            first = nested.pop(0)
            pieces = [p for p in (clean_text(p) for p in _inline_text(first).split("\n")) if p]
        marker = f"{n}." if ordered else "•"
        for i, piece in enumerate(pieces):
            typed = bullet_line().match(normalise_glyphs(piece))
            if typed and i == 0:
                piece = typed.group("rest")  # a glyph typed into the item as well
            hints = {"marker": marker, "indent": 2 * depth} if i == 0 else {"indent": 2 * depth + 2}
            out.add(li.sourceline, piece, **hints)
        n += 1
        for child in nested:
            _walk(child, out, depth + 1)
    out.brk()


def _is_layout_table(table, rules: dict) -> bool:
    for cell in table.iter("td", "th"):
        if any(_is_block(c) and c.tag.lower() not in ("br",) for c in cell):
            return True
        if len(cell.text_content() or "") > int(rules["layout_cell_chars"]):
            return True
    return False


def _rows(table) -> list:
    return [tr for tr in table.iter("tr") if tr.getparent() is not None and _nearest_table(tr) is table]


def _nearest_table(el):
    parent = el.getparent()
    while parent is not None and parent.tag.lower() != "table":
        parent = parent.getparent()
    return parent


def _walk_table(table, out: _Out, depth: int) -> None:
    rules = _rules()
    out.brk()
    if _is_layout_table(table, rules):
        for tr in _rows(table):
            for cell in tr:
                if isinstance(cell.tag, str) and cell.tag.lower() in ("td", "th"):
                    _walk_container(cell, out, depth)
        out.brk()
        return
    caption = table.find("caption")
    if caption is not None:
        out.add(caption.sourceline, _inline_text(caption))
        out.brk()
    for tr in _rows(table):
        cells = [clean_text(_inline_text(c).replace("\n", " ")) for c in tr if isinstance(c.tag, str)
                 and c.tag.lower() in ("td", "th")]
        if any(cells):
            out.add(tr.sourceline, "\t".join(cells), cells=tuple(cells))
    out.brk()


def _walk(el, out: _Out, depth: int = 0) -> None:
    if not isinstance(el.tag, str):
        return
    tag = el.tag.lower()
    if tag in HEADINGS:
        out.brk()
        for piece in _inline_text(el).split("\n"):
            out.add(el.sourceline, piece, heading_level=HEADINGS[tag], bold=True)
        out.brk()
    elif tag in LISTS:
        _walk_list(el, out, depth)
    elif tag == "table":
        _walk_table(el, out, depth)
    elif tag in ("p", "dt", "dd", "caption", "figcaption", "address", "pre", "summary", "legend"):
        if any(_is_block(c) for c in el):
            _walk_container(el, out, depth)
            return
        out.brk()
        _emit_run(out, [el.text or "", *[x for c in el for x in (c, c.tail or "")]], el.sourceline)
        out.brk()
    elif tag == "hr":
        out.brk()
    else:  # div, section, article, main, body, blockquote, header, li outside a list ...
        _walk_container(el, out, depth)


def read_html(data: bytes, source_path: str, limits: Limits | None = None) -> Document:
    import lxml.html
    from lxml import etree

    limits = limits or default_limits()
    if len(data) > limits.max_text_bytes:
        raise limits.refuse(f"too large for one paper: {len(data):,} bytes of HTML", "max_text_bytes", " bytes")
    text = decode_html(data)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as err:
        raise UnreadableDocument(f"unreadable HTML: {err}") from None
    rules = _rules()
    title = clean_text(" ".join(root.xpath("//title//text()")))
    _drop_furniture(root, rules)
    content = next((el for el in (_select(root, s) for s in rules["content_selectors"]) if el is not None), None)
    if content is None:
        content = next((el for el in root.iter() if isinstance(el.tag, str)
                        and rules["content_id"].search(el.get("id") or "")), None)
    body = root.find("body")
    out = _Out()
    if title:
        # The page title names the meeting on committee-system pages; not part of the text flow.
        out.lines.append(Line(1, 1, title, title, furniture=True))
    _walk(content if content is not None else (body if body is not None else root), out)
    lines = [ln for ln in out.lines if not (ln.blank and ln is out.lines[0])]
    while lines and lines[-1].blank:
        lines.pop()
    too_many_lines(len(lines), limits)
    if not any(ln.text and not ln.furniture for ln in lines):
        raise UnreadableDocument("no text: the page has no content outside its navigation and furniture")
    return Document(
        source_path=source_path,
        sha256=sha256_of(data),
        source_format="html",
        pages=(Page(1, tuple(lines)),),
        blocks=build_blocks(lines),
    )
