"""Prefect's environment for every run, set before Prefect is imported, and its local server.

- Prefect keeps its state in `.prefect/` inside the project, not `~/.prefect` (set `PREFECT_HOME`
  to choose another place, e.g. your own profile's).
- Its local (ephemeral) API server gets a start-up timeout that survives a loaded machine.
- `start_local_server()` starts that server from the calling (main) thread so that it dies with
  this process, however the process dies: a SIGKILLed run leaves no server behind.
"""

from __future__ import annotations

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


class _DiesWithParent:
    """Stands in for the `subprocess` module inside Prefect's server launcher."""

    def __getattr__(self, name: str):
        return getattr(subprocess, name)

    @staticmethod
    def Popen(args, **kwargs):
        if args and args[0] == sys.executable:
            args = [sys.executable, "-c", _LAUNCHER, str(os.getpid()), *args[1:]]
        return subprocess.Popen(args, **kwargs)


def start_local_server() -> None:
    """Start Prefect's ephemeral API server now, tied to this process (Linux), unless a server is
    configured (`PREFECT_API_URL`). Prefect reuses this one for the run. Call it from the main thread:
    the kernel's parent-death signal follows the thread that started the child."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value() or not sys.platform.startswith("linux"):
        return
    from prefect.server.api import server as prefect_server

    instance = prefect_server.SubprocessASGIServer()
    if instance.running:
        return
    launch = type(instance)._run_uvicorn_command

    def launch_tied():
        real = prefect_server.subprocess
        prefect_server.subprocess = _DiesWithParent()
        try:
            return launch(instance)
        finally:
            prefect_server.subprocess = real

    instance._run_uvicorn_command = launch_tied
    instance.start()
