"""The fast PDF text path: a page's words, fonts and positions from PDFium's text page (pypdfium2,
already installed as pdfplumber's own dependency), in the shape pdfplumber's `extract_words` gives.

pdfplumber lays every character out in Python (pdfminer); PDFium does it in C. The words are read
from PDFium's character list: one call for the page's text, then a few calls per word (its first
character's box, font size and font name, its last character's box), and one per character to find
where a word changes font (a superscript, a bold run inside a line). Positions follow pdfminer's
conventions: `top`/`bottom` measured down from the media box's top, a box one font size high
sitting on the font's descent, so the layout rules downstream read both paths alike.

`page_words` answers None with a reason when this path should not be trusted on a page (nothing read
but text drawn, characters PDFium could not map to Unicode, rotated text); the reader then reads
that page with pdfplumber and says so. A page that may hold a ruled table (a path that is a box, or
rules across and down) is pdfplumber's too: its table finder is what this reader uses tables for.
"""

from __future__ import annotations

import ctypes
import math
import re
import threading
from dataclasses import dataclass
from functools import cache

# PDFium page-object types (fpdf_edit.h)
_TEXT, _PATH, _FORM = 1, 2, 5
_THIN = 3.0  # a path this thin (points) across one side is a rule, not a box
_FONT_NAME_BYTES = 256
_WORD = re.compile(r"\S+")
# Characters PDFium hands out when it cannot map a glyph to Unicode (and its mark for a line-end hyphen).
_UNMAPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd\ufffe]")
_SURROGATE = re.compile("[\ud800-\udfff]")


# PDFium is not thread-safe: one thread in it at a time, in any process (the parse runs in processes;
# this guards a caller that reads PDFs from several threads, e.g. a threaded Dask worker).
PDFIUM_LOCK = threading.RLock()


@dataclass(frozen=True)
class FastVerdict:
    """What the fast path read on a page: its words, or why pdfplumber should read it instead.
    `table`: the page may hold a ruled table (pdfplumber by design, not a fault of the fast path)."""

    words: list[dict] | None
    why: str | None = None
    table: bool = False


class PdfiumPages:
    """One open PDFium document: words of its pages, one page at a time (closed as read)."""

    def __init__(self, data: bytes):
        import pypdfium2

        with PDFIUM_LOCK:
            self._doc = pypdfium2.PdfDocument(data)
        self._font = ctypes.create_string_buffer(_FONT_NAME_BYTES)
        self._flags = ctypes.c_int()

    def __len__(self) -> int:
        return len(self._doc)

    def close(self) -> None:
        with PDFIUM_LOCK:
            self._doc.close()

    def page_words(self, index: int, origin: tuple[float, float]) -> FastVerdict:
        """`origin`: the media box's left and top in PDF units (as pdfminer resolves it, inherited
        from the page tree where the page has none), the point pdfplumber measures from."""
        import pypdfium2.raw as pdfium_c

        with PDFIUM_LOCK:
            return self._page_words(index, origin, pdfium_c)

    def _page_words(self, index: int, origin: tuple[float, float], pdfium_c) -> FastVerdict:
        page = pdfium_c.FPDF_LoadPage(self._doc.raw, index)
        if not page:
            return FastVerdict(None, "PDFium could not load the page")
        try:
            if pdfium_c.FPDFPage_GetRotation(page) % 4:
                return FastVerdict(None, "the page is rotated")
            table = _may_hold_ruled_table(page, pdfium_c)
            textpage = pdfium_c.FPDFText_LoadPage(page)
            if not textpage:
                return FastVerdict(None, "PDFium could not read the page's text")
            try:
                verdict = self._words(textpage, page, origin, pdfium_c)
                return FastVerdict(verdict.words, table=True) if table and verdict.words is not None else verdict
            finally:
                pdfium_c.FPDFText_ClosePage(textpage)
        finally:
            pdfium_c.FPDF_ClosePage(page)

    def _words(self, tp, page, origin, pdfium_c) -> FastVerdict:
        count = pdfium_c.FPDFText_CountChars(tp)
        if count <= 0:
            drawn = _count_objects(page, pdfium_c, _TEXT)
            return FastVerdict([]) if not drawn else FastVerdict(None, f"no text read but {drawn} text objects drawn")
        chars = _page_text(tp, count, pdfium_c)
        if chars is None:
            return FastVerdict(None, "characters outside the Basic Multilingual Plane")
        line_ends: set[int] = set()  # PDFium does not break the line after a hyphen that ends it
        for odd in _UNMAPPED.finditer(chars):
            i = odd.start()
            if odd.group() in "\x02\ufffe" and pdfium_c.FPDFText_IsHyphen(tp, i):
                chars = chars[:i] + "-" + chars[i + 1:]  # PDFium's mark for a hyphen that ends a line
                line_ends.add(i + 1)
            else:
                return FastVerdict(None, "characters with no Unicode mapping")
        object_of = _object_address(pdfium_c)
        fonts: dict[int, tuple[str, float, bool]] = {}  # per text object: font name, size, upright

        def font_of(i: int, obj: int) -> tuple[str, float, bool]:
            if obj not in fonts:
                fonts[obj] = self._font_of(tp, i, pdfium_c)
            return fonts[obj]

        rect = pdfium_c.FS_RECTF()
        words: list[dict] = []
        for match in _WORD.finditer(chars):  # pdfplumber splits words at whatever str.isspace() says
            start, end = match.span()
            for cut in sorted(i for i in line_ends if start < i < end) if line_ends else ():
                words += self._words_between(tp, chars, start, cut, object_of, font_of, origin, rect, pdfium_c)
                start = cut
            words += self._words_between(tp, chars, start, end, object_of, font_of, origin, rect, pdfium_c)
        if any(not word["upright"] for word in words):
            return FastVerdict(None, "rotated or vertical text")
        return FastVerdict(words)

    def _words_between(self, tp, chars, start, end, object_of, font_of, origin, rect, pdfium_c) -> list[dict]:
        """Characters start..end (no space among them) as pdfplumber's words: one word, or several where
        the font name or size changes (a superscript, a bold run); the text objects they come from
        tell where it may."""
        first = object_of(tp, start)
        last = object_of(tp, end - 1) if end - start > 1 else first
        font = font_of(start, first)
        if first == last:
            return [self._word(tp, chars, start, end, font, origin, rect, pdfium_c)]
        out: list[dict] = []
        run_start, previous = start, first
        for i in range(start + 1, end):
            obj = object_of(tp, i)
            if obj != previous:
                next_font = font_of(i, obj)
                if next_font != font:
                    out.append(self._word(tp, chars, run_start, i, font, origin, rect, pdfium_c))
                    run_start, font = i, next_font
                previous = obj
        out.append(self._word(tp, chars, run_start, end, font, origin, rect, pdfium_c))
        return out

    def _font_of(self, tp, i, pdfium_c) -> tuple[str, float, bool]:
        pdfium_c.FPDFText_GetFontInfo(tp, i, self._font, _FONT_NAME_BYTES, ctypes.byref(self._flags))
        angle = pdfium_c.FPDFText_GetCharAngle(tp, i)
        upright = min(abs(angle), abs(2 * math.pi - angle)) < 0.01
        return self._font.value.decode("latin-1"), float(pdfium_c.FPDFText_GetFontSize(tp, i)), upright

    @staticmethod
    def _word(tp, chars, start, end, font, origin, rect, pdfium_c) -> dict:
        fontname, size, upright = font
        left, mb_top = origin
        pdfium_c.FPDFText_GetLooseCharBox(tp, start, rect)
        x0, low = rect.left, rect.bottom
        if end - start > 1:
            pdfium_c.FPDFText_GetLooseCharBox(tp, end - 1, rect)
        bottom = mb_top - low
        return {"text": chars[start:end], "x0": x0 - left, "x1": rect.right - left, "top": bottom - size,
                "bottom": bottom, "fontname": fontname, "size": size, "upright": upright}


