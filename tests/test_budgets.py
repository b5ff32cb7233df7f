"""Each file is parsed in a process of its own, under a wall-clock and a memory budget: over either,
the process is ended and the file refused (and remembered); a process killed from outside is a
transient error; a parsing process never outlives the run that started it."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from bad_inputs import operator_bomb, slow_pdf
from conftest import ROOT
from processes import alive, wait_until

from extractors.limits import Limits, default_limits
from extractors.readers import UnreadableDocument, sha256_of
from flows.workers import ParsingProcess, WorkerDied, Workers

PAPER = ROOT / "tests" / "fixtures" / "audit" / "eastvale_csa_2017.txt"


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path, sha256_of(data)


def test_a_file_over_its_time_budget_is_ended_refused_and_remembered(tmp_path, monkeypatch):
    limits = Limits.from_rules(max_parse_seconds=2)
    slow, slow_sha = _write(tmp_path, "slow.pdf", slow_pdf(pages=200, rects_per_page=2000))  # about 50 s
    good, good_sha = _write(tmp_path, "good.txt", PAPER.read_bytes())
    workers = Workers(1, limits=limits)
    try:
        started = time.monotonic()
        with pytest.raises(UnreadableDocument) as err:
            workers.run(slow, "slow.pdf", slow_sha, tmp_path / "cache")
        assert time.monotonic() - started < 120  # ended, not parsed to the end (start-up on a busy machine aside)
        assert err.value.reason == (
            "over its time budget: still parsing after 2 s (limit 2 s, limits.max_parse_seconds in "
            "extractors/rules/limits.yaml): the parsing process was ended")
        assert len(workers.run(good, "good.txt", good_sha, tmp_path / "cache").lists) == 3  # a fresh process
    finally:
        workers.close()
    other = Workers(1, limits=Limits.from_rules(max_parse_seconds=1))
    try:  # under other limits the file is tried again
        with pytest.raises(UnreadableDocument, match="over its time budget: still parsing after 1 s"):
            other.run(slow, "slow.pdf", slow_sha, tmp_path / "cache")
    finally:
        other.close()
    monkeypatch.setattr(ParsingProcess, "run", lambda *args: pytest.fail("a remembered refusal was re-parsed"))
    with pytest.raises(UnreadableDocument, match="over its time budget: still parsing after 2 s"):
        Workers(1, limits=limits).run(slow, "slow.pdf", slow_sha, tmp_path / "cache")


def test_a_file_over_its_memory_budget_is_ended_and_refused(tmp_path):
    limits = Limits.from_rules(max_parse_memory_mb=64)
    bomb, sha = _write(tmp_path, "chart.pdf", operator_bomb(60_000))  # under the operator cap; ~330 MB to lay out
    workers = Workers(1, limits=limits)
    try:
        with pytest.raises(UnreadableDocument) as err:
            workers.run(bomb, "chart.pdf", sha, None)
        assert err.value.reason == (
            "over its memory budget: parsing used more than 64 MB (limit 64 MB, limits.max_parse_memory_mb in "
            "extractors/rules/limits.yaml): the parsing process was ended")
        good, good_sha = _write(tmp_path, "good.txt", PAPER.read_bytes())
        assert len(workers.run(good, "good.txt", good_sha, None).lists) == 3
    finally:
        workers.close()


def test_a_parsing_process_killed_from_outside_is_transient_and_replaced(tmp_path):
    slow, slow_sha = _write(tmp_path, "slow.pdf", slow_pdf(pages=200, rects_per_page=2000))
    good, good_sha = _write(tmp_path, "good.txt", PAPER.read_bytes())
    process = ParsingProcess()
    outcome: dict = {}

    def parse() -> None:
        try:
            process.run((slow, "slow.pdf", slow_sha, None, default_limits()), default_limits())
        except Exception as err:
            outcome["error"] = err

    thread = threading.Thread(target=parse)
    thread.start()
    pid = wait_until(lambda: process._proc is not None and process._proc.pid, 120, "a parsing process")
    os.kill(pid, signal.SIGKILL)
    thread.join(timeout=60)
    assert isinstance(outcome.get("error"), WorkerDied) and isinstance(outcome["error"], OSError)  # retried
    try:
        doc = process.run((good, "good.txt", good_sha, None, default_limits()), default_limits())
        assert len(doc.lists) == 3
    finally:
        process.stop()


CHILD = """
import sys
from pathlib import Path
from extractors.limits import default_limits
from flows.workers import ParsingProcess
process = ParsingProcess()
process._start()
print(process._proc.pid, flush=True)
process.run((Path(sys.argv[1]), "slow.pdf", sys.argv[2], None, default_limits()), default_limits())
"""


def test_a_parsing_process_ends_when_the_run_that_started_it_is_killed(tmp_path):
    slow, slow_sha = _write(tmp_path, "slow.pdf", slow_pdf(pages=200, rects_per_page=2000))
    run = subprocess.Popen([sys.executable, "-c", CHILD, str(slow), slow_sha], cwd=ROOT, stdout=subprocess.PIPE,
                           text=True)
    try:
        worker = int(run.stdout.readline())
        assert alive(worker)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        wait_until(lambda: not alive(worker), 30, "the parsing process to end with its run")
    finally:
        run.kill()
        run.wait()
