"""What one paper may cost to read: the limits in rules/limits.yaml, as one value passed down.

Readers and extractors check the static caps (pages, bytes, lines, list items, PDF streams and
operators); the run enforces the per-file time and memory budget on its parsing process. Each
refusal names the limit it broke and where to raise it.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields, replace

from extractors.model import UnreadableDocument
from extractors.rulebook import load_yaml

LIMITS_FILE = "extractors/rules/limits.yaml"
_AS = {"int": int, "float": float}  # field annotations are strings here


@dataclass(frozen=True)
class Limits:
    max_pages: int
    max_text_bytes: int
    max_lines: int
    max_list_items: int
    max_stream_bytes: int
    max_page_operators: int
    max_parse_seconds: float
    max_parse_memory_mb: int

    @classmethod
    def from_rules(cls, **overrides) -> Limits:
        """The limits in rules/limits.yaml, with any given overrides (tests lower them)."""
        rules = load_yaml("limits.yaml")
        values = {f.name: _AS[f.type](rules[f.name]) for f in fields(cls)}
        return replace(cls(**values), **overrides)

    @property
    def fingerprint(self) -> str:
        """Cache key part: a refusal or a parse under other limits is not reused."""
        return hashlib.sha256(repr(sorted(asdict(self).items())).encode()).hexdigest()[:8]

    def refuse(self, what: str, key: str, unit: str = "", why: str = "") -> UnreadableDocument:
        """'<what> (limit N, limits.<key> in extractors/rules/limits.yaml)[: why]' as a refusal."""
        limit = getattr(self, key)
        shown = f"{limit:,}" if isinstance(limit, int) else f"{limit:g}"
        return UnreadableDocument(
            f"{what} (limit {shown}{unit}, limits.{key} in {LIMITS_FILE})" + (f": {why}" if why else ""))


def default_limits() -> Limits:
    return Limits.from_rules()
