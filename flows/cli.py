"""`csa` command line: a thin layer over the flows, extractors and normalisers.

    csa build [CORPUS] [--db PATH] [--curated CSV]   parse the corpus and rebuild the warehouse
    csa explain FILE [--lists]         show which lines became which blocks, and the lists found
    csa audit [--doc ID] [--all]       the papers' claims about their own changes, with verdicts
    csa sql "SELECT ..." [--db PATH]   run a query against the warehouse
    csa fetch [--site URL --committee NAME] [--since DATE]   new papers from a council's committee system
    csa eval GOLD_DIR [--db PATH]      score the extractors against hand-checked gold files
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from flows.corpus_files import DEFAULT_INBOX

# Piped or logged output gets a wide, fixed layout instead of an 80-column squeeze.
console = Console(stderr=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, soft_wrap=True)  # one-line messages stay one line


EXIT_BUSY = 75  # EX_TEMPFAIL: another run holds the warehouse; try again later


def _first_line(err: BaseException, default: str | None = None) -> str:
    """An error's first line, for a one-line message (`default`, else its type's name, when it has none)."""
    lines = str(err).strip().splitlines()
    return lines[0] if lines else (type(err).__name__ if default is None else default)


def _quiet_prefect_run_logs() -> None:
    """The CLI prints its own one-line messages; Prefect's run loggers (with tracebacks) are for its UI."""
    import logging

    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _cmd_build(args: argparse.Namespace) -> int:
    corpus = Path(args.corpus)
    if not corpus.exists():
        err_console.print(f"[red]error:[/red] corpus folder not found: {corpus}")
        return 2
    root = corpus if corpus.is_dir() else corpus.parent
    return _run(args, [corpus], root, rebuild=True)


def _cmd_ingest(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    if not paths:
        inbox = _inbox(args)
        inbox.mkdir(parents=True, exist_ok=True)
        paths = [inbox]
    return _run(args, paths, Path(args.corpus_root), rebuild=False)


def _inbox(args: argparse.Namespace) -> Path:
    return Path(args.inbox) if args.inbox else Path(args.corpus_root) / DEFAULT_INBOX.name


def _run(args: argparse.Namespace, paths: list[Path], corpus_root: Path, rebuild: bool) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.inputs import CannotRebuild, LocalCallback, ProgressEvent, plan_inputs
    from normalisers.timeline import load_curated
    from warehouse.lock import WarehouseBusy, warehouse_lock
    from warehouse.store import WarehouseUnreadable, read_state

    if args.workers < 1:
        err_console.print("[red]error:[/red] --workers must be 1 or more")
        return 2
    runner = None
    if args.dask:
        from flows.build import dask_task_runner

        try:
            runner = dask_task_runner(args.dask)  # checked before any work
        except ValueError as err:
            err_console.print(f"[red]error:[/red] {err}", highlight=False)
            return 2
    db = Path(args.db)
    if not db.parent.is_dir():
        why = "is not a folder" if db.parent.exists() else "does not exist (create it first)"
        err_console.print(f"[red]error:[/red] --db {db}: {db.parent} {why}", highlight=False)
        return 2
    if db.is_dir():
        err_console.print(f"[red]error:[/red] --db {db} is a folder: give the warehouse file's path")
        return 2
    try:
        load_curated(args.curated)  # a malformed override file stops the run before any work
    except (OSError, ValueError, KeyError) as err:
        err_console.print(f"[red]error:[/red] curated overrides: {err}")
        return 2
    started = time.perf_counter()
    try:
        with warehouse_lock(db, args.wait, on_wait=lambda msg: err_console.print(f"[yellow]{msg}[/yellow]")):
            # Planned first (an unreadable warehouse stops here): an ingest with nothing new appends
            # its log rows and ends without starting Prefect or a parsing process. Otherwise the flow
            # plans again under this same lock (a plan is too big to pass as a flow parameter).
            if rebuild:
                read_state(db)
            else:
                planned = plan_inputs(paths, db, corpus_root, rebuild)
                if planned.nothing_new(rebuild):
                    _print_summary(_log_only(db, planned), time.perf_counter() - started, rebuild)
                    return 0
            from flows.runtime import start_local_server

            # Prefect's server starts now (from this thread, so that it dies with this process) and
            # boots while this process imports Prefect and the flows and reads the held papers from
            # the cache.
            server = start_local_server()
            from flows.build import build, dask_run_options, ingest
            from flows.parse_cache import cache_root, prefetch

            if not rebuild:
                prefetch([(e.source_path, e.sha256) for e in planned.ledger], cache_root(args.cache_dir, db))
                if planned.plan.parse and not runner:
                    from flows.workers import prestart

                    prestart(min(args.workers, len(planned.plan.parse)))
            if runner:  # parse tasks on a Dask cluster; the rest of the run stays here
                build, ingest = (f.with_options(task_runner=runner) for f in (build, ingest))

            _quiet_prefect_run_logs()
            with Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("{task.fields[current]}"), console=err_console, transient=True,
            ) as progress, server.using() if server else contextlib.nullcontext():
                bar = progress.add_task("starting", total=None, current="starting Prefect...")

                def on_progress(event: ProgressEvent) -> None:
                    progress.update(bar, description=event.phase, completed=event.done, total=event.total,
                                    current=event.source_path)
                    if event.status.startswith("failed"):
                        progress.console.print(
                            Text("✗ ", style="red") + Text(f"{event.source_path}: {event.status[len('failed: '):]}"),
                            highlight=False)

                common = dict(curated_path=str(args.curated), workers=args.workers, cache_dir=args.cache_dir,
                              lock=False, on_progress=LocalCallback(on_progress))
                if runner:
                    common.update(dask_run_options(args.dask, args.workers))
                if rebuild:
                    summary = build(corpus=paths[0], db_path=db, **common)
                else:
                    summary = ingest(paths=[str(p) for p in paths], db_path=str(db), corpus_root=str(corpus_root),
                                     **common)
    except WarehouseBusy as err:
        err_console.print(f"[yellow]busy:[/yellow] {err}")
        return EXIT_BUSY
    except WarehouseUnreadable as err:
        err_console.print(f"[red]error:[/red] {err}")
        return 2
    except CannotRebuild as err:
        err_console.print(f"[red]error:[/red] {err}")
        return 1
    except Exception as err:  # a full disk, a bad --db path, Prefect failing to start: one line, not a traceback
        if os.environ.get("CSA_DEBUG"):
            raise
        first = _first_line(err, "")
        why = f"{type(err).__name__}: {first} (the warehouse is unchanged; CSA_DEBUG=1 shows the traceback)"
        err_console.print(Text("error: ", style="red") + Text(why))
        return 1
    finally:
        if "flows.workers" in sys.modules:
            sys.modules["flows.workers"].discard_prestarted()
        if "flows.parse_cache" in sys.modules:
            sys.modules["flows.parse_cache"].forget_prefetched()
    _print_summary(summary, time.perf_counter() - started, rebuild)
    return 0


