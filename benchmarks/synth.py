"""A synthetic corpus of committee papers for the ingest benchmark, as text and as PDF.

Each paper is a yearly community-safety report of one of 40 invented partnerships: a
title block, a meeting date, a version-control table, a history paragraph, the current
priorities and cross-cutting themes, and a recommendation. The wording of the
priorities and themes is drawn from what the seeds themselves list (read from the
embedded corpus at generation time), so the extractors meet realistic labels; a
partnership's list changes a little from one year to the next.

    python benchmarks/synth.py 1000      # writes benchmarks/.generated/synthetic-1000/{text,pdf}
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
GENERATED = Path(__file__).parent / ".generated"

AREAS = [
    "Ashbourne", "Barrowfield", "Castlemere", "Dunholme", "Eastvale", "Fernleigh", "Glenridge", "Hartwell",
    "Ivybridge Vale", "Juniper Downs", "Kingsmead", "Larkhill", "Marlow Heath", "Northshire", "Oakhurst",
    "Pendlebury", "Queensford", "Ravenscar", "Southdown", "Thornbury", "Upperton", "Westmoor", "Yardley",
    "Ashcombe", "Brackenfield", "Coldharbour", "Deepdale", "Elmstead", "Foxton", "Greystone", "Hollinwood",
    "Kelsall", "Lindley", "Millbrook", "Newbold", "Orchardleigh", "Pinewood", "Redmarsh", "Stoneleigh", "Tilford",
]
MONTHS = ["January", "February", "March", "June", "July", "September", "October", "November"]


def vocabulary() -> dict[str, list[str]]:
    """Priority and theme wordings the seeds list (current and proposed lists alike)."""
    from extractors.pipeline import extract_document

    words: dict[str, list[str]] = {"priorities": [], "cross_cutting_themes": []}
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        doc = extract_document(path.read_bytes(), path.name)
        for lst in doc.lists:
            if lst.role in words:
                words[lst.role].extend(i.raw_label for i in lst.items if len(i.raw_label) < 70)
    return {role: sorted(set(labels)) for role, labels in words.items()}


def paper(n: int, vocab: dict[str, list[str]]) -> tuple[str, str]:
    """(file stem, text) of the n-th paper: deterministic for n."""
    rng = random.Random(n)
    area = AREAS[n % len(AREAS)]
    year = 2000 + (n // len(AREAS)) % 26
    version = 1 + (n // len(AREAS)) % 9
    yrng = random.Random(f"{area}")  # a partnership's lists drift slowly from a stable core
    core = yrng.sample(vocab["priorities"], 6)
    themes_core = yrng.sample(vocab["cross_cutting_themes"], 4)
    priorities = core[: 4 + rng.randint(0, 2)]
    if rng.random() < 0.4:
        priorities[rng.randrange(len(priorities))] = rng.choice(vocab["priorities"])
    themes = themes_core[: 3 + rng.randint(0, 1)]
    month = rng.choice(MONTHS)
    day = rng.randint(1, 28)
    lines = [
        f"{area.upper()} COMMUNITY SAFETY PARTNERSHIP",
        "",
        f"Report to the {area} Crime and Disorder Scrutiny Committee – {day} {month} {year}",
        "",
        f"Subject: Annual review of the {area} Community Safety Agreement {year}/{str(year + 1)[2:]}",
        "",
        "Classification: Unrestricted",
        "",
        "Summary: This report sets out the priorities of the community safety partnership for the year "
        "ahead and asks the committee to note the refreshed agreement.",
        "",
        "1. Introduction",
        "",
        f"1.1 The {area} Community Safety Agreement sets out how partners tackle crime and disorder, "
        "reduce re-offending and support victims. It is refreshed every year from the strategic assessment.",
        "",
        "Version Control",
        "",
        "Version\tDate\tChanges",
    ]
    for v in range(max(1, version - 2), version + 1):
        lines.append(f"{v}.0\tApril {year - (version - v)}\tCh.2 - priorities reviewed")
    lines += [
        "",
        "2. History",
        "",
        f"- {year - 1} - No major changes to the priorities.",
        "",
        f"3. Priorities from April {year}",
        "",
        f"3.1 The priorities of the {area} Community Safety Agreement from April {year} are:",
        "",
        *[f"- {p}" for p in priorities],
        "",
        f"3.2 The cross-cutting themes from April {year} are:",
        "",
        *[f"- {t}" for t in themes],
        "",
        "4. Recommendation",
        "",
        "4.1 The Committee is asked to note the refreshed Community Safety Agreement.",
        "",
    ]
    stem = f"{n:04d}_{area.lower().replace(' ', '_')}_{year}"
    return stem, "\n".join(lines)


def generate(count: int, pdf: bool = True) -> tuple[Path, Path]:
    """Write (once) `count` papers as text and, with `pdf`, as PDF; returns the two folders."""
    from renditions import render_pdf

    from extractors.readers import read_text

    base = GENERATED / f"synthetic-{count}"
    text_dir, pdf_dir = base / "text", base / "pdf"
    done = base / (".complete" if pdf else ".complete-text")
    if done.is_file() or (base / ".complete").is_file():
        return text_dir, pdf_dir
    text_dir.mkdir(parents=True, exist_ok=True)
    if pdf:
        pdf_dir.mkdir(parents=True, exist_ok=True)
    vocab = vocabulary()
    for n in range(count):
        stem, text = paper(n, vocab)
        data = text.encode("utf-8")
        (text_dir / f"{stem}.txt").write_bytes(data)
        if pdf:
            (pdf_dir / f"{stem}.pdf").write_bytes(render_pdf(read_text(data, f"{stem}.txt")))
        if (n + 1) % (1000 if count > 2000 else 100) == 0:
            print(f"  generated {n + 1}/{count} papers", file=sys.stderr)
    done.write_text("ok\n")
    return text_dir, pdf_dir


if __name__ == "__main__":
    print(*generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
