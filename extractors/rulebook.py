"""Loads the rule files under extractors/rules (data, not code)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import yaml

RULES_DIR = Path(__file__).parent / "rules"


@cache
def load_yaml(name: str) -> dict:
    with open(RULES_DIR / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def load_jsonl(name: str) -> tuple[dict, ...]:
    with open(RULES_DIR / name, encoding="utf-8") as fh:
        return tuple(json.loads(line) for line in fh if line.strip() and not line.startswith("//"))
