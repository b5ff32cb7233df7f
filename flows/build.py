"""The two flows: `build` (the whole corpus, from scratch) and `ingest` (new papers, incrementally).

Flows only wire tasks (see flows/pipeline.py); both hold the warehouse lock for the whole run.
"""

from __future__ import annotations

import os
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from extractors.limits import Limits
from flows.corpus_files import DEFAULT_CORPUS, DEFAULT_DB, DEFAULT_INBOX
from flows.parse_cache import cache_root
from flows.pipeline import ProgressCallback, RunSummary, run
from normalisers.timeline import CURATED_FILE
from warehouse.lock import warehouse_lock


def dask_task_runner(spec: str):
    """Prefect's DaskTaskRunner for `--dask`: 'local:N' starts a LocalCluster of N single-threaded
    worker processes for the run; anything else is the address of a running scheduler
    ('tcp://scheduler:8786'). Parse tasks then run on the Dask workers (parse_in_task)."""
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise ValueError("--dask needs prefect-dask: pip install 'csa-timeline[dask]'") from None
    if spec.startswith("local:"):
        count = spec.split(":", 1)[1]
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"--dask {spec}: give local:N with N worker processes, e.g. local:2")
        return DaskTaskRunner(cluster_class="distributed.LocalCluster",
                              cluster_kwargs={"n_workers": int(count), "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    if "://" not in spec and ":" not in spec:
        raise ValueError(f"--dask {spec}: give a scheduler address (tcp://host:8786) or local:N")
    return DaskTaskRunner(address=spec if "://" in spec else f"tcp://{spec}")


def dask_run_options(spec: str, workers: int) -> dict:
    """The run's options on a Dask cluster: parse inside the tasks, with this many files in flight
    (two per local worker process, else 8; more with a higher `workers`)."""
    count = spec.split(":", 1)[1] if spec.startswith("local:") else ""
    return dict(parse_in_task=True, workers=max(workers, 2 * int(count) if count.isdigit() else 8))


def _report(summary: RunSummary) -> RunSummary:
    """One line for the flow run's log (the Prefect UI shows it for scheduled runs)."""
    counts = {s: len(summary.with_status(s)) for s in ("loaded", "replaced", "skipped_unchanged", "failed")}
    logger = get_run_logger()
    logger.info(", ".join(f"{v} {k}" for k, v in counts.items())
                + (f"; warehouse rewritten with {len(summary.documents)} documents" if summary.rewritten
                   else "; nothing new, log rows appended"))
    for row in summary.failed:
        logger.warning(f"failed: {row.source_path}: {row.error}")
    return summary


def _locked(lock: bool, db_path: Path, wait: float):
    if not lock:
        from contextlib import nullcontext

        return nullcontext()
    return warehouse_lock(db_path, wait, on_wait=lambda msg: get_run_logger().warning(msg))


@flow(name="csa-build", validate_parameters=False, log_prints=False)
def build(
    corpus: Path = DEFAULT_CORPUS,
    db_path: Path = DEFAULT_DB,
    on_progress: ProgressCallback | None = None,
    curated_path: Path = CURATED_FILE,
    workers: int = 1,
    wait: float = 0.0,
    cache_dir: str | Path | None = None,
    lock: bool = True,
    retry_delay: float = 2.0,
    parse_in_task: bool = False,
    limits: Limits | None = None,
) -> RunSummary:
    """Parse every document in `corpus` and rebuild the warehouse at `db_path` in one swap.

    Unchanged files come from the parse cache (`cache_dir`, "off" to disable). `curated_path`:
    the researcher's overrides (raw label -> canonical id), which always win. `limits`: what one
    file may cost (default extractors/rules/limits.yaml).
    """
    corpus, db_path = Path(corpus), Path(db_path)
    root = corpus if corpus.is_dir() else corpus.parent
    with _locked(lock, db_path, wait):
        return _report(run([corpus], db_path, root, Path(curated_path), cache_root(cache_dir, db_path), workers,
                   rebuild=True, retry_delay=retry_delay, on_progress=on_progress, parse_in_task=parse_in_task,
                   limits=limits))


@flow(name="csa-ingest", validate_parameters=False, log_prints=False)
def ingest(
    paths: list[str] | None = None,
    db_path: str = str(DEFAULT_DB),
    corpus_root: str = str(DEFAULT_CORPUS),
    curated_path: str = str(CURATED_FILE),
    workers: int = 1,
    wait: float = 600.0,
    cache_dir: str | None = None,
    lock: bool = True,
    retry_delay: float = 2.0,
    on_progress: ProgressCallback | None = None,
    parse_in_task: bool = False,
    limits: Limits | None = None,
) -> RunSummary:
    """Add new or changed papers to the warehouse; files already held (by content) are skipped.

    `paths`: files or folders; default the inbox (`CSA_INBOX`, else inbox/ in `corpus_root`). Paths under
    `corpus_root` are recorded relative to it. A scheduled run waits up to `wait` seconds for
    another run to finish. `parse_in_task`: parse inside each task instead of a local process pool, for a
    task runner that spreads tasks itself (Prefect's DaskTaskRunner); `workers` is then the files in flight.
    """
    inbox = Path(os.environ.get("CSA_INBOX") or Path(corpus_root) / DEFAULT_INBOX.name)
    if not paths:
        inbox.mkdir(parents=True, exist_ok=True)
    targets = [Path(p) for p in paths] if paths else [inbox]
    db = Path(db_path)
    with _locked(lock, db, wait):
        return _report(run(targets, db, Path(corpus_root), Path(curated_path), cache_root(cache_dir, db), workers,
                   rebuild=False, retry_delay=retry_delay, on_progress=on_progress, parse_in_task=parse_in_task,
                   limits=limits))


@task(name="fetch-site", cache_policy=NO_CACHE)
def fetch_site_task(site, inbox: str, contact: str | None, overrides: dict | None):
    """One site's new papers into the inbox (its failings are in the result, not raised)."""
    from flows.fetching import fetch_one

    return fetch_one(site, Path(inbox), contact, overrides)


@flow(name="csa-fetch-ingest", validate_parameters=False, log_prints=False)
def fetch_and_ingest(
    sources_path: str,
    paths: list[str] | None = None,
    db_path: str = str(DEFAULT_DB),
    corpus_root: str = str(DEFAULT_CORPUS),
    curated_path: str = str(CURATED_FILE),
    workers: int = 1,
    wait: float = 600.0,
    cache_dir: str | None = None,
    polite: dict | None = None,
    dask: str | None = None,
):
    """Fetch every site in sources.yaml into the inbox, each site as its own task (one site's failure
    does not stop the others), then ingest the inbox. Returns (site results, ingest summary)."""
    from flows.fetching import SiteResult, load_sources

    logger = get_run_logger()
    sources = load_sources(Path(sources_path))
    inbox = Path(paths[0]) if paths else Path(os.environ.get("CSA_INBOX") or Path(corpus_root) / DEFAULT_INBOX.name)
    results = []
    for site in sources.sites:
        state = fetch_site_task(site, str(inbox), sources.contact, polite, return_state=True)
        if state.is_completed():
            result = state.result()
        else:
            result = SiteResult(site.url, error=(state.message or "the fetch task failed").splitlines()[0])
        (logger.info if result.ok else logger.warning)(result.line())
        results.append(result)
    new = sum(len(r.downloaded) + len(r.updated) for r in results)
    logger.info(f"fetched {new} new or changed papers from {len(results)} sites; ingesting {inbox}")
    ingesting, options = ingest, {}
    if dask:  # the parse tasks on a Dask cluster (see dask_task_runner)
        ingesting = ingest.with_options(task_runner=dask_task_runner(dask))
        options = dask_run_options(dask, workers)
    summary = ingesting(paths=[str(inbox)], db_path=db_path, corpus_root=corpus_root, curated_path=curated_path,
                        wait=wait, cache_dir=cache_dir, **({"workers": workers} | options))
    return results, summary