def _log_only(db: Path, planned):
    """A run with nothing new: its log rows appended (on a copy swapped in), nothing else touched."""
    import datetime as dt

    from flows.inputs import RunSummary, rows_without_parsing
    from warehouse.store import append_log, remove_stale_temp_files

    remove_stale_temp_files(db)
    rows = list(rows_without_parsing(planned.plan, dt.datetime.now()).values())
    for row in rows:
        if row.status == "failed":
            err_console.print(Text("✗ ", style="red") + Text(f"{row.source_path}: {row.error}"), highlight=False)
    append_log(db, rows)
    return RunSummary(db, log=rows)


def _print_summary(summary, elapsed: float, rebuild: bool = True) -> None:
    shown = summary.documents if rebuild else summary.added
    if not rebuild:
        counts = {s: len(summary.with_status(s)) for s in ("loaded", "replaced", "skipped_unchanged", "failed")}
        console.print(
            f"ingest: {counts['loaded']} loaded, {counts['replaced']} replaced, {counts['skipped_unchanged']} "
            f"skipped (already held), {counts['failed']} failed in {elapsed:.1f}s"
        )
        for row in summary.log:
            if row.status != "skipped_unchanged":
                console.print(f"  {row.status}: {row.source_path}" + (f": {row.error}" if row.error else ""),
                              markup=False, highlight=False)
        if not summary.rewritten:
            console.print(f"nothing new: {summary.db_path} unchanged (this run's log rows appended to ingest_log)")
            return
        console.print(f"warehouse {summary.db_path} now holds {len(summary.documents)} documents")
    table = Table(title=f"Warehouse {summary.db_path}" if rebuild else "Added by this run", title_justify="left")
    for col in ("document", "kind", "meeting", "status", "version", "effective", "pages", "dates"):
        table.add_column(col)
    for rel, d in shown:
        m = d.metadata
        table.add_row(
            rel, m.doc_kind, str(m.meeting_date or ""), m.status or "", m.version_label or "",
            str(m.effective_from or ""), str(d.document.page_count), str(len(d.dates)),
        )
    console.print(table)
    if rebuild:
        console.print(
            f"{len(summary.documents)} loaded, {len(summary.skipped)} skipped, {len(summary.failed)} failed "
            f"in {elapsed:.1f}s"
        )
        for row in summary.failed + summary.skipped:
            console.print(f"  {row.status}: {row.source_path}: {row.error}", markup=False, highlight=False)
    n = summary.normalised
    if n is not None:
        kinds = [c.kind for c in n.canonical_items]
        methods: dict[str, int] = {}
        for link in n.links.values():
            methods[link.method] = methods.get(link.method, 0) + 1
        bases = {b: sum(c.basis == b for c in n.changes) for b in ("observed", "stated", "proposed")}
        console.print(
            f"{kinds.count('priority')} canonical priorities, {kinds.count('theme')} themes; "
            f"{len(n.links)} list items linked ("
            + ", ".join(f"{m} {k}" for m, k in sorted(methods.items()))
            + f"); {len(n.timeline)} timeline rows; changes: "
            + ", ".join(f"{k} {b}" for b, k in bases.items())
            + (f"; {len(n.gaps)} gaps (`SELECT * FROM gaps`)" if n.gaps else "")
        )
        if summary.bodies:
            again = summary.bodies_again
            shown = ", ".join(b or "papers naming no body" for b in again[:5]) + (
                f" and {len(again) - 5} more" if len(again) > 5 else "")
            console.print(f"timeline: {len(again)} of {summary.bodies} bodies normalised again"
                          + (f" ({shown})" if again and len(again) < summary.bodies else "")
                          + ("; the others' unchanged, from the cache" if len(again) < summary.bodies else ""),
                          markup=False, highlight=False)
    if summary.audited is not None:
        claims, findings = summary.audited
        verdicts: dict[str, int] = {}
        for a in claims:
            verdicts[a.verdict] = verdicts.get(a.verdict, 0) + 1
        console.print(
            f"{len(claims)} claims audited ("
            + ", ".join(f"{k} {v}" for v, k in sorted(verdicts.items()))
            + f"); {len(findings)} inconsistencies inside papers: see `csa audit`"
        )


