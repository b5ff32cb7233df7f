"""Finding corpus files and reading the manifest (the I/O side of the pipeline)."""

from __future__ import annotations

import csv
from pathlib import Path

from extractors.readers import PDF_SUFFIXES, TEXT_SUFFIXES
from warehouse.store import SourceInfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "corpus"
DEFAULT_DB = ROOT / "warehouse" / "csa.duckdb"
DEFAULT_INBOX = DEFAULT_CORPUS / "inbox"  # where new papers are dropped (CSA_INBOX overrides)
MANIFEST_NAME = "manifest.csv"
SUPPORTED = TEXT_SUFFIXES + PDF_SUFFIXES


def corpus_files(corpus: Path) -> list[Path]:
    """Every document under `corpus` (recursively), in a stable order; hidden files and the manifest skipped."""
    corpus = Path(corpus)
    if corpus.is_file():
        return [corpus]
    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus}")
    return sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUPPORTED
        and not any(part.startswith(".") for part in p.relative_to(corpus).parts)
    )


def relative_path(path: Path, corpus: Path) -> str:
    corpus = Path(corpus)
    base = corpus if corpus.is_dir() else corpus.parent
    return path.resolve().relative_to(base.resolve()).as_posix()


def read_manifest(corpus: Path) -> dict[str, SourceInfo]:
    """corpus/manifest.csv: file,source_url,publisher[,notes]. Missing file: no sources."""
    path = Path(corpus) / MANIFEST_NAME
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        return {
            row["file"].strip(): SourceInfo(row.get("source_url") or None, row.get("publisher") or None)
            for row in csv.DictReader(fh)
            if row.get("file")
        }
