"""Golden files for list and lead extraction: one JSON file per document under tests/golden/.

Regenerate on purpose only, then read the diff before committing:

    CSA_UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/test_lists_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CSA_UPDATE_GOLDENS") == "1"


def golden_of(extracted, provenance: bool = True) -> dict:
    """What a golden file records: every list with role, stance, period, heading and items; every lead."""

    def where(obj) -> dict:
        return {"page": obj.page, "line": obj.line} if provenance else {}

    return {
        "lists": [
            {
                "role": lst.role,
                "stance": lst.stance,
                "applies_from": lst.applies_from.isoformat() if lst.applies_from else None,
                "applies_to": lst.applies_to.isoformat() if lst.applies_to else None,
                "heading": lst.heading,
                **where(lst),
                "items": [
                    {"label": item.raw_label, **({"count": item.count} if item.count is not None else {}),
                     **where(item)}
                    for item in lst.items
                ],
            }
            for lst in extracted.lists
        ],
        "leads": [{"priority": x.raw_priority, "lead": x.lead, **where(x)} for x in extracted.leads],
    }


def without_provenance(golden: dict) -> dict:
    def strip(d: dict) -> dict:
        return {k: v for k, v in d.items() if k not in ("page", "line")}

    return {
        "lists": [{**strip(lst), "items": [strip(i) for i in lst["items"]]} for lst in golden["lists"]],
        "leads": [strip(x) for x in golden["leads"]],
    }


def golden_path(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.json"


def load_golden(name: str) -> dict:
    return json.loads(golden_path(name).read_text(encoding="utf-8"))


def save_golden(name: str, golden: dict) -> None:
    GOLDEN_DIR.mkdir(exist_ok=True)
    golden_path(name).write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
