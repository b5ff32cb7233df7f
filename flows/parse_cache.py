"""Parsed and extracted documents cached by content hash, so a file is read once.

Two levels, each keyed by the file's SHA-256 and a fingerprint of the code and
rules that produced it:

- `parsed/`: the reader's `Document` (pages, lines, blocks). Its fingerprint covers
  what the readers' registry says reading depends on: the readers, the block builder,
  the layout rules, and the libraries' versions (pdfplumber, lxml).
- `extracted/`: the `ExtractedDocument` (lists, leads, claims, ...). Its fingerprint
  covers everything under `extractors/`, rules included.
- `normalised/`: one body's normalisation (timeline, changes, links), keyed by what it
  was made from: the body, its papers (content ids, names, metadata), the curated links,
  and the code and rules of both the extractors and the normalisers. A run that adds a
  paper normalises its body again and reuses every other body's.

A change to a list or claim rule therefore re-extracts from the parsed copy
without reading a single PDF again; a change to the reader re-reads. `failed/`
remembers why a file was refused (keyed like `extracted/`), so a scanned PDF
left in the inbox is not re-parsed every week. Every key also carries the
fingerprint of the limits in force (rules/limits.yaml, or a caller's own), so a
file refused under one set of limits is tried again under another.

The cache is disposable: entries are written atomically, anything unreadable is
ignored and rewritten, and deleting the folder only costs time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from extractors.limits import Limits, default_limits
from extractors.pipeline import ExtractedDocument, extract_from
from extractors.readers import UnreadableDocument, fingerprint_inputs, read_document, reader_for, sha256_of

EXTRACTORS = Path(__file__).resolve().parent.parent / "extractors"
NORMALISERS = EXTRACTORS.parent / "normalisers"


def _digest(files: list[Path], *extra: str, base: Path = EXTRACTORS) -> str:
    h = hashlib.sha256()
    for path in files:
        h.update(path.relative_to(base).as_posix().encode())
        h.update(path.read_bytes())
    for value in extra:
        h.update(value.encode())
    return h.hexdigest()[:16]


@cache
def reader_fingerprint() -> str:
    """The readers' code and rules and their libraries' versions, as the readers' registry lists them."""
    import importlib
    from importlib.metadata import PackageNotFoundError, version

    def version_of(lib: str) -> str:
        found = getattr(importlib.import_module(lib), "__version__", None)
        if found is None:  # pypdfium2 keeps its own (and PDFium's) in its distribution's metadata
            try:
                found = version(lib)
            except PackageNotFoundError:
                found = "?"
        return str(found)

    files, libraries = fingerprint_inputs()
    return _digest(files, *(f"{lib}={version_of(lib)}" for lib in libraries))


@cache
def extractor_fingerprint() -> str:
    import spacy

    files = sorted(p for p in EXTRACTORS.rglob("*") if p.is_file() and p.suffix in (".py", ".yaml", ".jsonl", ".csv"))
    return _digest(files, reader_fingerprint(), spacy.__version__)


@dataclass(frozen=True)
class ParseCache:
    """Pickles under `root` (None: caching off)."""

    root: Path | None

    def _path(self, level: str, sha256: str, fingerprint: str) -> Path:
        assert self.root is not None
        return Path(self.root) / level / sha256[:2] / f"{sha256}-{fingerprint}.pickle"

    def load(self, level: str, sha256: str, fingerprint: str):
        if self.root is None:
            return None
        path = self._path(level, sha256, fingerprint)
        if _reading_ahead:
            _requested.add(path)
            if path in _prefetched:
                return _prefetched.pop(path)
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except FileNotFoundError:
            return None
        except Exception:  # truncated, or written by older code: a miss, and make room for a good copy
            path.unlink(missing_ok=True)
            return None

    def save(self, level: str, sha256: str, fingerprint: str, value) -> None:
        if self.root is None:
            return
        path = self._path(level, sha256, fingerprint)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a full disk or read-only cache costs speed, never the run

    def keep_only(self, level: str, kept: list[tuple[str, str]]) -> None:
        """Remove the level's entries other than these (key, fingerprint) ones."""
        if self.root is None:
            return
        wanted = {self._path(level, key, fingerprint) for key, fingerprint in kept}
        for old in (Path(self.root) / level).glob("*/*.pickle"):
            if old not in wanted:
                old.unlink(missing_ok=True)


