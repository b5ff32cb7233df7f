"""Rules as data: the YAML files in normalisers/rules/, read once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

RULES_DIR = Path(__file__).parent / "rules"


@cache
def load_rules(name: str) -> dict:
    with open(RULES_DIR / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}
