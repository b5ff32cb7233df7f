"""A polite HTTP client for councils' sites: one request at a time per host with a delay between
requests, a User-Agent that names the project and its operator, timeouts, retries with backoff on
timeouts and 5xx only, conditional GETs, size caps, and a bot shield (403, 429, a challenge page)
stopping the site at once instead of a retry storm.

Answers are values: `fetch()` returns an `Answer` (status 200 or 304 with the body read, capped)
or raises `Refused` (this URL: the reason, logged by the caller) or `SiteBlocked` (stop the site).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import httpx
import yaml

POLITE_FILE = Path(__file__).with_name("fetch.yaml")


class Refused(Exception):
    """This request's answer cannot be used (the reason is the message); the site goes on."""


class SiteBlocked(Exception):
    """The site refuses scripts (403, 429 or a challenge page): stop this site, retry nothing."""


@dataclass(frozen=True)
class Polite:
    """How to behave towards a site (flows/fetching/fetch.yaml, overridable per run or per site)."""

    user_agent: str
    delay_seconds: float
    connect_timeout_seconds: float
    read_timeout_seconds: float
    retries: int
    backoff_seconds: float
    max_retry_after_seconds: float
    max_document_bytes: int
    max_service_bytes: int
    max_answer_seconds: float
    max_redirects: int
    challenge_markers: tuple[str, ...]
    documents: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = POLITE_FILE, contact: str | None = None, **overrides) -> Polite:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
        raw.update({k: v for k, v in overrides.items() if v is not None})
        from importlib.metadata import PackageNotFoundError, version

        try:
            ours = version("csa-timeline")
        except PackageNotFoundError:
            ours = "dev"
        agent = raw["user_agent"].format(version=ours, contact=contact or raw["contact"])
        unknown = set(raw) - {f for f in cls.__dataclass_fields__} - {"contact"}
        if unknown:
            raise ValueError(f"unknown fetch settings: {', '.join(sorted(unknown))}")
        fields = {k: v for k, v in raw.items() if k not in ("contact", "user_agent")}
        fields["challenge_markers"] = tuple(m.lower() for m in fields.get("challenge_markers", ()))
        return cls(user_agent=agent, **fields)

    def with_overrides(self, **overrides) -> Polite:
        from dataclasses import replace

        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class Answer:
    url: str
    status: int  # 200, or 304 (not modified: no body)
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


class _HostGate:
    """One request at a time per host, at least `delay` seconds apart (shared by every client in the process)."""

    _gates: ClassVar[dict[str, _HostGate]] = {}
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = 0.0

    @classmethod
    def of(cls, url: str) -> _HostGate:
        host = urlsplit(url).netloc.lower()
        with cls._guard:
            return cls._gates.setdefault(host, cls())


def is_challenge(body: bytes, content_type: str, markers: tuple[str, ...]) -> bool:
    """An HTML page carrying a bot shield's words (where XML or a document was asked for)."""
    head = body[:65536].decode("utf-8", "replace").lower()
    looks_html = "html" in content_type.lower() or head.lstrip().startswith(("<!doctype html", "<html"))
    return looks_html and any(m in head for m in markers)


