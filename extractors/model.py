"""The parsed-document model every extractor reads.

A document is pages of lines; lines are grouped into blocks (headings, bullet
items, paragraphs, tables). Every line and block keeps its page, its line
number(s) and the raw text it came from, so any record built on top of a block
can say exactly where it was printed.

Line numbers: for text input they are line numbers in the file (counted across
form-feed pages); for PDF input they count lines within the page, table rows
included, in reading order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "bullet", "paragraph", "table"]


class UnreadableDocument(Exception):
    """The input cannot be turned into a document; `reason` says why in one line."""

    def __init__(self, reason: str):
        # one printable line, whatever a library put in its message
        reason = " ".join("".join(ch if ch.isprintable() else " " for ch in reason).split())
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Line:
    """One printed line after artefact cleaning, with the reader's layout hints."""

    page: int
    number: int
    raw: str
    text: str
    indent: int = 0
    bold: bool = False
    heading_level: int = 0  # explicit heading markup (markdown '#', large font); 0 = none
    marker: str | None = None  # bullet marker as printed ('-', '•', 'o', '1.'), '' for a lost glyph
    cells: tuple[str, ...] | None = None  # table row cells, for tab/pipe rows and PDF tables
    blank: bool = False  # a paragraph break (empty line, or vertical gap in a PDF)
    furniture: bool = False  # running header/footer, page number: not part of the text flow


@dataclass(frozen=True)
class TableRow:
    cells: tuple[str, ...]
    page: int
    line: int
    source_text: str


@dataclass(frozen=True)
class Block:
    """A recognised unit of text with its provenance."""

    kind: BlockKind
    text: str
    page: int
    line_start: int
    line_end: int
    source_text: str
    level: int = 0  # heading level (1 = top) or bullet nesting depth (0 = top)
    number: str | None = None  # section number as printed, e.g. '4.0', '6.5', '3.2'
    marker: str | None = None  # bullet marker; '' when the list had no visible glyph
    rows: tuple[TableRow, ...] = ()
    lines: tuple[Line, ...] = field(default=(), repr=False, compare=False)

    @property
    def line_span(self) -> tuple[int, int]:
        return (self.line_start, self.line_end)


@dataclass(frozen=True)
class Page:
    number: int
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Document:
    """A parsed document: the input every extractor works on."""

    source_path: str
    sha256: str
    source_format: Literal["text", "pdf", "html"]
    pages: tuple[Page, ...]
    blocks: tuple[Block, ...]
    reader_notes: tuple[str, ...] = ()  # how the reader read it, where that differs from its usual way

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for page in self.pages for line in page.lines)

    @property
    def furniture(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.furniture)
