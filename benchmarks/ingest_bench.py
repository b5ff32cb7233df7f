"""One ingest benchmark configuration, run in its own process so its peak memory is its own.

    python benchmarks/ingest_bench.py CORPUS_DIR WORKERS

Prints one JSON line: the full build (fresh cache, so every file is read and parsed),
an incremental `ingest` of the same folder (nothing new), and a rebuild after a rule
change (re-extraction from the parsed cache, no file read), with peak resident memory
sampled every 0.1 s from /proc: this process, its parsing workers together, and the
whole process tree (Prefect's local server included). Prefect's start-up is paid by a
warm-up flow first and not counted.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")


def tree_rss(root: int) -> float:
    """Resident MB of a process and all its descendants, from /proc."""
    return _tree_rss(root)[2]


def _tree_rss(me: int | None = None) -> tuple[float, float, float]:
    """(this process, its parsing workers, the whole tree incl. Prefect's local server) resident MB, from /proc."""
    me = me or os.getpid()
    parents, rss, workers = {}, {}, set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            status = Path(entry.path, "status").read_text()
            cmdline = Path(entry.path, "cmdline").read_bytes()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        parents[pid] = int(fields.get("PPid", "0").strip() or 0)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
        if b"multiprocessing" in cmdline:
            workers.add(pid)

    def in_tree(pid: int) -> bool:
        while pid and pid != me:
            pid = parents.get(pid, 0)
        return pid == me

    tree = [p for p in rss if in_tree(p)]
    return rss.get(me, 0.0), sum(rss[p] for p in tree if p in workers), sum(rss[p] for p in tree)


class PeakMemory(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = (0.0, 0.0, 0.0)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            self.peak = tuple(max(a, b) for a, b in zip(self.peak, _tree_rss(), strict=True))


def main() -> None:
    from prefect import flow

    from flows import parse_cache
    from flows.build import build, ingest

    corpus, workers = Path(sys.argv[1]), int(sys.argv[2])
    files = sorted(p for p in corpus.iterdir() if p.is_file())

    @flow
    def warm_up() -> int:
        return 1

    warm_up()
    sampler = PeakMemory()
    sampler.start()
    with tempfile.TemporaryDirectory() as tmp:
        db, cache = Path(tmp) / "csa.duckdb", Path(tmp) / "cache"
        start = time.perf_counter()
        summary = build(corpus=corpus, db_path=db, cache_dir=cache, workers=workers)
        t_build = time.perf_counter() - start
        loaded = len(summary.documents)

        start = time.perf_counter()
        again = ingest(paths=[str(corpus)], db_path=str(db), corpus_root=str(corpus), cache_dir=str(cache),
                       workers=workers, wait=0)
        t_incremental = time.perf_counter() - start
        assert not again.rewritten and len(again.skipped) == len(files)

        parse_cache.extractor_fingerprint.cache_clear()
        real = parse_cache.extractor_fingerprint
        parse_cache.extractor_fingerprint = lambda: real() + "-rule-change"  # in-process (workers=1) only
        start = time.perf_counter()
        build(corpus=corpus, db_path=db, cache_dir=cache, workers=1)
        t_rule_change = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    print(json.dumps({
        "files": len(files), "loaded": loaded, "workers": workers,
        "build_s": t_build, "incremental_s": t_incremental, "rule_change_s": t_rule_change,
        "peak_main_mb": sampler.peak[0], "peak_workers_mb": sampler.peak[1], "peak_tree_mb": sampler.peak[2],
    }))


if __name__ == "__main__":
    main()
