"""Real processes: SIGKILL midway leaves the warehouse exactly as it was and no process behind;
concurrent runs wait or say busy. Every wait is on a condition (a file, a process, a line printed)."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from bad_inputs import slow_pdf
from conftest import CORPUS, ROOT
from processes import alive, cmdline, descendants, wait_until
from renditions import rendition_of

from warehouse.lock import warehouse_lock

AUDIT = ROOT / "tests" / "fixtures" / "audit"
HOUSE = ROOT / "tests" / "fixtures" / "house_styles"


@pytest.fixture
def site(tmp_path):
    """The seeds built into a warehouse (in-process), and an empty inbox."""
    from flows.build import build

    shutil.copytree(CORPUS, tmp_path / "corpus")
    (tmp_path / "corpus" / "inbox").mkdir(exist_ok=True)
    build(corpus=tmp_path / "corpus", db_path=tmp_path / "wh" / "csa.duckdb", cache_dir=tmp_path / "cache")
    return tmp_path


def csa(site: Path, *args: str, cache: str = "cache", **popen) -> subprocess.Popen:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_HOME": str(site / "prefect")}
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "ingest", *args, "--db", str(site / "wh" / "csa.duckdb"),
         "--corpus-root", str(site / "corpus"), "--cache-dir", str(site / cache)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen,
    )


class Lines:
    """A pipe read on a thread as it is written, so a test can wait for a line without blocking."""

    def __init__(self, pipe):
        self._chunks: list[str] = []
        self._thread = threading.Thread(target=lambda: self._chunks.extend(iter(pipe.readline, "")), daemon=True)
        self._thread.start()

    def text(self) -> str:
        return " ".join("".join(self._chunks).split())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kill_when(proc: subprocess.Popen, ready, timeout: float = 240) -> None:
    def reached() -> bool:
        assert proc.poll() is None, f"the run finished before it could be killed: {proc.communicate()}"
        return ready()

    wait_until(reached, timeout, "the run to reach the point to kill it at", poll=0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_while_parsing_or_writing_leaves_the_warehouse_exactly_as_before(site):
    db = site / "wh" / "csa.duckdb"
    before = digest(db)
    inbox = site / "corpus" / "inbox"
    shutil.copy(rendition_of(AUDIT / "eastvale_csa_2017.txt"), inbox / "eastvale 2017.pdf")
    shutil.copy(rendition_of(HOUSE / "southdown_scrutiny_paper.txt"), inbox / "southdown.pdf")

    # 1. killed while parsing: the first parsed copy has reached the (fresh) cache
    proc = csa(site, cache="fresh-cache")
    kill_when(proc, lambda: any((site / "fresh-cache").rglob("*.pickle")))
    assert digest(db) == before

    # 2. killed while writing: the new warehouse is being written beside the old one
    proc = csa(site)
    kill_when(proc, lambda: any(db.parent.glob(f".{db.name}.tmp-*")))
    assert digest(db) == before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from documents").fetchone() == (5,)
    con.close()

    # 3. the next run completes: no stale lock, the half-written file is cleared away
    proc = csa(site)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "ingest: 2 loaded, 0 replaced, 0 skipped (already held), 0 failed" in out
    assert not list(db.parent.glob(f".{db.name}.tmp-*"))
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from documents").fetchone() == (7,)
    assert con.execute("select count(*) from ingest_log where status = 'loaded' and source_path like 'inbox/%'"
                       ).fetchone() == (2,)


def test_a_second_run_says_busy_or_waits_for_the_first(site):
    db = site / "wh" / "csa.duckdb"
    shutil.copy(AUDIT / "eastvale_csa_2017.txt", site / "corpus" / "inbox" / "eastvale.txt")
    with warehouse_lock(db):
        proc = csa(site, "--wait", "0")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 75
        assert f"busy: warehouse {db} is busy: held by pid {os.getpid()}" in " ".join(err.split())
        assert "Traceback" not in err + out
        waiting = csa(site, "--wait", "240")
        stderr = Lines(waiting.stderr)
        wait_until(lambda: "waiting up to 240s" in stderr.text(), 200, "the second run to say it waits")
        assert waiting.poll() is None  # still waiting for us
    assert waiting.wait(timeout=300) == 0, stderr.text()
    assert "ingest: 1 loaded" in waiting.stdout.read()


def test_two_runs_at_once_both_land_and_nothing_is_lost(site):
    db = site / "wh" / "csa.duckdb"
    inbox = site / "corpus" / "inbox"
    shutil.copy(AUDIT / "eastvale_csa_2017.txt", inbox / "a.txt")
    shutil.copy(HOUSE / "southdown_scrutiny_paper.txt", inbox / "b.txt")
    runs = [csa(site, str(inbox / name), "--wait", "240") for name in ("a.txt", "b.txt")]
    for proc in runs:
        out, err = proc.communicate(timeout=400)
        assert proc.returncode == 0, err
        assert "ingest: 1 loaded" in out
    con = duckdb.connect(str(db), read_only=True)
    assert {r[0] for r in con.execute("select source_path from documents where source_path like 'inbox/%'").fetchall()
            } == {"inbox/a.txt", "inbox/b.txt"}


def test_a_killed_run_leaves_no_process_behind(site):
    # issue 16: a killed run left its Prefect server (about 190 MB) running, 26 times out of 34
    (site / "corpus" / "inbox" / "slow.pdf").write_bytes(slow_pdf(pages=400, rects_per_page=2000))  # ~100 s
    proc = csa(site, cache="fresh-cache")
    children: list[int] = []
    try:
        def server_and_parser() -> list[int]:
            tree = {pid: cmdline(pid) for pid in descendants(proc.pid)}
            server = [pid for pid, cmd in tree.items() if "uvicorn" in cmd]
            parser = [pid for pid, cmd in tree.items() if "multiprocessing" in cmd and "spawn" in cmd]
            return list(tree) if server and parser else []

        children = wait_until(server_and_parser, 240, "the run's Prefect server and a parsing process")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        wait_until(lambda: not any(alive(pid) for pid in children), 60, "the killed run's processes to end")
    finally:
        for pid in [*descendants(proc.pid), proc.pid, *children]:  # on failure, clear up what is left
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.communicate(timeout=60)
