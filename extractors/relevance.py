"""Is a readable file a community-safety paper at all? (pure; the vocabulary is in rules/relevance.yaml)"""

from __future__ import annotations

import re
from functools import cache

from extractors.model import Document
from extractors.readers import UnreadableDocument
from extractors.rulebook import load_yaml


@cache
def _rules() -> dict:
    rules = load_yaml("relevance.yaml")
    compile_all = lambda key: tuple(re.compile(p, re.I) for p in rules[key])  # noqa: E731
    return {
        "minimum": int(rules["min_topic_terms"]),
        "topic": compile_all("topic"),
        "paper": compile_all("paper"),
        "anchor": re.compile(rules["anchor"], re.I),
        "anchor_lines": int(rules["anchor_lines"]),
        "code_line": re.compile(rules["code_line"], re.I),
        "max_code_lines": int(rules["max_code_lines"]),
    }


def check_relevance(document: Document) -> None:
    """Raise UnreadableDocument when the text has too little community-safety or committee vocabulary,
    or is software documentation rather than a paper."""
    rules = _rules()
    lines = [line for line in document.lines if line.text]
    code = sum(1 for line in lines if rules["code_line"].search(line.raw or line.text))
    if code >= rules["max_code_lines"]:
        raise UnreadableDocument(
            f"not a community-safety paper: it reads as software documentation ({code} lines of code or commands; "
            "extractors/rules/relevance.yaml)"
        )
    text = " ".join(line.text for line in lines)
    topics = sum(1 for p in rules["topic"] if p.search(text))
    papers = sum(1 for p in rules["paper"] if p.search(text))
    minimum = rules["minimum"]
    head = " ".join(line.text for line in lines[: rules["anchor_lines"]])
    if rules["anchor"].search(head):
        minimum = min(minimum, 1)  # the paper is about a community-safety body: it has its topic
    if topics < minimum or papers == 0:
        raise UnreadableDocument(
            f"not a community-safety paper: {topics} of the {rules['minimum']} community-safety terms and "
            f"{papers} committee/partnership terms needed (extractors/rules/relevance.yaml)"
        )
