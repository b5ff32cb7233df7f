"""What every reader shares: the content hash, the page and line limits, furniture rules, table-row text."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from functools import cache

from extractors.cleaning import collapse_spaces, strip_markup
from extractors.limits import Limits
from extractors.model import Line
from extractors.rulebook import load_yaml


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@cache
def furniture_rules() -> dict:
    """Running headers and footers (rules/layout.yaml `furniture`)."""
    return load_yaml("layout.yaml")["furniture"]


def too_many_pages(count: int, limits: Limits) -> None:
    if count > limits.max_pages:
        raise limits.refuse(f"too long for one paper: {count:,} pages", "max_pages")


def too_many_lines(count: int, limits: Limits) -> None:
    if count > limits.max_lines:
        raise limits.refuse(f"too long for one paper: more than {limits.max_lines:,} lines", "max_lines")


def clean_cells(cells: Sequence[str]) -> tuple[str, ...]:
    return tuple(collapse_spaces(strip_markup(c)[0]) for c in cells)


def row_text(cells: Sequence[str]) -> str:
    """A table row's text: its non-empty cells joined with ' | '."""
    return " | ".join(c for c in cells if c)


def with_changes(line: Line, **changes) -> Line:
    return replace(line, **changes)