def _cmd_explain(args: argparse.Namespace) -> int:
    from extractors.pipeline import extract_document
    from extractors.readers import UnreadableDocument

    path = Path(args.file)
    try:
        extracted = extract_document(path.read_bytes(), path.name)
    except (OSError, UnreadableDocument) as err:
        err_console.print(f"[red]error:[/red] {path}: {getattr(err, 'reason', err)}")
        return 2
    doc = extracted.document
    console.print(f"[bold]{path.name}[/bold]: {doc.page_count} page(s), {len(doc.blocks)} blocks, {doc.source_format}",
                  highlight=False)
    _print_metadata(extracted.metadata)
    if not args.lists:
        _print_blocks(extracted, args.width)
    _print_lists(extracted)
    return 0


def _print_metadata(m) -> None:
    """The paper's metadata as aligned 'field: value' lines (NULL where the paper does not say)."""
    fields = (("title", m.title), ("kind", m.doc_kind), ("meeting date", m.meeting_date), ("body", m.body),
              ("status", m.status), ("version", m.version_label), ("effective from", m.effective_from))
    for name, value in fields:
        console.print(f"  {name + ':':<16}{value if value is not None else 'NULL'}", markup=False, highlight=False)


def _print_lists(extracted) -> None:
    console.print(f"\n[bold]{len(extracted.lists)} list(s), {len(extracted.leads)} lead(s)[/bold]")
    for i, lst in enumerate(extracted.lists):
        period = f"{lst.applies_from or '?'} .. {lst.applies_to or '?'}"
        console.print(
            f"[bold cyan]{extracted.list_id(i)}[/bold cyan] [bold]{lst.role}[/bold] / {lst.stance}  {period}  "
            f"p{lst.page} l{lst.line}: ",
            end="",
        )
        console.print(lst.heading, markup=False)
        for why in lst.evidence:
            console.print(f"      {why}", highlight=False, markup=False, style="dim")
        for item in lst.items:
            count = f"  [{item.count}]" if item.count is not None else ""
            console.print(f"  {item.position:>3}. {item.raw_label}{count}   (p{item.page} l{item.line})", markup=False)
    for lead in extracted.leads:
        console.print(f"  lead p{lead.page} l{lead.line}: {lead.raw_priority} -> {lead.lead}", markup=False)


def _print_blocks(extracted, width: int) -> None:
    doc = extracted.document
    for line in doc.furniture:
        console.print(f"[dim]furniture p{line.page} l{line.number}: {line.text}[/dim]")
    for block in doc.blocks:
        where = f"p{block.page} l{block.line_start}-{block.line_end}"
        label = f"{block.kind}{block.level if block.kind in ('heading', 'bullet') else ''}"
        if block.kind == "table":
            console.print(f"[cyan]{where:>14} table[/cyan]")
            for row in block.rows:
                console.print(f"{'':>16}| " + " | ".join(row.cells), markup=False)
        else:
            console.print(f"[cyan]{where:>14} {label:<9}[/cyan] ", end="")
            console.print(block.text[:width], markup=False)


