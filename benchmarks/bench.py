"""Prints throughput figures for the corpus as text and as generated PDFs.

    make bench

Figures: pages/second for raw pdfplumber text extraction alone, for our parse
step (text and PDF), for the whole `build` flow, and Prefect's fixed start-up
cost (a flow that does nothing). Each timing is the best of a few runs.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    import pdfplumber
    from renditions import rendition_of

    from extractors.pipeline import extract_document
    from extractors.readers import read_document

    texts = sorted((ROOT / "corpus").glob("*.txt"))
    pdfs = [rendition_of(p) for p in texts]
    text_bytes = [(p.read_bytes(), p.name) for p in texts]
    pdf_bytes = [(p.read_bytes(), p.name) for p in pdfs]
    text_pages = sum(read_document(b, n).page_count for b, n in text_bytes)
    with_pdf_pages = 0
    for p in pdfs:
        with pdfplumber.open(p) as pdf:
            with_pdf_pages += len(pdf.pages)
    print(f"corpus: {len(texts)} documents; {text_pages} text pages (no form feeds: 1 per file), "
          f"{with_pdf_pages} PDF pages in the renditions")

    def raw_pdfplumber():
        for p in pdfs:
            with pdfplumber.open(p) as pdf:
                for page in pdf.pages:
                    page.extract_text()

    def over(fn, files):
        """A benchmark body: `fn(data, name)` for every file."""
        return lambda: [fn(data, name) for data, name in files]

    extract_document(*text_bytes[0])  # warm spaCy and rule caches once
    t_raw = best_of(raw_pdfplumber)
    t_text = best_of(over(read_document, text_bytes))
    t_pdf = best_of(over(read_document, pdf_bytes))
    t_extract_pdf = best_of(over(extract_document, pdf_bytes))
    t_extract_text = best_of(over(extract_document, text_bytes))
    print(f"raw pdfplumber extract_text : {with_pdf_pages / t_raw:8.1f} PDF pages/s ({t_raw:.2f}s)")
    print(f"our parse, PDF path         : {with_pdf_pages / t_pdf:8.1f} PDF pages/s ({t_pdf:.2f}s)")
    print(f"our parse + extract, PDF    : {with_pdf_pages / t_extract_pdf:8.1f} PDF pages/s ({t_extract_pdf:.2f}s)")
    print(f"our parse, text path        : {len(texts) / t_text:8.1f} documents/s ({t_text:.3f}s for all)")
    print(f"parse + extract, text path  : {len(texts) / t_extract_text:8.1f} documents/s "
          f"({t_extract_text:.3f}s for all: dates, metadata, lists, leads)")

    from prefect import flow

    from flows.build import build

    @flow
    def nothing() -> int:
        return 1

    start = time.perf_counter()
    nothing()
    t_prefect_first = time.perf_counter() - start
    t_prefect = best_of(nothing, repeat=2)
    print(f"Prefect start-up (empty flow): first {t_prefect_first:.1f}s, then {t_prefect:.2f}s in the same process")

    with tempfile.TemporaryDirectory() as tmp:
        for label, files in (("text", texts), ("PDF", pdfs)):
            corpus = Path(tmp) / label
            corpus.mkdir()
            for f in files:
                shutil.copy(f, corpus / f.name)
            db = Path(tmp) / f"{label}.duckdb"
            t_build = best_of(lambda corpus=corpus, db=db: build(corpus=corpus, db_path=db), repeat=2)
            pages = with_pdf_pages if label == "PDF" else text_pages
            print(f"whole build flow, {label:<4} corpus: {t_build:.2f}s ({pages / t_build:.1f} pages/s, "
                  f"Prefect server already up)")


if __name__ == "__main__":
    main()