# Entries read ahead by `prefetch` (path -> value), and the paths a run has asked for (which the
# read-ahead then skips). A dict and a set: their single operations are atomic under the GIL.
_prefetched: dict[Path, object] = {}
_requested: set[Path] = set()
_reading_ahead = False  # both kept only while a read-ahead is on (a served flow's runs keep neither)


def cache_root(cache_dir: str | Path | None, db_path: Path) -> Path | None:
    """The parse cache folder a run uses: `cache_dir`, None for 'off', else $CSA_CACHE_DIR or
    .csa-cache beside the warehouse."""
    if cache_dir == "off":
        return None
    if cache_dir:
        return Path(cache_dir)
    return Path(os.environ.get("CSA_CACHE_DIR") or Path(db_path).parent / ".csa-cache")


def prefetch(items: list[tuple[str, str]], root: Path | None, limits: Limits | None = None):
    """Read the cached extractions of these (source path, sha256) in a background thread, so that
    unpickling a thousand held papers overlaps what the run waits for (Prefect's server starting).
    The run's own reads take them from there; the ones it asked for first it reads itself. Returns
    the thread (None with no cache); `forget_prefetched()` drops what the run did not take."""
    import threading

    global _reading_ahead
    if root is None or not items:
        return None
    _reading_ahead = True
    limits = limits or default_limits()
    store = ParseCache(Path(root))

    def read_ahead() -> None:
        for source_path, sha256 in items:
            path = store._path("extracted", sha256, _keys(source_path, limits)[0])
            if path in _requested or path in _prefetched:
                continue
            try:
                with open(path, "rb") as fh:
                    value = pickle.load(fh)
            except Exception:  # a miss or a damaged entry: the run reads (and mends) it itself
                continue
            if path not in _requested:
                _prefetched[path] = value

    thread = threading.Thread(target=read_ahead, name="csa-prefetch", daemon=True)
    thread.start()
    return thread


def forget_prefetched() -> None:
    global _reading_ahead
    _reading_ahead = False
    _prefetched.clear()
    _requested.clear()


class SourceChanged(Exception):
    """The bytes read are not the content the ledger expects."""


def _keys(source_path: str, limits: Limits) -> tuple[str, str]:
    """(extracted/failed key, parsed key) for a file of that name under those limits."""
    # The reader also looks at the name: bytes without a PDF header named *.pdf go to the PDF reader.
    by_name = reader_for(source_path)
    reader = by_name.name if by_name else "any"
    return (f"{extractor_fingerprint()}-{limits.fingerprint}-{reader}",
            f"{reader_fingerprint()}-{limits.fingerprint}-{reader}")


def _renamed(extracted: ExtractedDocument, source_path: str) -> ExtractedDocument:
    if extracted.document.source_path == source_path:
        return extracted
    return replace(extracted, document=replace(extracted.document, source_path=source_path))  # same content, new name


def cached_result(source_path: str, sha256: str, cache_root: Path | None,
                  limits: Limits | None = None) -> ExtractedDocument | None:
    """The extracted document from the cache, None on a miss; raises UnreadableDocument for a refusal
    remembered. Cheap: the run asks here before handing a file to a parsing process."""
    limits = limits or default_limits()
    store = ParseCache(Path(cache_root) if cache_root else None)
    fp_extract, _ = _keys(source_path, limits)
    refused = store.load("failed", sha256, fp_extract)
    if refused is not None:
        raise UnreadableDocument(refused)
    extracted = store.load("extracted", sha256, fp_extract)
    return None if extracted is None else _renamed(extracted, source_path)


