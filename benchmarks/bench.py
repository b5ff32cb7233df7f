"""Prints throughput figures for the corpus as text and as generated PDFs.

    make bench

Figures: pages/second for raw pdfplumber text extraction alone, for our parse
step (text and PDF), for the whole `build` flow, and Prefect's fixed start-up
cost (a flow that does nothing). Each timing is the best of a few runs.

Then the ingest figures on a synthetic corpus of committee papers (benchmarks/synth.py,
1,000 by default, `--papers N`): documents per second with 1 and 2 parsing workers,
as text and as PDF, the incremental re-run on the unchanged corpus, the rebuild after
a rule change, and peak memory. `--only-ingest` skips the seed figures. Last, whole `csa` commands
on a warehouse of those papers: the ingest with nothing new and one new paper
(`--only-commands` for these alone).
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
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_normalise(docs) -> None:
    """Normalisation over the seeds, then over a synthetic history of 1,000 yearly lists built from the seeds'
    own priority and theme wordings (each year drops one item, rewords one, brings one back)."""
    import datetime as dt
    import random

    from normalisers import timeline as tl

    t_seeds = best_of(lambda: tl.normalise_documents(docs))
    print(f"normalise the corpus        : {t_seeds * 1000:8.1f} ms (links, changes, timeline)")
    refs = tl.list_refs(docs, tl.KINDS)
    pool = {role: [it.raw_label for r in refs if r.role == role for it in r.items] for role in tl.KINDS}
    rng = random.Random(7)
    lists = []
    for n in range(1000):
        role = "priorities" if n % 2 == 0 else "cross_cutting_themes"
        labels = rng.sample(pool[role], 7)
        start = dt.date(1000 + n // 2, 4, 1)
        items = tuple(tl.Item(f"S{n}", i, label, 1, i) for i, label in enumerate(labels, start=1))
        lists.append(tl.ListRef(f"S{n}", f"D{n}", role, "current", start, None, start, items))
    t_synth = best_of(lambda: tl.normalise(lists), repeat=1)
    print(f"normalise 1,000 lists       : {t_synth:8.2f} s ({len(lists) / t_synth:.0f} lists/s)")


def bench_ingest(papers: int) -> None:
    """Docs/s for 1 and 2 workers on a synthetic corpus (text and PDF), the incremental re-run, peak memory."""
    import json
    import subprocess

    from synth import generate

    print(f"\nsynthetic corpus: {papers} committee papers, as text and as PDF (benchmarks/synth.py)")
    folders = dict(zip(("text", "PDF"), generate(papers), strict=True))
    print(f"{'corpus':<6} {'workers':>7} {'docs/s':>8} {'build':>8} {'re-run':>8} {'rule chg':>9} "
          f"{'main MB':>8} {'workers MB':>10} {'tree MB':>8}")
    for label, folder in folders.items():
        for workers in (1, 2):
            proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "ingest_bench.py"), str(folder),
                                   str(workers)], capture_output=True, text=True, cwd=ROOT)
            if proc.returncode != 0:
                print(f"{label:<6} {workers:>7} failed: {proc.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"{label:<6} {workers:>7} {r['loaded'] / r['build_s']:>8.1f} {r['build_s']:>7.1f}s "
                  f"{r['incremental_s']:>7.2f}s {r['rule_change_s']:>8.1f}s {r['peak_main_mb']:>8.0f} "
                  f"{r['peak_workers_mb']:>10.0f} {r['peak_tree_mb']:>8.0f}")
    print("build: fresh cache, every file read and parsed; re-run: `ingest` of the same folder (nothing new);\n"
          "rule chg: rebuild after an extractor rule change (from the parsed cache, no file read, 1 process);\n"
          "memory: peak resident MB of the run's process, of its parsing workers together, and of the whole tree\n"
          "(Prefect's local server included)")


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
    bench_normalise([extract_document(data, name) for data, name in text_bytes])

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
            t_build = best_of(lambda corpus=corpus, db=db: build(corpus=corpus, db_path=db, cache_dir="off"), repeat=2)
            pages = with_pdf_pages if label == "PDF" else text_pages
            print(f"whole build flow, {label:<4} corpus: {t_build:.2f}s ({pages / t_build:.1f} pages/s, "
                  f"Prefect server already up)")


def bench_noop(papers: int) -> None:
    """Wall time of whole `csa` commands on a warehouse holding `papers` synthetic papers: the ingest
    with nothing new (planned against the ledger before Prefect starts), and one new paper."""
    import subprocess

    from synth import generate, paper, vocabulary

    text_dir, _ = generate(papers)
    csa = [str(ROOT / ".venv" / "bin" / "csa")] if (ROOT / ".venv" / "bin" / "csa").exists() else [
        sys.executable, "-m", "flows.cli"]

    def wall(args: list[str]) -> float:
        start = time.perf_counter()
        done = subprocess.run(csa + args, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(f"csa {' '.join(args)} failed: {done.stderr.strip().splitlines()[-1:]}")
        return time.perf_counter() - start

    print(f"\nwhole commands on a warehouse of {papers} held papers (wall, best of 3, Prefect start-up included)")
    with tempfile.TemporaryDirectory() as tmp:
        corpus, db = Path(tmp) / "corpus", Path(tmp) / "csa.duckdb"
        shutil.copytree(text_dir, corpus)
        t_build = wall(["build", str(corpus), "--db", str(db), "--workers", "2"])
        print(f"csa build, {papers} text papers, 2 workers : {t_build:7.1f} s")
        t_noop = min(wall(["ingest", str(corpus), "--db", str(db), "--corpus-root", str(corpus)]) for _ in range(3))
        print(f"csa ingest, nothing new         : {t_noop:7.2f} s (target 2 s)")
        times = []
        for n in range(3):
            stem, text = paper(papers + n, vocabulary())
            new = corpus / f"{stem}.txt"
            new.write_text(text, encoding="utf-8")
            times.append(wall(["ingest", str(new), "--db", str(db), "--corpus-root", str(corpus)]))
        print(f"csa ingest, one new paper       : {min(times):7.2f} s (target 10 s plus its own parse)")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="csa-timeline benchmarks")
    parser.add_argument("--papers", type=int, default=1000, help="size of the synthetic corpus (default 1000)")
    parser.add_argument("--only-ingest", action="store_true", help="skip the seed-corpus figures")
    parser.add_argument("--only-commands", action="store_true",
                        help="only the whole-command figures (no-op ingest, one new paper)")
    options = parser.parse_args()
    if not options.only_commands:
        if not options.only_ingest:
            main()
        bench_ingest(options.papers)
    bench_noop(options.papers)
