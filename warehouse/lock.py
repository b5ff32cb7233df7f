"""One writer at a time: an advisory lock file beside the warehouse.

`fcntl.flock` locks belong to the open file, so the kernel drops them when the
holder exits for any reason, SIGKILL included: a crashed run never leaves a
stale lock behind. The lock file itself is never deleted (deleting it would let
two runs lock two different files); it holds a line saying who has it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class WarehouseBusy(Exception):
    """Another run holds the warehouse; `str()` is a one-line message for the operator."""


def lock_path(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


@contextmanager
def warehouse_lock(
    db_path: Path, wait: float = 0.0, on_wait: Callable[[str], None] | None = None, poll: float = 0.2
) -> Iterator[None]:
    """Hold the warehouse's write lock; wait up to `wait` seconds for it, then raise WarehouseBusy."""
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held open for the lock's lifetime)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        told = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    hint = "; try again later or pass --wait SECONDS" if wait <= 0 else f" after waiting {wait:g}s"
                    raise WarehouseBusy(f"warehouse {db_path} is busy: {holder}{hint}") from None
                if on_wait and not told:
                    on_wait(f"warehouse {db_path} is busy ({holder}); waiting up to {wait:g}s")
                    told = True
                time.sleep(poll)
        fh.seek(0)
        fh.truncate()
        command = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv[:4]))
        fh.write(f"held by pid {os.getpid()} since {dt.datetime.now():%Y-%m-%d %H:%M:%S} ({command})\n")
        fh.flush()
        yield
    finally:
        fh.close()  # closing the descriptor releases the flock


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "another csa run holds its lock"
