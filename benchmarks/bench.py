"""Prints the speed and scale figures side by side, in one run.

    make bench                      # everything (about half an hour on 2 cores)
    make bench BENCH_ARGS=--quick   # the PDF figures and the whole commands only

1. The PDF path on one set of PDFs (renditions of the seeds and of the development corpus, the
   development corpus's printed papers, and synthetic committee papers), in pages/second and as
   ratios in the same run: raw pypdfium2 text extraction, raw pdfplumber `extract_text`, our parse
   (the reader, fast path and pdfplumber alone), parse with every extractor, and a whole
   `csa build` (start-up included, cache off, 2 parsing processes).
2. Normalisation, and Prefect's fixed start-up cost.
3. Parsing engines on a synthetic corpus of 1,000 PDF papers: `csa build` with 1 and 2 parsing
   processes and on a 2-process Dask LocalCluster (`--dask local:2`).
4. In-process ingest figures on the synthetic corpus (text and PDF): documents/second with 1 and 2
   workers, the re-run with nothing new, the rebuild after a rule change, peak memory.
5. Whole `csa` commands on a warehouse of 1,000 papers: an ingest with nothing new, one new paper.
6. Growth with corpus size: `csa build` of 1,000 and 10,000 synthetic text papers (wall time, peak
   memory of the whole process tree, warehouse size).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = Path(__file__).resolve().parent / ".generated"
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


def pdf_set() -> list[Path]:
    """The benchmark's PDFs: renditions of the seeds, of the development corpus and the house styles,
    the development corpus's printed papers (ReportLab), and 100 synthetic committee papers."""
    from renditions import rendition_of
    from synth import generate

    sys.path.insert(0, str(ROOT / "tests" / "realworld"))
    from print_pdfs import print_all

    texts = sorted((ROOT / "corpus").glob("*.txt")) + sorted((ROOT / "tests" / "realworld" / "papers").glob("*.txt")) \
        + sorted((ROOT / "tests" / "realworld" / "papers").glob("*.md")) \
        + sorted((ROOT / "tests" / "fixtures" / "house_styles").iterdir())
    printed = print_all(GENERATED / "printed")
    _, synthetic = generate(1000)
    return [rendition_of(p) for p in texts] + printed + sorted(synthetic.glob("*.pdf"))[:100]


def csa_command() -> list[str]:
    csa = ROOT / ".venv" / "bin" / "csa"
    return [str(csa)] if csa.exists() else [sys.executable, "-m", "flows.cli"]


def run_measured(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MB of the whole process tree, sampled every 0.1 s) of a command."""
    import subprocess

    from ingest_bench import tree_rss

    with tempfile.TemporaryFile("w+") as output:  # a file, not a pipe: nothing blocks on a full buffer
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.1)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            output.seek(0)
            raise SystemExit(f"{' '.join(args[:3])} failed: {output.read().strip().splitlines()[-1:]}")
    return wall, peak


def agenda_packs(files: list[Path], per_pack: int, folder: Path) -> list[Path]:
    """The PDFs bound `per_pack` at a time into one file each, as a committee's agenda pack binds its
    reports (PDFium copies the pages)."""
    import pypdfium2

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n in range(0, len(files), per_pack):
        pack = pypdfium2.PdfDocument.new()
        for f in files[n:n + per_pack]:
            pack.import_pages(pypdfium2.PdfDocument(f))
        path = folder / f"agenda-pack-{n // per_pack + 1:02d}.pdf"
        pack.save(path)
        out.append(path)
    return out


def bench_pdf(files: list[Path], label: str) -> None:
    """The PDF path side by side: raw libraries, our parse, our whole build, on the same PDFs."""
    import io

    import pdfplumber
    import pypdfium2

    from extractors.pipeline import extract_document
    from extractors.readers.pdf import read_pdf

    data = [(p.read_bytes(), p.name) for p in files]
    pages = sum(len(pypdfium2.PdfDocument(d)) for d, _ in data)
    print(f"\nPDF set: {len(files)} PDFs, {pages} pages ({label})")

    def raw_pdfium():
        for d, _ in data:
            doc = pypdfium2.PdfDocument(d)
            for page in doc:
                text = page.get_textpage()
                text.get_text_range()
                text.close()
                page.close()
            doc.close()

    def raw_pdfplumber():
        for d, _ in data:
            with pdfplumber.open(io.BytesIO(d)) as pdf:
                for page in pdf.pages:
                    page.extract_text()

    extract_document(*data[0])  # spaCy and the rules loaded once, outside the timings
    t_pdfium = best_of(raw_pdfium, 5)
    t_plumber = best_of(raw_pdfplumber, 1)
    t_fast = best_of(lambda: [read_pdf(d, n) for d, n in data], 3)
    t_slow = best_of(lambda: [read_pdf(d, n, engine="pdfplumber") for d, n in data], 1)
    t_extract = best_of(lambda: [extract_document(d, n) for d, n in data], 2)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for i, f in enumerate(files):
            shutil.copy(f, corpus / f"{i:03d}-{f.name}")
        builds = [run_measured([*csa_command(), "build", str(corpus), "--db", str(Path(tmp) / f"b{n}.duckdb"),
                                "--cache-dir", "off", "--workers", "2"])[0] for n in range(2)]
        t_build = min(builds)
    rows = [
        ("raw pypdfium2 text extraction", t_pdfium),
        ("raw pdfplumber extract_text", t_plumber),
        ("our parse (reader, fast path)", t_fast),
        ("our parse (reader, pdfplumber alone)", t_slow),
        ("our parse + every extractor", t_extract),
        ("csa build, cache off, 2 workers", t_build),
    ]
    print(f"{'':40} {'pages/s':>9} {'x pdfium':>9} {'x plumber':>10}")
    for label, t in rows:
        print(f"{label:40} {pages / t:9.1f} {t_pdfium / t:9.3f} {t_plumber / t:10.2f}")
    print(f"targets: csa build >= 10x raw pdfplumber (here {t_plumber / t_build:.1f}x); "
          f"parse >= 0.25x raw pypdfium2 (here {t_pdfium / t_fast:.2f}x)")
    print("csa build is the whole command (Python and Prefect start-up, the parse of every file in 2 processes, "
          "normalisation, audit, warehouse), best of 2")


def bench_seeds() -> None:
    """Normalisation over the seeds and a synthetic history; Prefect's fixed start-up cost."""
    from prefect import flow

    from extractors.pipeline import extract_document

    texts = sorted((ROOT / "corpus").glob("*.txt"))
    bench_normalise([extract_document(p.read_bytes(), p.name) for p in texts])

    @flow
    def nothing() -> int:
        return 1

    start = time.perf_counter()
    nothing()
    t_prefect_first = time.perf_counter() - start
    t_prefect = best_of(nothing, repeat=2)
    print(f"Prefect start-up (empty flow): first {t_prefect_first:.1f}s, then {t_prefect:.2f}s in the same process")