def _open_warehouse(db: str, hint: str = ""):
    """A read-only connection, or an exit code after a one-line error (75: open for writing elsewhere)."""
    import duckdb

    from warehouse.store import connect, in_use_message

    if not Path(db).is_file():
        err_console.print(f"[red]error:[/red] no warehouse at {db}: build it with `make run` (or `csa build`)")
        return 2
    try:
        return connect(db, read_only=True)
    except duckdb.Error as err:
        busy = in_use_message(db, err)
        if busy:
            err_console.print(f"[yellow]busy:[/yellow] {busy}", highlight=False)
            return EXIT_BUSY
        first = _first_line(err)
        err_console.print(f"[red]error:[/red] cannot open {db}: {first}{hint}", highlight=False)
        return 2


def _sql_text(args: argparse.Namespace) -> str | int:
    """The SQL to run: the argument, `-f FILE`, or standard input ('-' or no argument, when piped)."""
    if args.file:
        try:
            return Path(args.file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            err_console.print(f"[red]error:[/red] cannot read {args.file}: {err.__class__.__name__}: "
                              f"{getattr(err, 'strerror', None) or err}", highlight=False)
            return 2
    if args.query is not None and args.query != "-":
        return args.query
    if args.query == "-" or not sys.stdin.isatty():
        return sys.stdin.read()
    err_console.print("[red]error:[/red] give a query, `-f FILE.sql`, or SQL on standard input")
    return 2


def _cmd_sql(args: argparse.Namespace) -> int:
    """Run every statement and print each result: DuckDB's table (NULL as NULL), CSV, JSON lines or markdown."""
    import shutil

    import duckdb

    from warehouse.render import render

    sql = _sql_text(args)
    if isinstance(sql, int):
        return sql
    con = _open_warehouse(args.db)
    if isinstance(con, int):
        return con
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() and args.format == "table" else None
    printed = 0
    try:
        statements = con.extract_statements(sql)
        if not statements:
            err_console.print("[red]error:[/red] no SQL statement given (the query is empty or only comments)")
            return 2
        for statement in statements:
            relation = con.sql(statement.query)
            if relation is None:  # SET, PRAGMA without a result ...
                continue
            if printed and args.format != "json":
                print()
            print(render(relation, args.format, width))
            printed += 1
    except duckdb.Error as err:
        first = _first_line(err)
        err_console.print(Text("SQL error: ", style="red") + Text(first))
        return 2
    finally:
        con.close()
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    """Every table and view to one file each, with the data dictionary and the query guide."""
    import duckdb

    from warehouse.export import export

    out = Path(args.dir)
    if out.exists() and not out.is_dir():
        err_console.print(f"[red]error:[/red] {out} exists and is not a folder", highlight=False)
        return 2
    con = _open_warehouse(args.db)
    if isinstance(con, int):
        return con

    def progress(e) -> None:
        console.print(f"  {e.name}: {e.rows} rows -> {e.path}", markup=False, highlight=False)

    try:
        done = export(con, out, args.format, args.body, guide=Path(__file__).resolve().parents[1] / "docs" /
                      "queries.md", progress=progress)
    except (ValueError, OSError, duckdb.Error) as err:
        first = _first_line(err)
        err_console.print(f"[red]error:[/red] {first}", highlight=False)
        return 2
    finally:
        con.close()
    console.print(f"{len(done)} tables and views written to {out} as {args.format}"
                  + (f" (body {args.body})" if args.body else "") + "; data_dictionary.md says what each column holds",
                  markup=False, highlight=False)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """One self-contained HTML page: the timeline pictures, the change log, the audit, the coverage."""
    import duckdb

    from warehouse.report import build, png

    con = _open_warehouse(args.db)
    if isinstance(con, int):
        return con
    out = Path(args.out) if args.out else Path(args.db).with_name("report.html")
    try:
        page, reports = build(con, args.body)
        if not reports:
            err_console.print("[red]error:[/red] the warehouse holds no priorities or themes to draw")
            return 2
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
        if args.png:
            Path(args.png).write_bytes(png(reports))
    except (ValueError, OSError, duckdb.Error) as err:
        first = _first_line(err)
        err_console.print(f"[red]error:[/red] {first}", highlight=False)
        return 2
    finally:
        con.close()
    lanes = sum(len(v) for r in reports for v in r.lanes.values())
    console.print(f"report of {len(reports)} bodies ({lanes} lanes) written to {out}"
                  + (f"; picture {args.png}" if args.png else "") + " (opens offline)", markup=False, highlight=False)
    return 0


def _sources_for(args: argparse.Namespace):
    """The sites to fetch: --site/--committee/--since, else the sources file. An int is an exit code."""
    from flows.fetching import Site, Sources, load_sources, site_url
    from flows.fetching.sources import parse_since

    try:
        since = parse_since(args.since)
        if args.site:
            if not args.committee:
                err_console.print("[red]error:[/red] --site needs at least one --committee (a title or an id)")
                return 2
            return Sources((Site(site_url(args.site), tuple(args.committee), since),), args.contact)
        if args.committee:
            err_console.print("[red]error:[/red] --committee needs --site")
            return 2
        path = Path(args.sources)
        if not path.is_file():
            err_console.print(f"[red]error:[/red] no sources: give --site and --committee, or write {path} "
                              "(see docs/sources.example.yaml)", highlight=False)
            return 2
        sources = load_sources(path)
    except ValueError as err:
        err_console.print(f"[red]error:[/red] {err}", highlight=False)
        return 2
    from dataclasses import replace

    sites = tuple(replace(s, since=since) if since else s for s in sources.sites)
    return replace(sources, sites=sites, contact=args.contact or sources.contact)


def _cmd_fetch(args: argparse.Namespace) -> int:
    """New papers from councils' committee systems (ModernGov) into the inbox, politely."""
    from flows.fetching import InboxBusy, fetch_sites

    sources = _sources_for(args)
    if isinstance(sources, int):
        return sources
    inbox = _inbox(args)
    overrides = {k: v for k, v in (("delay_seconds", args.delay),) if v is not None}
    shown = {"downloaded": "green", "updated": "green", "refused": "red", "blocked": "red", "failed": "red"}

    def on_event(row) -> None:
        if row.outcome in shown:
            what = row.file or row.url or row.site
            err_console.print(Text(f"{row.outcome:>10} ", style=shown[row.outcome]) + Text(what)
                              + Text(f"  {row.reason}" if row.reason and row.outcome != "downloaded" else ""),
                              highlight=False)

    for site in sources.sites:
        err_console.print(f"fetching {site.url}: {', '.join(site.committees)}"
                          + (f" since {site.since}" if site.since else "") + f" into {inbox}", highlight=False)
    try:
        results = fetch_sites(sources, inbox, overrides, on_event=on_event)
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted:[/yellow] the download in progress was removed; what was fetched "
                          "before is in the inbox and its manifest", highlight=False)
        return 130
    except InboxBusy as err:
        err_console.print(f"[yellow]busy:[/yellow] {err}", highlight=False)
        return EXIT_BUSY
    except ValueError as err:  # fetch.yaml settings
        err_console.print(f"[red]error:[/red] {err}", highlight=False)
        return 2
    for result in results:
        console.print(result.line(), markup=False, highlight=False)
    new = sum(len(r.downloaded) + len(r.updated) for r in results)
    console.print(f"{new} new or changed papers in {inbox}"
                  + ("; `csa ingest` loads them" if new else ""), markup=False, highlight=False)
    return 0 if all(r.ok for r in results) else 1


