"""Real processes: SIGKILL midway leaves the warehouse exactly as it was; concurrent runs wait or say busy."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import CORPUS, ROOT
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


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kill_when(proc: subprocess.Popen, ready, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, f"the run finished before it could be killed: {proc.communicate()}"
        assert time.monotonic() < deadline, "the run never reached the point to kill it at"
        time.sleep(0.005)
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
        waiting = csa(site, "--wait", "120")
        time.sleep(3)
        assert waiting.poll() is None  # still waiting for us
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert "waiting up to 120s" in " ".join(err.split())
    assert "ingest: 1 loaded" in out


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
