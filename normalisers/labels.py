"""Forms of a priority/theme label for matching, and how alike two labels are.

Every rule (qualifier words, abbreviations, stopwords, action words, spellings,
thresholds) is data in normalisers/rules/. The functions here are pure.

A label has four forms:
  wording   what was printed, ignoring case, spacing, punctuation and '&'/'and':
            two labels with the same wording are the same words (no rename);
  key       the wording without qualifiers (any parenthesis, "including ...",
            "inc. ...") and articles: the `normalised` match;
  expanded  the key with abbreviations spelt out (ASB, VAWG, ...): the
            `abbreviation` match;
  core      the expanded key's substantive words, lightly stemmed, without
            stopwords or verbs of action ("Tackling", "Preventing"): what
            contextual (`fuzzy`) links are scored on.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from itertools import combinations, pairwise
from pathlib import Path

import yaml
from rapidfuzz import fuzz

RULES_DIR = Path(__file__).parent / "rules"


@cache
def rules() -> dict:
    with open(RULES_DIR / "labels.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def abbreviations() -> dict[str, str]:
    with open(RULES_DIR / "abbreviations.csv", encoding="utf-8", newline="") as fh:
        return {row["abbreviation"].strip(): row["expansion"].strip() for row in csv.DictReader(fh)}


_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")
_ARTICLES = {"the", "a", "an"}


@cache
def _qualifier_clause() -> re.Pattern[str]:
    words = sorted((re.escape(w).replace(r"\ ", r"\s+") for w in rules()["qualifiers"]), key=len, reverse=True)
    return re.compile(r"[\s,;:–-]+(?:" + "|".join(words) + r")\b\.?\s.*$", re.I)


@cache
def _abbreviation_pattern() -> re.Pattern[str]:
    keys = sorted(abbreviations(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w-])")


def _plain(text: str) -> str:
    """Lower case, '&'/'+' as 'and', hyphenated words joined, no punctuation, known spellings unified."""
    text = text.lower().replace("&", " and ").replace("+", " and ")
    text = re.sub(r"(?<=\w)-(?=\w)", "", text)
    text = _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()
    for variant, standard in rules()["spellings"].items():
        text = re.sub(rf"\b{re.escape(variant)}\b", standard, text)
    return text


def wording(label: str) -> str:
    return _plain(label)


_PAREN_GROUP = re.compile(r"\s*\((?P<inner>[^()]*)\)")


def _qualifying(paren: re.Match[str], text: str) -> bool:
    """A parenthesis that qualifies rather than distinguishes: examples, an abbreviation, its expansion."""
    inner = paren.group("inner").strip()
    if not inner:
        return True
    if _qualifier_clause().match(" " + inner):
        return True
    if re.fullmatch(r"[A-Z][A-Z&]{1,7}s?", inner):  # '(VAWG)', '(OCGs)': an abbreviation defined
        return True
    before = re.findall(r"[\w&-]+", text[: paren.start()])
    if before and before[-1] in abbreviations():  # 'VAWG (Violence Against Women and Girls)'
        return _plain(inner) == _plain(abbreviations()[before[-1]])
    return False


def _without_qualifiers(label: str) -> str:
    text = label
    while True:
        paren = next((m for m in _PAREN_GROUP.finditer(text) if _qualifying(m, text)), None)
        if paren is None:
            break
        text = text[: paren.start()] + text[paren.end() :]
    return _qualifier_clause().sub("", text)


def key(label: str) -> str:
    words = _plain(_without_qualifiers(label)).split()
    return " ".join(w for w in words if w not in _ARTICLES)


def _expand(text: str) -> str:
    return _abbreviation_pattern().sub(lambda m: abbreviations()[m.group(1)], text)


def expanded(label: str) -> str:
    """Abbreviations spelt out (case-sensitive: 'ASB', not 'asb' inside a word), then the key."""
    return key(_expand(_without_qualifiers(label)))


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "ed", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(rules()["stopwords"])


@cache
def _action_stems() -> frozenset[str]:
    return frozenset(_stem(w) for w in rules()["action_words"])


def words(label: str) -> tuple[str, ...]:
    """Stemmed words of the expanded key without stopwords, verbs of action kept."""
    return tuple(_stem(w) for w in expanded(label).split() if w not in _stopwords())


def core(label: str) -> tuple[str, ...]:
    """Substantive stemmed words, in order: `words` without verbs of action."""
    return tuple(s for s in words(label) if s not in _action_stems())


@dataclass(frozen=True)
class Forms:
    raw: str
    wording: str
    key: str
    expanded: str
    core: tuple[str, ...]


@cache
def forms(label: str) -> Forms:
    return Forms(label, wording(label), key(label), expanded(label), core(label))


def same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    r = rules()
    shortest = min(len(a), len(b))
    return (
        shortest >= int(r["fuzzy_token_min_length"])
        and a[0] == b[0]
        and fuzz.ratio(a, b) >= float(r["fuzzy_token_ratio"])
    )


def _shared(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    used: set[int] = set()
    shared = 0
    for word in a:
        for j, other in enumerate(b):
            if j not in used and same_word(word, other):
                used.add(j)
                shared += 1
                break
    return shared


@dataclass(frozen=True)
class Similarity:
    score: float  # Dice coefficient of the core words, 0-100
    shared: int  # core words in common
    contained: bool  # every core word of the shorter label is in the longer one
    head: int  # leading core words the two share, in order
    linkable: bool  # strong enough for a contextual link (see labels.yaml)
    reason: str
    weak: bool = False  # linkable by the same-head rule only: the single leftover on each side

    @property
    def ranking(self) -> tuple:
        return (self.linkable, not self.weak, self.contained, self.score, self.head)


def similarity(a: str, b: str) -> Similarity:
    """How alike two labels are, and whether that is enough to link them inside one list-to-list context.

    Deliberately not a token-set score: 'Domestic Abuse' is a subset of 'VAWG and Domestic Abuse' and
    would score 100. Containment is accepted only between leftovers of consecutive lists (the caller's
    job), and a single shared word never links two labels.
    """
    r = rules()
    ca, cb = core(a), core(b)
    if not ca or not cb:
        return Similarity(0.0, 0, False, 0, False, "no substantive words")
    shared = _shared(ca, cb)
    head = 0
    for x, y in zip(ca, cb, strict=False):
        if not same_word(x, y):
            break
        head += 1
    shorter = min(len(ca), len(cb))
    score = round(200.0 * shared / (len(ca) + len(cb)), 1)
    contained = shared == shorter
    minimum = int(r["containment_min_tokens"])
    if contained and shorter >= minimum:
        return Similarity(score, shared, True, head, True, "every substantive word of one label is in the other")
    wa, wb = words(a), words(b)
    if min(len(wa), len(wb)) >= minimum and _shared(wa, wb) == min(len(wa), len(wb)):
        return Similarity(score, shared, True, head, True, "every word of one label is in the other")
    if head >= int(r["head_min_tokens"]) and head / shorter >= float(r["head_min_share"]):
        return Similarity(score, shared, contained, head, True, f"the same first {head} substantive words", weak=True)
    why = "one substantive word" if contained else f"{shared} of {shorter} substantive words shared"
    return Similarity(score, shared, contained, head, False, why)


def equal_forms(a: str, b: str) -> str | None:
    """How two labels are the same item without any context: 'exact', 'normalised', 'abbreviation', or None."""
    if a.strip() == b.strip():
        return "exact"
    fa, fb = forms(a), forms(b)
    if fa.key and fa.key == fb.key:
        return "normalised"
    if fa.expanded and fa.expanded == fb.expanded:
        return "abbreviation"
    return None


def same_substance(a: str, b: str) -> bool:
    """The same substantive words in any order (verbs of action and stopwords ignored)."""
    ca, cb = core(a), core(b)
    return bool(ca) and len(ca) == len(cb) and similarity(a, b).shared == len(ca)


def groupings(label: str, max_parts: int = 6) -> list[list[str]]:
    """Ways to read the label as two or more items: adjacent parts joined back with their separator.

    'Violence Against Women and Girls (VAWG) & Domestic Abuse' splits at 'and' inside the first
    item too; joining adjacent parts back yields the reading ['Violence Against Women and Girls',
    'Domestic Abuse'] among others.
    """
    text = _without_qualifiers(label)
    pattern = "|".join(re.escape(c) if c.strip() else r"\s+" for c in rules()["conjunctions"])
    pieces = re.split(f"({pattern})", text, flags=re.I)
    parts = [p.strip() for p in pieces[::2]]
    seps = pieces[1::2]
    if len(parts) < 2 or len(parts) > max_parts or not all(parts):
        return []
    out = []
    for k in range(1, len(parts)):
        for cuts in combinations(range(1, len(parts)), k):
            bounds = (0, *cuts, len(parts))
            group = []
            for s, e in pairwise(bounds):
                text_part = parts[s]
                for i in range(s + 1, e):
                    text_part += f" {seps[i - 1].strip()} " + parts[i]
                group.append(text_part.strip())
            out.append(group)
    return out
