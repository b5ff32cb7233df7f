"""Lists written inside sentences, as minutes write them (pure; rules in rules/lists.yaml `prose`).

    "The SLP priorities were: dealing with volume crime; violence against women and girls; ..."
    "Our cross-cutting priorities are: reducing offending and reoffending, tackling VAWG and ..."
    "... the areas of priority, which were protecting vulnerable people, ... and reducing re-offending."
    "... a clear steer towards five key areas (drug related crime, road safety, ... and communication)."

A sentence holds a list when a list noun ("priorities", "cross-cutting themes", "key areas") is
followed by a cue that introduces what it lists (a colon, "are", "were", "which were", "namely",
"of:", a bracket). The items are split at semicolons, else at commas with a final "and"/"or". A
number the paper states ("the four priorities", "two cross cutting themes") settles an "and" or a
comma that is inside an item rather than between items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extractors.rulebook import load_yaml

NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
           "eleven": 11, "twelve": 12}


@dataclass(frozen=True)
class ProseList:
    label: str  # the words before the cue: what is listed ("Our cross-cutting priorities are")
    label_start: int  # offsets in the text given
    items: tuple[tuple[str, int], ...]  # (item text, offset)
    stated_count: int | None


@cache
def _rules() -> dict:
    raw = load_yaml("lists.yaml")["prose"]
    return {
        "noun": re.compile(raw["list_noun"], re.I),
        "cue": re.compile(raw["cue"], re.I),
        "count": re.compile(raw["count"], re.I),
        "max_item_words": int(raw["max_item_words"]),
        "min_items": int(raw["min_items"]),
        "not_after_noun": re.compile(raw["not_after_noun"], re.I),
        "head_next": re.compile(raw["head_next"], re.I),
        "item_not_start": re.compile(raw["item_not_start"], re.I),
    }


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘'\"(])")
_AND = re.compile(r",?\s+(?:and|or|as well as)\s+", re.I)


def sentences(text: str) -> list[tuple[str, int]]:
    """Sentences of a paragraph with their offsets (a full stop inside brackets does not end one)."""
    out: list[tuple[str, int]] = []
    start, depth = 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch in ".!?" and depth <= 0 and i + 1 < len(text) and text[i + 1].isspace():
            j = i + 1
            while j < len(text) and text[j].isspace():
                j += 1
            nxt = text[j:j + 1]
            if nxt and (nxt.isupper() or nxt in "‘'\"("):
                out.append((text[start:i + 1], start))
                start = j
    out.append((text[start:], start))
    return [(s, o) for s, o in out if s.strip()]


def _depth_at(text: str, end: int) -> int:
    """How deep inside brackets or curly quotes position `end` is."""
    head = text[:end]
    return head.count("(") - head.count(")") + head.count("‘") - head.count("’") + head.count("“") - head.count("”")


def _split_top(text: str, sep: str) -> list[tuple[str, int]]:
    """Split at `sep` outside brackets and quotes; (part, offset) with the part stripped."""
    parts: list[tuple[str, int]] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        depth += (ch in "(‘“") - (ch in ")’”")
        if ch == sep and depth == 0:
            parts.append((text[start:i], start))
            start = i + 1
    parts.append((text[start:], start))
    out = []
    for part, offset in parts:
        lead = len(part) - len(part.lstrip())
        if part.strip():
            out.append((part.strip(), offset + lead))
    return out


def _split_last_and(part: str, offset: int) -> list[tuple[str, int]]:
    """'violent crime and cybercrime' -> two items, at the last 'and' outside brackets."""
    last = None
    for m in _AND.finditer(part):
        if _depth_at(part, m.start()) == 0:
            last = m
    if last is None:
        return [(part, offset)]
    return [(part[: last.start()].strip(), offset), (part[last.end():].strip(), offset + last.end())]


def _first_word_kind(text: str) -> str:
    word = text.split()[0] if text.split() else ""
    if word.lower().endswith("ing"):
        return "ing"
    return "upper" if word[:1].isupper() else "lower"


def _fit_count(items: list[tuple[str, int]], count: int, text: str) -> list[tuple[str, int]]:
    """Merge or split items until there are `count`, where the paper states how many."""
    items = list(items)
    while len(items) > count:  # a comma inside an item: join the part least like the others to its neighbour
        kinds = [_first_word_kind(t) for t, _ in items]
        common = max(set(kinds), key=kinds.count)
        odd = next((i for i in range(1, len(items)) if kinds[i] != common), len(items) - 1)
        (_prev, at), (cur, cur_at) = items[odd - 1], items[odd]
        items[odd - 1: odd + 1] = [(text[at: cur_at + len(cur)].strip(), at)]
    while len(items) < count:  # an "and" between items inside one: split the longest at its last "and"
        longest = max(range(len(items)), key=lambda i: len(items[i][0].split()))
        pieces = _split_last_and(*items[longest])
        if len(pieces) < 2:
            break
        items[longest: longest + 1] = pieces
    return items


def _body_items(body: str, offset: int) -> list[tuple[str, int]]:
    body_trim = body.rstrip()
    while body_trim and body_trim[-1] in ".;,:":
        body_trim = body_trim[:-1].rstrip()
    if ";" in body_trim:
        parts = _split_top(body_trim, ";")
        last_text, last_at = parts[-1]
        cleaned = re.sub(r"^(?:and|or)\s+", "", last_text, flags=re.I)
        parts[-1] = (cleaned, last_at + len(last_text) - len(cleaned))
    else:
        parts = _split_top(body_trim, ",")
        if not parts:
            return []
        last_text, last_at = parts[-1]
        and_split = re.match(r"^(?:and|or)\s+", last_text, flags=re.I)
        if and_split:  # an Oxford comma: ", and X"
            parts[-1] = (last_text[and_split.end():], last_at + and_split.end())
        else:
            parts[-1:] = _split_last_and(last_text, last_at)
    return [(t.strip(), offset + at) for t, at in parts if t.strip()]


def stated_count(text: str, noun: str) -> int | None:
    """'the four priorities', '8 big targets', 'two cross cutting themes': the number a paper states
    of things named like `noun` (the list's own noun: a count of themes does not count priorities)."""
    family = _family(noun)
    for match in _rules()["count"].finditer(text):
        if _family(match.group("noun")) != family:
            continue
        word = match.group("n").lower()
        return int(word) if word.isdigit() else NUMBERS.get(word)
    return None


def _family(noun: str) -> str:
    last = noun.lower().split()[-1] if noun.split() else ""
    return last[:5]


_DETERMINER = re.compile(r"^(?:the|a|an|its|their|our|this|these)\b", re.I)


def _join_determiner_parts(items: list[tuple[str, int]], text: str) -> list[tuple[str, int]]:
    """'reducing crime, the fear of crime and anti-social behaviour': where most items open with a
    verb, a part opening with 'the' continues the item before it."""
    if len(items) < 3 or sum(_first_word_kind(t) == "ing" for t, _ in items) * 2 <= len(items):
        return items
    out: list[tuple[str, int]] = []
    for item, at in items:
        if out and _DETERMINER.match(item):
            _prev, prev_at = out[-1]
            out[-1] = (text[prev_at: at + len(item)].strip(), prev_at)
        else:
            out.append((item, at))
    return out


def _list_after(sentence: str, s_at: int, noun: re.Match[str], text: str) -> tuple[int, list, str] | None:
    """The list a noun introduces: (where its label ends in the sentence, items, the noun), or None."""
    rules = _rules()
    after = sentence[noun.end():]
    if not rules["head_next"].match(after) or rules["not_after_noun"].match(after):
        return None
    bracket = re.match(r"^[^.;:()]{0,40}?\(([^()]*(?:\([^()]*\)[^()]*)*)\)", after)
    cue = rules["cue"].search(after)
    if bracket and "," in bracket.group(1) and (cue is None or cue.end() > bracket.start(1)):
        body, body_at = bracket.group(1), s_at + noun.end() + bracket.start(1)
        label_end = noun.end() + bracket.start(1) - 1
    elif cue:
        body, body_at = after[cue.end():], s_at + noun.end() + cue.end()
        label_end = noun.end() + len(after[: cue.end()].rstrip())
    else:
        return None
    items = _join_determiner_parts(_body_items(body, body_at), text)
    if len(items) < rules["min_items"] or any(
        not t or len(t.split()) > rules["max_item_words"] or rules["item_not_start"].match(t) for t, _ in items
    ):
        return None
    if len(items) == 2 and ";" not in body and "," not in body.strip().rstrip(",.") and not _names_two(sentence):
        return None  # 'A and B' is a list only where the paper says there are two
    return label_end, items, noun.group(0)


def _names_two(sentence: str) -> bool:
    return bool(re.search(r"\b(?:two|2|both)\b", sentence, re.I))


def find_prose_lists(text: str, following: str = "") -> list[ProseList]:
    """Lists inside the sentences of `text`; `following` (the next sentences) may state their number."""
    rules = _rules()
    out: list[ProseList] = []
    all_sentences = sentences(text)
    for index, (sentence, s_at) in enumerate(all_sentences):
        found = None
        # the noun nearest its cue wins: "Community Safety Priorities: ... the areas of priority, which were ..."
        for noun in reversed(list(rules["noun"].finditer(sentence))):
            found = _list_after(sentence, s_at, noun, text)
            if found is not None:
                break
        if found is None:
            continue
        label_end, items, noun_text = found
        rest = " ".join(s for s, _ in all_sentences[index + 1: index + 2]) + " " + following
        count = stated_count(sentence[:label_end], noun_text) or stated_count(rest, noun_text)
        if count and len(items) != count:
            fitted = _fit_count(items, count, text)
            if len(fitted) == count:
                items = fitted
        label = sentence[:label_end].strip().rstrip(",:;–- ")
        out.append(ProseList(label, s_at, tuple(items), count))
    return out