def remember_refusal(source_path: str, sha256: str, cache_root: Path | None, limits: Limits, reason: str) -> None:
    """Remember a refusal decided outside `extract_cached` (a file over its time or memory budget)."""
    ParseCache(Path(cache_root) if cache_root else None).save("failed", sha256, _keys(source_path, limits)[0], reason)


def read_regular_file(path: Path, source_path: str) -> bytes:
    """The bytes of `path`, which must still be a regular file (never blocks on a FIFO or a device)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SourceChanged(f"{source_path} is no longer a regular file")
        return fh.read()


def extract_cached(path: Path | None, source_path: str, sha256: str, cache_root: Path | None,
                   limits: Limits | None = None) -> ExtractedDocument:
    """The extracted document for content `sha256`, from the cache where possible, else from `path`.

    Raises UnreadableDocument (the file is refused, with its reason; remembered), SourceChanged (the
    file no longer holds that content), OSError (it cannot be read) or MemoryError. Any other error
    while reading is a bug in csa on this file: it is refused with the error named, and remembered
    (until the extractors change). Top-level so a parsing process can call it.
    """
    limits = limits or default_limits()
    hit = cached_result(source_path, sha256, cache_root, limits)
    if hit is not None:
        return hit
    store = ParseCache(Path(cache_root) if cache_root else None)
    fp_extract, fp_read = _keys(source_path, limits)
    try:
        document = store.load("parsed", sha256, fp_read)
        if document is None:
            if path is None:
                raise SourceChanged(f"{source_path}: no cached copy and no file to read")
            data = read_regular_file(Path(path), source_path)
            if sha256_of(data) != sha256:
                raise SourceChanged(f"{source_path} changed while it was being read")
            document = read_document(data, source_path, limits)
            store.save("parsed", sha256, fp_read, document)
        extracted = extract_from(document, limits)
    except UnreadableDocument as err:
        store.save("failed", sha256, fp_extract, err.reason)
        raise
    except (OSError, MemoryError, SourceChanged):
        raise
    except Exception as err:
        reason = UnreadableDocument(f"csa could not read this file: {type(err).__name__}: {err}"[:300]
                                    + " (a bug in csa: please report it with the file)").reason
        store.save("failed", sha256, fp_extract, reason)
        raise UnreadableDocument(reason) from err
    store.save("extracted", sha256, fp_extract, extracted)
    return _renamed(extracted, source_path)


# ---------------------------------------------------------------- normalisation, body by body


@cache
def normaliser_fingerprint() -> str:
    files = sorted(p for p in NORMALISERS.rglob("*") if p.is_file() and p.suffix in (".py", ".yaml", ".csv"))
    return _digest(files, extractor_fingerprint(), base=NORMALISERS)


def _body_key(body: str, docs: list[ExtractedDocument], curated: list) -> str:
    """What one body's normalisation is made from (the extracted content follows from the content id
    and the extractors' fingerprint, which is part of the entry's)."""
    h = hashlib.sha256(repr((body, curated)).encode())
    for d in sorted(docs, key=lambda d: d.doc_id):
        h.update(repr((d.doc_id, d.document.source_path, d.metadata)).encode())
    return h.hexdigest()


def normalise_held(docs: list[ExtractedDocument], curated: list, cache_root: Path | None):
    """The corpus's normalisation, body by body, each body's from the cache while its papers are as
    they were. Returns (normalised, bodies normalised again, number of bodies). Entries no body uses
    any more are removed."""
    from normalisers.timeline import by_body, merge, normalise_body

    store = ParseCache(Path(cache_root) if cache_root else None)
    fingerprint = normaliser_fingerprint()
    parts, again, keys = [], [], []
    groups = by_body(docs)
    for body, group in groups.items():
        key = _body_key(body, group, curated)
        keys.append((key, fingerprint))
        part = store.load("normalised", key, fingerprint)
        if part is None:
            part = normalise_body(group, curated, body)
            store.save("normalised", key, fingerprint, part)
            again.append(body)
        parts.append(part)
    store.keep_only("normalised", keys)
    return merge(parts), again, len(groups)

