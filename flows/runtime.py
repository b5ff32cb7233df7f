"""Prefect's environment for every run, set before Prefect is imported, and its local server.

- Prefect keeps its state in `.prefect/` inside the project, not `~/.prefect` (set `PREFECT_HOME`
  to choose another place, e.g. your own profile's).
- Its local (ephemeral) API server gets a start-up timeout that survives a loaded machine.
- `start_local_server()` starts that server from the calling (main) thread so that it dies with
  this process, however the process dies: a SIGKILLed run leaves no server behind. It does not wait
  for it: the run's own start-up work overlaps the server's.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_HOME": str(ROOT / ".prefect"),
    # Prefect's default is 20 s; its server takes 8-14 s to start on an idle 2-core machine.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}


def set_prefect_defaults() -> None:
    """Fill in Prefect's environment where the user has not. Prefect reads it once, when imported."""
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)


# Runs in the server's process before it becomes the server: ask the kernel to SIGKILL it when its
# parent dies (PR_SET_PDEATHSIG = 1), then exec the real command. Checking the parent after the
# request closes the race where the parent died first.
_LAUNCHER = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    os._exit(1)\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[2:]])\n"
)


class LocalServer:
    """Prefect's API server for this process's runs: the same uvicorn app Prefect's own ephemeral
    server runs, started here without importing Prefect's server code (seconds of imports), tied to
    this process, and reused by its later runs. `using()` waits until it answers and points Prefect
    at it for the run; what the run does meanwhile (imports, reading the parse cache) overlaps its
    start-up."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        spec = importlib.util.find_spec("prefect")  # found, not imported: that takes seconds, spent meanwhile
        if spec is None or spec.origin is None:
            raise RuntimeError("Prefect is not installed")
        args = [sys.executable, "-c", _LAUNCHER, str(os.getpid()), "-m", "uvicorn",
                "--app-dir", str(Path(spec.origin).parent.parent), "--factory",
                "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
                "--log-level", "error", "--lifespan", "on"]
        self.process = subprocess.Popen(args, env=env)
        self.ready = False

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float) -> None:
        """Until the server answers its health check (RuntimeError if it exits or `timeout` passes)."""
        import time
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while not self.ready:
            if self.process.poll() is not None:
                raise RuntimeError(f"Prefect's local server exited with code {self.process.returncode} "
                                   f"before answering (port {self.port})")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as answer:
                    self.ready = answer.status == 200
            except (urllib.error.URLError, OSError):
                pass
            if not self.ready:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Prefect's local server did not answer within {timeout:g} s "
                                       "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")
                time.sleep(0.05)

    @contextlib.contextmanager
    def using(self):
        """Prefect pointed at this server for the block, once it answers. Where Prefect is configured
        with a server of its own (PREFECT_API_URL in the environment or the profile), that one is
        used and this one is stopped."""
        from prefect.settings import PREFECT_API_URL, temporary_settings

        if PREFECT_API_URL.value():
            self.stop()
            yield None
            return
        self.wait(float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")))
        with temporary_settings(updates={PREFECT_API_URL: self.api_url}):
            yield self

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_server: LocalServer | None = None


def _free_port() -> int:
    import socket

    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_local_server() -> LocalServer | None:
    """Start Prefect's local API server now, tied to this process (Linux; None elsewhere, where
    Prefect starts its own). Does not wait for it, nor import Prefect: run the flow inside its
    `using()`, which also steps aside for a server Prefect is configured with. Call it from the main
    thread: the kernel's parent-death signal follows the thread that started the child. One server
    serves this process's later runs too."""
    global _server
    if not sys.platform.startswith("linux") or os.environ.get("PREFECT_API_URL"):
        return None
    if _server is None or not _server.alive():
        _server = LocalServer()
        atexit.register(_server.stop)
    return _server