class PoliteClient:
    """httpx with our manners. `sleep` and `clock` are injectable so that tests need not wait."""

    def __init__(self, polite: Polite, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, transport: httpx.BaseTransport | None = None):
        self.polite = polite
        self.sleep, self.clock = sleep, clock
        self.requests = 0
        self.client = httpx.Client(
            headers={"User-Agent": polite.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(polite.read_timeout_seconds, connect=polite.connect_timeout_seconds),
            follow_redirects=False, transport=transport,  # redirects go through the host gate (below)
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _send(self, url: str, headers: dict, sink: Callable[[httpx.Response], Answer]) -> Answer:
        gate = _HostGate.of(url)
        with gate.lock:
            wait = min(gate.last + self.polite.delay_seconds - self.clock(), self.polite.delay_seconds)
            if wait > 0:
                self.sleep(wait)
            try:
                self.requests += 1
                with self.client.stream("GET", url, headers=headers) as response:
                    return sink(response)
            finally:
                gate.last = self.clock()

    def fetch(self, url: str, max_bytes: int, etag: str | None = None, last_modified: str | None = None,
              into: Path | None = None) -> Answer:
        """GET `url`, retrying timeouts and 5xx with backoff. With `into`, the body is streamed to
        that file (the caller renames it when it has checked it) and `Answer.body` holds only its
        first 64 KB; otherwise the body is returned, at most `max_bytes`."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        hops = 0
        while True:
            try:
                return self._send(url, headers, lambda r, url=url: self._read(r, url, max_bytes, into))
            except _Redirect as redirect:
                hops += 1
                if hops > self.polite.max_redirects:
                    raise Refused(f"more than {self.polite.max_redirects} redirects (last to {redirect.to})") from None
                url = redirect.to  # the next hop waits its turn at its own host's gate
            except (_Retry, httpx.TimeoutException) as err:
                retry = err if isinstance(err, _Retry) else _Retry(f"timed out ({type(err).__name__})")
                if attempt >= self.polite.retries:
                    raise Refused(f"{retry.reason}; gave up after {attempt + 1} tries") from None
                pause = self.polite.backoff_seconds * (2 ** attempt)
                if retry.retry_after is not None:
                    pause = max(pause, min(retry.retry_after, self.polite.max_retry_after_seconds))
                attempt += 1
                self.sleep(pause)

    def _read(self, response: httpx.Response, url: str, max_bytes: int, into: Path | None) -> Answer:
        status = response.status_code
        ctype = response.headers.get("content-type", "")
        if status in (403, 429):
            raise SiteBlocked(f"{status} {response.reason_phrase} to GET {url}")
        if status in (301, 302, 303, 307, 308) and response.headers.get("location"):
            raise _Redirect(str(response.url.join(response.headers["location"])))
        if status >= 400:
            # a bot shield's challenge page comes with any status (Cloudflare's with 503): never retried
            head = b""
            try:
                for chunk in response.iter_bytes():
                    head += chunk
                    if len(head) >= 65536:
                        break
            except httpx.HTTPError:
                pass
            if is_challenge(head, ctype, self.polite.challenge_markers):
                raise SiteBlocked(f"a bot-shield challenge page (status {status}) to GET {url}")
        if status >= 500:
            raise _Retry(f"{status} {response.reason_phrase}", _retry_after(response.headers.get("retry-after")))
        if status == 304:
            return Answer(str(response.url), 304, b"", ctype, response.headers.get("etag"),
                          response.headers.get("last-modified"))
        if status != 200:
            raise Refused(f"{status} {response.reason_phrase}")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise Refused(f"the answer declares {int(declared):,} bytes, over the limit of {max_bytes:,}")
        head = bytearray()
        size = 0
        deadline = self.clock() + self.polite.max_answer_seconds
        with open(into, "wb") if into else nullcontext() as out:
            try:
                for chunk in response.iter_bytes():
                    if self.clock() > deadline:
                        raise Refused(f"the answer took longer than {self.polite.max_answer_seconds:g} s "
                                      f"({size:,} bytes by then)")
                    size += len(chunk)
                    if size > max_bytes:
                        raise Refused(f"the answer runs past the limit of {max_bytes:,} bytes")
                    if out:
                        out.write(chunk)
                        if len(head) < 65536:
                            head.extend(chunk[: 65536 - len(head)])
                    else:
                        head.extend(chunk)
            except httpx.TimeoutException:
                raise _Retry(f"timed out after {size:,} bytes") from None
            except (httpx.RemoteProtocolError, httpx.ReadError) as err:
                if declared and declared.isdigit():
                    raise Refused(f"truncated: the connection closed after {size:,} of {int(declared):,} "
                                  "bytes") from None
                raise Refused(f"the connection dropped after {size:,} bytes ({type(err).__name__})") from None
            if declared and declared.isdigit() and size < int(declared) and "content-encoding" not in response.headers:
                raise Refused(f"truncated: {size:,} of {int(declared):,} bytes")
            if out:
                out.flush()
                os.fsync(out.fileno())
        body = bytes(head)
        if is_challenge(body, ctype, self.polite.challenge_markers):
            raise SiteBlocked(f"a bot-shield challenge page (status 200) to GET {url}")
        return Answer(str(response.url), 200, body, ctype, response.headers.get("etag"),
                      response.headers.get("last-modified"))

    def get(self, url: str, max_bytes: int, **kwargs) -> Answer:
        """GET with connection failures (refused, DNS) as `Refused`, like every other unusable answer."""
        try:
            return self.fetch(url, max_bytes, **kwargs)
        except httpx.HTTPError as err:
            raise Refused(f"{type(err).__name__}: {err}") from None


class _Redirect(Exception):
    def __init__(self, to: str):
        super().__init__(to)
        self.to = to


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
