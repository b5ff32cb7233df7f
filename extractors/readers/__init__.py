"""Readers: a paper's bytes in, a parsed `Document` out, one module per format.

`REGISTRY` is the one place that knows the formats: their suffixes, how to recognise them from
their first bytes, the function that reads them, and what the result depends on (files under
extractors/, libraries), which the parse cache fingerprints. Adding a format is a module in this
package and one entry here; reading, hashing (which files a run accepts) and the cache follow.

Readers are pure: they take the file's bytes and its path (for provenance) and do no I/O of their
own. Bad input raises `UnreadableDocument` with a reason a person can act on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from extractors.limits import Limits, default_limits
from extractors.model import Document, UnreadableDocument
from extractors.readers import html, pdf, text
from extractors.readers.common import sha256_of
from extractors.readers.pdf import check_page_content
from extractors.readers.text import decode_text, read_text

__all__ = ["REGISTRY", "Reader", "UnreadableDocument", "check_page_content", "decode_text", "read_document",
           "read_text", "reader_for", "sha256_of", "supported_suffixes"]

EXTRACTORS = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Reader:
    name: str
    suffixes: tuple[str, ...]
    sniff: Callable[[bytes], bool]  # recognises the format from the file's first bytes
    read: Callable[[bytes, str, Limits], Document]
    depends_on: tuple[str, ...] = ()  # rule files under extractors/ besides the shared ones
    libraries: tuple[str, ...] = ()  # whose versions change what is read


def _never(head: bytes) -> bool:
    return False


# Tried in order: content first (a PDF named .txt is a PDF), then suffix.
REGISTRY: tuple[Reader, ...] = (
    Reader("pdf", pdf.SUFFIXES, pdf.sniff, pdf.read_pdf, libraries=("pdfplumber", "pdfminer", "pypdfium2")),
    Reader("html", html.SUFFIXES, html.sniff, html.read_html, depends_on=("rules/html.yaml",), libraries=("lxml",)),
    Reader("text", text.SUFFIXES, _never, text.read_text),
)
# What every reader's output depends on: the package itself, the block builder, cleaning, the model, limits.
SHARED = ("readers", "blocks.py", "cleaning.py", "model.py", "rulebook.py", "limits.py", "rules/layout.yaml",
          "rules/homoglyphs.yaml", "rules/limits.yaml")
SNIFF_BYTES = 1024


def supported_suffixes() -> tuple[str, ...]:
    return tuple(s for r in REGISTRY for s in r.suffixes)


def reader_for(source_path: str, head: bytes = b"") -> Reader | None:
    """The reader for a file: recognised by its first bytes, else by its suffix; None if neither."""
    for reader in REGISTRY:
        if head and reader.sniff(head[:SNIFF_BYTES]):
            return reader
    suffix = PurePosixPath(source_path.lower()).suffix
    return next((r for r in REGISTRY if suffix in r.suffixes), None)


def unsupported(source_path: str) -> str:
    suffix = PurePosixPath(source_path).suffix or "(none)"
    return f"unsupported file type '{suffix}': csa reads {', '.join(supported_suffixes())}"


def read_document(data: bytes, source_path: str, limits: Limits | None = None) -> Document:
    """Read a paper with the reader its content or suffix calls for. `limits`: default rules/limits.yaml."""
    if not data:
        raise UnreadableDocument("empty file (0 bytes)")
    reader = reader_for(source_path, data)
    if reader is None:
        raise UnreadableDocument(unsupported(source_path))
    return reader.read(data, source_path, limits or default_limits())


def fingerprint_inputs() -> tuple[list[Path], list[str]]:
    """The files (under extractors/) and libraries every reading depends on, for the parse cache."""
    files: set[Path] = set()
    for name in SHARED + tuple(d for r in REGISTRY for d in r.depends_on):
        path = EXTRACTORS / name
        files.update(p for p in path.rglob("*.py")) if path.is_dir() else files.add(path)
    return sorted(files), sorted({lib for r in REGISTRY for lib in r.libraries})
