"""Dask as an engine (issue 17): the parse tasks of a build on a 2-process LocalCluster give the
same warehouse as the single-process build."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import CORPUS, ROOT
from test_ingest_flow import AUDIT, snapshot

pytest.importorskip("prefect_dask")


def test_a_local_dask_cluster_builds_the_same_warehouse(tmp_path):
    from flows.build import build

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    shutil.copy(AUDIT / "eastvale_csa_2016.txt", corpus / "eastvale_csa_2016.txt")
    one, dask = tmp_path / "one.duckdb", tmp_path / "dask.duckdb"
    build(corpus=corpus, db_path=one, cache_dir="off")
    # the CLI, as an operator runs it: `csa build --dask local:2` starts the cluster for the run
    done = subprocess.run([sys.executable, "-m", "flows.cli", "build", str(corpus), "--db", str(dask),
                           "--cache-dir", "off", "--dask", "local:2"], capture_output=True, text=True, cwd=ROOT,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "6 loaded" in " ".join(done.stdout.split())
    assert snapshot(one) == snapshot(dask)


def test_a_bad_dask_option_stops_before_any_work(tmp_path, capsys):
    from flows.cli import main

    for spec, why in (("local:0", "give local:N"), ("scheduler", "give a scheduler address")):
        assert main(["build", str(CORPUS), "--db", str(tmp_path / "x.duckdb"), "--dask", spec]) == 2
        assert why in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()