def bench_engines(papers: int) -> None:
    """Whole builds of the synthetic PDF corpus: 1 and 2 parsing processes, and a 2-process Dask cluster."""
    from synth import generate

    _, pdf_dir = generate(papers)
    print(f"\nparsing engines: csa build of {papers} synthetic PDF papers, cache off (wall, start-up included)")
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        for label, extra in (("1 parsing process", ["--workers", "1"]), ("2 parsing processes", ["--workers", "2"]),
                             ("Dask LocalCluster, 2 processes", ["--dask", "local:2"])):
            db = Path(tmp) / f"{extra[-1].replace(':', '')}.duckdb"
            wall, peak = run_measured([*csa_command(), "build", str(pdf_dir), "--db", str(db), "--cache-dir", "off",
                                       *extra])
            base = base or wall
            print(f"{label:32} {wall:7.1f} s {papers / wall:7.1f} papers/s  x{base / wall:4.2f}  peak {peak:6.0f} MB")


def bench_scale(sizes: tuple[int, ...]) -> None:
    """Growth with corpus size: csa build of synthetic text corpora, 2 parsing processes."""
    from synth import generate

    print("\ngrowth: csa build of synthetic text papers, 2 parsing processes, fresh cache (wall, start-up included)")
    print(f"{'papers':>7} {'build s':>8} {'papers/s':>9} {'peak MB':>8} {'warehouse MB':>13} {'cache MB':>9}")
    for size in sizes:
        text_dir, _ = generate(size, pdf=False)
        with tempfile.TemporaryDirectory() as tmp:
            db, cache = Path(tmp) / "csa.duckdb", Path(tmp) / "cache"
            wall, peak = run_measured([*csa_command(), "build", str(text_dir), "--db", str(db), "--cache-dir",
                                       str(cache), "--workers", "2"])
            cache_mb = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()) / 2**20
            print(f"{size:7d} {wall:8.1f} {size / wall:9.1f} {peak:8.0f} {db.stat().st_size / 2**20:13.1f} "
                  f"{cache_mb:9.1f}")
    print("peak MB: the whole process tree (csa, its parsing processes, Prefect's local server)")


def bench_noop(papers: int) -> None:
    """Wall time of whole `csa` commands on a warehouse holding `papers` synthetic papers: the ingest
    with nothing new (planned against the ledger before Prefect starts), and one new paper."""
    import subprocess

    from synth import generate, paper, vocabulary

    text_dir, _ = generate(papers)
    csa = csa_command()

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
    parser.add_argument("--scale", type=int, default=10000, help="the large synthetic corpus (default 10000)")
    parser.add_argument("--quick", action="store_true", help="the PDF figures and the whole commands only")
    parser.add_argument("--only-commands", action="store_true",
                        help="only the whole-command figures (no-op ingest, one new paper)")
    options = parser.parse_args()
    if not options.only_commands:
        papers = pdf_set()
        bench_pdf(papers, "renditions of the seeds and the development corpus, its printed papers, 100 synthetic "
                          "papers: one paper a file")
        with tempfile.TemporaryDirectory() as packs:
            bench_pdf(agenda_packs(papers, 8, Path(packs)), "the same papers bound 8 to a file, as agenda packs")
        if not options.quick:
            bench_seeds()
            bench_engines(options.papers)
            bench_ingest(options.papers)
    bench_noop(options.papers)
    if not options.quick and not options.only_commands:
        bench_scale((options.papers, options.scale))
