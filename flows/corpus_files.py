"""Where the corpus, inbox and warehouse live, which file types are read, and the manifest."""

from __future__ import annotations

import csv
from pathlib import Path

from warehouse.store import SourceInfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "corpus"
DEFAULT_DB = ROOT / "warehouse" / "csa.duckdb"
DEFAULT_INBOX = DEFAULT_CORPUS / "inbox"  # where new papers are dropped (CSA_INBOX overrides)
MANIFEST_NAME = "manifest.csv"

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
