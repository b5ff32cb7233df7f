"""What a run does while Prefect's server starts (issue 17): the held papers are read from the cache
ahead, a parsing process is launched ahead, and the server is started without waiting for it."""

from __future__ import annotations

import shutil

from conftest import CORPUS, SEEDS

from flows import parse_cache
from flows.parse_cache import cached_result, extract_cached, forget_prefetched, prefetch


def test_held_papers_read_ahead_are_the_ones_the_run_reads(tmp_path):
    from extractors.readers import sha256_of

    papers = []
    for name in SEEDS[:3]:
        path = tmp_path / name
        shutil.copy(CORPUS / name, path)
        sha = sha256_of(path.read_bytes())
        expected = extract_cached(path, name, sha, tmp_path / "cache")
        papers.append((name, sha, expected))
    try:
        prefetch([(name, sha) for name, sha, _ in papers], tmp_path / "cache").join(timeout=60)
        assert len(parse_cache._prefetched) == 3
        for name, sha, expected in papers:
            assert cached_result(name, sha, tmp_path / "cache") == expected
        assert parse_cache._prefetched == {}  # each taken once, nothing left behind
        assert prefetch([], tmp_path / "cache") is None and prefetch([("x", "0" * 64)], None) is None
    finally:
        forget_prefetched()


def test_a_paper_the_run_asked_for_first_is_not_read_again_behind_it(tmp_path):
    from extractors.readers import sha256_of

    path = tmp_path / SEEDS[0]
    shutil.copy(CORPUS / SEEDS[0], path)
    sha = sha256_of(path.read_bytes())
    extract_cached(path, SEEDS[0], sha, tmp_path / "cache")
    try:
        parse_cache._reading_ahead = True  # as `prefetch` sets it, before its thread reaches the paper
        assert cached_result(SEEDS[0], sha, tmp_path / "cache") is not None  # the run reads it itself
        prefetch([(SEEDS[0], sha)], tmp_path / "cache").join(timeout=60)
        assert parse_cache._prefetched == {}
    finally:
        forget_prefetched()


def test_a_parsing_process_launched_ahead_is_the_one_the_run_uses(tmp_path):
    from extractors.readers import sha256_of
    from flows import workers as workers_module
    from flows.workers import Workers, discard_prestarted, prestart

    path = tmp_path / SEEDS[0]
    shutil.copy(CORPUS / SEEDS[0], path)
    prestart(1)
    launched = list(workers_module._prestarted)
    assert len(launched) == 1
    pool = Workers(1)
    try:
        extracted = pool.run(path, SEEDS[0], sha256_of(path.read_bytes()), None)
        assert extracted.lists
        assert pool._all == launched and workers_module._prestarted == []
    finally:
        pool.close()
        discard_prestarted()
    prestart(1)
    discard_prestarted()  # one no run took is stopped
    assert workers_module._prestarted == []


def test_the_local_server_is_started_without_waiting_and_used_only_inside_its_block():
    from prefect.settings import PREFECT_API_URL

    from flows.runtime import start_local_server

    server = start_local_server()
    assert server is not None and server.alive()
    assert start_local_server() is server  # one per process
    before = PREFECT_API_URL.value()
    with server.using():
        assert PREFECT_API_URL.value() == server.api_url
        assert server.ready
    assert PREFECT_API_URL.value() == before
