"""Is a readable file a community-safety paper at all? (pure; the vocabulary is in rules/relevance.yaml)"""

from __future__ import annotations

import re
from functools import cache

from extractors.model import Document
from extractors.readers import UnreadableDocument
from extractors.rulebook import load_yaml


@cache
def _rules() -> tuple[int, tuple[re.Pattern, ...], tuple[re.Pattern, ...]]:
    rules = load_yaml("relevance.yaml")
    compile_all = lambda key: tuple(re.compile(p, re.I) for p in rules[key])  # noqa: E731
    return int(rules["min_topic_terms"]), compile_all("topic"), compile_all("paper")


def check_relevance(document: Document) -> None:
    """Raise UnreadableDocument when the text has too little community-safety or committee vocabulary."""
    minimum, topic, paper = _rules()
    text = " ".join(line.text for line in document.lines if line.text)
    topics = sum(1 for p in topic if p.search(text))
    papers = sum(1 for p in paper if p.search(text))
    if topics < minimum or papers == 0:
        raise UnreadableDocument(
            f"not a community-safety paper: {topics} of the {minimum} community-safety terms and "
            f"{papers} committee/partnership terms needed (extractors/rules/relevance.yaml)"
        )