@cache
def _object_address(pdfium_c):
    """FPDFText_GetTextObject answering the object's address as an int (pypdfium2's binding answers a
    typed pointer, which costs a cast per character to compare)."""
    address = ctypes.cast(pdfium_c.FPDFText_GetTextObject, ctypes.c_void_p).value
    return ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)(address)


def _page_text(tp, count: int, pdfium_c) -> str | None:
    """The page's characters, one per PDFium character (None when some lie outside the BMP, which
    PDFium hands out as two UTF-16 units)."""
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium_c.FPDFText_GetText(tp, 0, count, buffer)
    if written - 1 == count:
        text = ctypes.string_at(buffer, 2 * count).decode("utf-16-le", errors="surrogatepass")
        if len(text) == count and not _SURROGATE.search(text):
            return text
    codes = [pdfium_c.FPDFText_GetUnicode(tp, i) for i in range(count)]
    return None if any(c > 0xFFFF or 0xD800 <= c <= 0xDFFF for c in codes) else "".join(map(chr, codes))


def _objects(container, pdfium_c, form: bool = False):
    count_fn = pdfium_c.FPDFFormObj_CountObjects if form else pdfium_c.FPDFPage_CountObjects
    get_fn = pdfium_c.FPDFFormObj_GetObject if form else pdfium_c.FPDFPage_GetObject
    for i in range(max(0, count_fn(container))):
        obj = get_fn(container, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == _FORM:
            yield from _objects(obj, pdfium_c, form=True)
        else:
            yield obj, kind


def _count_objects(page, pdfium_c, kind: int) -> int:
    return sum(1 for _, k in _objects(page, pdfium_c) if k == kind)


def _may_hold_ruled_table(page, pdfium_c) -> bool:
    """Paths that could make a ruled table, the way pdfplumber's `lines` strategy finds one: any path
    wider and taller than a rule (a box, a grid, a shaded cell), or rules both across and down."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    across = down = False
    for obj, kind in _objects(page, pdfium_c):
        if kind != _PATH:
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            return True  # cannot tell: let pdfplumber look
        width, height = right.value - left.value, top.value - bottom.value
        if width > _THIN and height > _THIN:
            return True
        across |= width > _THIN
        down |= height > _THIN
        if across and down:
            return True
    return False