def _cmd_serve(args: argparse.Namespace) -> int:
    """Serve the ingest flow as a deployment with a cron schedule: runs start while this process lives."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron
    from prefect.settings import PREFECT_API_URL

    try:
        schedule = Cron(args.cron, timezone=args.timezone)
    except ValueError as err:
        err_console.print(f"[red]error:[/red] --cron {args.cron!r}: {str(err).splitlines()[0]}")
        return 2
    if not PREFECT_API_URL.value():
        err_console.print(
            "[red]error:[/red] `csa serve` needs a Prefect server: run `prefect server start` in another terminal "
            "and `export PREFECT_API_URL=http://127.0.0.1:4200/api` (see README, 'Scheduled ingestion')"
        )
        return 2
    from flows.build import ingest

    parameters = {
        "paths": [str(_inbox(args).resolve())],
        "db_path": str(Path(args.db).resolve()),
        "corpus_root": str(Path(args.corpus_root).resolve()),
        "curated_path": str(Path(args.curated).resolve()),
        "workers": args.workers,
        "wait": args.wait,
        "cache_dir": args.cache_dir,
    }
    _inbox(args).mkdir(parents=True, exist_ok=True)
    if args.dask:
        from flows.build import dask_task_runner

        try:
            runner = dask_task_runner(args.dask)
        except ValueError as err:
            err_console.print(f"[red]error:[/red] {err}", highlight=False)
            return 2
        ingest = ingest.with_options(task_runner=runner)
    sources = Path(args.sources)
    if sources.is_file():
        from flows.build import fetch_and_ingest
        from flows.fetching import load_sources

        try:
            sites = load_sources(sources).sites
        except ValueError as err:
            err_console.print(f"[red]error:[/red] {err}", highlight=False)
            return 2
        parameters |= {"sources_path": str(sources.resolve()), "dask": args.dask}
        console.print(f"serving {args.name}: fetch {len(sites)} sites from {sources}, then ingest "
                      f"{parameters['paths'][0]}, on {args.cron!r} ({args.timezone})")
        fetch_and_ingest.serve(name=args.name, schedule=schedule, parameters=parameters,
                               entrypoint_type=EntrypointType.MODULE_PATH)
        return 0
    if args.dask:
        from flows.build import dask_run_options

        parameters.update(dask_run_options(args.dask, args.workers))
    console.print(f"serving {args.name}: ingest {parameters['paths'][0]} on {args.cron!r} ({args.timezone}); "
                  f"no {sources}, so nothing is fetched")
    ingest.serve(name=args.name, schedule=schedule, parameters=parameters, entrypoint_type=EntrypointType.MODULE_PATH)
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    """Score the extractors against hand-checked gold files; print the table and every miss."""
    import duckdb

    from flows.evaluate import evaluate, format_report

    gold = Path(args.gold)
    if not gold.is_dir() or not any(gold.glob("*.yaml")):
        err_console.print(f"[red]error:[/red] no gold files (*.yaml) in {gold}", highlight=False)
        return 2
    try:
        report = evaluate(gold, Path(args.db) if args.db else None, Path(args.papers) if args.papers else None,
                          only_in=Path(args.only_in) if args.only_in else None)
    except (OSError, ValueError, KeyError) as err:
        err_console.print(f"[red]error:[/red] {type(err).__name__}: {err}", highlight=False)
        return 2
    except duckdb.Error as err:
        first = _first_line(err)
        err_console.print(f"[red]error:[/red] cannot read the warehouse {args.db}: {first}; it may be from an "
                          "older version: delete it, or leave out --db, and the papers are read again", highlight=False)
        return 2
    title = f"Accuracy on {gold}" + (f" (papers from {args.papers})" if args.papers else "") + (
        f" (only those in {args.only_in})" if args.only_in else "")
    print(format_report(report, title, show_misses=not args.quiet))  # plain: a miss stays on one line
    return 0


VERDICT_STYLE = {"confirmed": "green", "contradicted": "red", "unverifiable": "yellow", "out_of_scope": "dim"}


def _cmd_audit(args: argparse.Namespace) -> int:
    import duckdb

    con = _open_warehouse(args.db, " (run `csa build` first)")
    if isinstance(con, int):
        return con
    where, params = "", []
    if args.doc:
        where = "WHERE d.doc_id LIKE ? OR d.source_path LIKE ?"
        params = [f"{args.doc}%", f"%{args.doc}%"]
    try:
        rows = con.execute(
            f"""SELECT d.source_path, c.claim_id, c.version, c.claim_date, c.section, c.text, c.line,
                       a.verdict, a.explanation
                FROM version_claims c JOIN claim_audit a USING (claim_id) JOIN documents d USING (doc_id)
                {where} ORDER BY d.source_path, c.line""",
            params,
        ).fetchall()
        findings = con.execute(
            f"""SELECT d.source_path, f.finding_type, f.line, f.explanation
                FROM audit_findings f JOIN documents d USING (doc_id) {where} ORDER BY d.source_path, f.line""",
            params,
        ).fetchall()
    except duckdb.CatalogException:
        err_console.print(f"[red]error:[/red] {args.db} has no audit tables: rebuild it with `csa build`")
        return 2
    finally:
        con.close()
    if args.doc and not rows and not findings:
        err_console.print(f"[yellow]no claims for a document matching {args.doc!r}[/yellow]")
        return 1
    shown = [r for r in rows if args.all or r[7] != "out_of_scope"]
    table = Table(title="Claims the papers make about their own changes", title_justify="left", show_lines=True)
    for col in ("document", "claim", "said", "verdict", "why"):
        table.add_column(col, overflow="fold")
    for path, claim_id, version, date, section, text, line, verdict, why in shown:
        said = " ".join(x for x in (f"v{version}" if version else "", str(date or ""), section or "") if x)
        table.add_row(
            f"{path}\nl.{line}", f"{said}\n{text}", claim_id.rsplit("-", 1)[1],
            f"[{VERDICT_STYLE[verdict]}]{verdict}[/]", why,
        )
    console.print(table)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[7]] = counts.get(r[7], 0) + 1
    console.print(", ".join(f"{counts.get(v, 0)} {v}" for v in VERDICT_STYLE)
                  + ("" if args.all else " (out_of_scope claims hidden; --all shows them)"))
    if findings:
        console.print("\n[bold]Inconsistencies inside a paper[/bold]")
        for path, kind, line, text in findings:
            console.print(f"  {path} l.{line} ({kind}): {text}", markup=False, highlight=False)
    return 0


def _run_options(p: argparse.ArgumentParser, curated_file: Path, wait_default: float = 0.0) -> None:
    from flows.corpus_files import DEFAULT_DB

    p.add_argument("--db", default=str(DEFAULT_DB), help="warehouse file (default: %(default)s)")
    p.add_argument("--dask", default=os.environ.get("CSA_DASK"), metavar="ADDRESS|local:N",
                   help="parse on a Dask cluster: a running scheduler's address (tcp://host:8786) or local:N "
                        "for N local worker processes (needs prefect-dask; default: $CSA_DASK, else no Dask)")
    p.add_argument("--curated", default=str(curated_file),
                   help="overrides: raw_label,kind,canonical_id,reason (default: %(default)s)")
    p.add_argument("--workers", type=int, default=1, help="parsing processes (default: %(default)s)")
    p.add_argument("--wait", type=float, default=wait_default, metavar="SECONDS",
                   help="if another run holds the warehouse, wait this long for it (default: %(default)s)")
    p.add_argument("--cache-dir", default=os.environ.get("CSA_CACHE_DIR"),
                   help="parse cache folder, or 'off' (default: $CSA_CACHE_DIR or .csa-cache beside the warehouse)")


def make_parser() -> argparse.ArgumentParser:
    from flows.corpus_files import DEFAULT_CORPUS, DEFAULT_DB, DEFAULT_SOURCES
    from normalisers.timeline import CURATED_FILE

    parser = argparse.ArgumentParser(prog="csa", description="Community Safety Agreement timeline pipeline.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="parse a corpus folder and rebuild the warehouse")
    p.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS), help="folder of papers (default: %(default)s)")
    _run_options(p, CURATED_FILE)
    p.set_defaults(func=_cmd_build)
    p = sub.add_parser("ingest", help="add new or changed papers (default: the inbox) to the warehouse")
    p.add_argument("paths", nargs="*", help="files or folders (default: the inbox)")
    p.add_argument("--inbox", default=os.environ.get("CSA_INBOX"),
                   help="folder new papers are dropped into (default: $CSA_INBOX, else inbox/ in the corpus root)")
    p.add_argument("--corpus-root", default=str(DEFAULT_CORPUS),
                   help="paths under it are recorded relative to it, like the manifest (default: %(default)s)")
    _run_options(p, CURATED_FILE)
    p.set_defaults(func=_cmd_ingest)
    p = sub.add_parser("serve", help="run the ingest flow on a cron schedule (needs a Prefect server)")
    p.add_argument("--cron", default="0 7 * * 1", help="cron schedule (default: %(default)r, Mondays 07:00)")
    p.add_argument("--timezone", default="Europe/London", help="the schedule's time zone (default: %(default)s)")
    p.add_argument("--name", default="csa-weekly-ingest", help="deployment name (default: %(default)s)")
    p.add_argument("--inbox", default=os.environ.get("CSA_INBOX"),
                   help="folder to ingest (default: $CSA_INBOX, else inbox/ in the corpus root)")
    p.add_argument("--corpus-root", default=str(DEFAULT_CORPUS))
    p.add_argument("--sources", default=os.environ.get("CSA_SOURCES") or str(DEFAULT_SOURCES),
                   help="sites to fetch before each ingest; without this file the run only ingests "
                        "(default: $CSA_SOURCES or %(default)s)")
    _run_options(p, CURATED_FILE, wait_default=600.0)
    p.set_defaults(func=_cmd_serve)
    p = sub.add_parser("fetch", help="download new papers from councils' committee systems (ModernGov) into the "
                                     "inbox", description="Download every unrestricted document of a committee's "
                       "meetings since a date, politely, into the inbox with a fetch manifest (source URL, meeting, "
                       "ETag ...); documents already held are not downloaded again. `csa ingest` then loads them.")
    p.add_argument("--site", help="the council's ModernGov site, e.g. https://democracy.example.gov.uk")
    p.add_argument("--committee", action="append", help="committee title or id (repeat for several)")
    p.add_argument("--since", help="meetings on or after this date, YYYY-MM-DD (default: sources.yaml's, else all)")
    p.add_argument("--sources", default=os.environ.get("CSA_SOURCES") or str(DEFAULT_SOURCES),
                   help="without --site: the sites to fetch (default: $CSA_SOURCES or %(default)s)")
    p.add_argument("--inbox", default=os.environ.get("CSA_INBOX"),
                   help="where papers land (default: $CSA_INBOX, else inbox/ in the corpus root)")
    p.add_argument("--corpus-root", default=str(DEFAULT_CORPUS))
    p.add_argument("--delay", type=float, help="seconds between two requests to one host (default: fetch.yaml's)")
    p.add_argument("--contact", help="your URL or e-mail for the User-Agent (default: sources.yaml's, else the "
                                     "project's)")
    p.set_defaults(func=_cmd_fetch)
    p = sub.add_parser("explain", help="show how a document was split into blocks and which lists were found")
    p.add_argument("file")
    p.add_argument("--lists", action="store_true", help="show only the lists and leads, with the reasons")
    p.add_argument("--width", type=int, default=140, help="characters of each block to show")
    p.set_defaults(func=_cmd_explain)
    p = sub.add_parser("audit", help="print each claim a paper makes about its changes, with its verdict")
    p.add_argument("--doc", help="only this document: a doc_id (or its start) or part of its file name")
    p.add_argument("--all", action="store_true", help="also show claims that are out of scope")
    p.add_argument("--db", default=str(DEFAULT_DB))
    p.set_defaults(func=_cmd_audit)
    p = sub.add_parser("eval", help="score the extractors against hand-checked gold files (precision, recall, F1)")
    p.add_argument("gold", help="folder of gold *.yaml files (tests/realworld/gold)")
    p.add_argument("--db", help="read this warehouse if it exists, else build it there (default: a temporary one)")
    p.add_argument("--papers", help="where the papers are (default: papers/ beside the gold folder); a paper is "
                                    "found by its file name or, failing that, its stem (printed PDFs)")
    p.add_argument("--only-in", help="score only the gold papers that also have a file in this folder")
    p.add_argument("--quiet", action="store_true", help="the table only, not every miss")
    p.set_defaults(func=_cmd_eval)
    p = sub.add_parser("export", help="write every table and view to files (parquet, csv or json) with a data "
                                      "dictionary and the query guide")
    p.add_argument("dir", help="the folder to write into (created if missing)")
    p.add_argument("--format", choices=["parquet", "csv", "json"], default="parquet",
                   help="parquet (default; pandas with pyarrow, polars, DuckDB), csv (with a header) or json "
                        "(JSON Lines)")
    p.add_argument("--body", help="only this body's rows (documents.body, e.g. Kent)")
    p.add_argument("--db", default=str(DEFAULT_DB))
    p.set_defaults(func=_cmd_export)
    p = sub.add_parser("report", help="one self-contained HTML page: timeline pictures, changes, audit, coverage")
    p.add_argument("--body", help="only this body (documents.body, e.g. Kent)")
    p.add_argument("--out", help="the HTML file to write (default: report.html beside the warehouse)")
    p.add_argument("--png", help="also write the timeline pictures as this PNG file")
    p.add_argument("--db", default=str(DEFAULT_DB))
    p.set_defaults(func=_cmd_report)
    p = sub.add_parser("sql", help="run SQL on the warehouse (read-only); every statement's result is printed",
                       description="Run SQL on the warehouse, read-only. The SQL is the argument, a file (-f), or "
                                   "standard input ('-', or no argument when piped). Every statement's result is "
                                   "printed, NULL as NULL. The stored questions: in_force(date), "
                                   "changes_between(from, to), item_history(canonical_id), the views proposals "
                                   "and gaps (docs/queries.md).")
    p.add_argument("query", nargs="?", help="the SQL ('-' reads standard input)")
    p.add_argument("-f", "--file", help="read the SQL from this file")
    p.add_argument("--format", choices=["table", "csv", "json", "markdown"], default="table",
                   help="table (DuckDB's own, the default), csv, json (one object per line) or markdown")
    p.add_argument("--db", default=str(DEFAULT_DB))
    p.set_defaults(func=_cmd_sql)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    # The CLI prints its own summary; a served flow's runs log at INFO for the Prefect UI.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if args.command == "serve" else "WARNING")
    return args.func(args)


def run_and_exit() -> None:
    """The `csa` command: `main`, then every exit handler (Prefect's log and event flushes, the local
    server's stop), then the process ends without freeing its heap object by object: after a run
    over a thousand papers that took over a second, to no one's benefit."""
    import atexit

    try:
        code = main()
    except SystemExit as stop:  # argparse's own exits (--help, usage errors)
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if not isinstance(stop.code, int | None):
            err_console.print(str(stop.code))
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run_and_exit()
