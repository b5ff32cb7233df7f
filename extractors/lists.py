"""Find every list of priorities, themes and issues in a parsed document and say what it is.

A council paper can hold several lists that look alike and mean different
things: the CSA's current priorities beside the recommended ones, the issues
the district partnerships found, a MoRiLE ranking, the Police and Crime Plan's
priorities. What a list *is* comes from its label (the heading or lead-in it
is printed under), the prose before it and the headings around it, never from
which file it is in. The rules are data: rules/lists.yaml.

Lists are found in four shapes: runs of bullet items (glyphs, lost glyphs,
numbers), tables (row sections such as PRIORITIES / CROSS-CUTTING THEMES,
column headers, and count tables), "Priorities: a; b; and c." sentences, and
two-column lists flattened into one line per row by PDF-to-text conversion.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from extractors.blocks import join_lines_with_offsets, line_at_offset
from extractors.dates import DateSpan, find_dates
from extractors.metadata import DocumentDate, DocumentMetadata
from extractors.model import Block, Document, Line
from extractors.prose import find_prose_lists
from extractors.rulebook import load_yaml

ROLES = (
    "priorities",
    "cross_cutting_themes",
    "district_assessment",
    "morile",
    "police_plan",
    "stakeholder_workshop",
    "other",
)
STANCES = ("current", "proposed", "historic")
CSA_ROLES = ("priorities", "cross_cutting_themes")
OTHER_BODIES = ("police_plan",)  # lists of another body than the partnership

_LEADING_NUMBER = re.compile(r"^(?:\(?[0-9]{1,2}[.)]|\(?[a-z][.)]|\(?[ivx]{1,4}[.)])\s+", re.I)
_COUNT = re.compile(r"^\(?(\d{1,3})\)?$")
# "Domestic abuse (9)", "Domestic abuse – 9 CSPs": a count printed after the label.
_TRAILING_COUNT = re.compile(
    r"^(?P<label>.*\S)\s*(?:\((?P<a>\d{1,2})(?:\s+csps?)?\)|[–-]\s*(?P<b>\d{1,2})(?:\s+csps?)?)$", re.I
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘'\"(])")
_COLUMN_GAP = re.compile(r"(?<=\S)\s{2,}(?=\S)")


@dataclass(frozen=True)
class ListItem:
    position: int  # 1-based, in reading order
    raw_label: str  # as printed: qualifiers kept, bullets, numbers and footnote markers removed
    count: int | None  # CSPs identifying the issue, for assessment tables; else None
    page: int
    line: int
    source_text: str
    detail: str | None = None  # what the paper says after the label ("Acquisitive Crime – including theft")


@dataclass(frozen=True)
class ExtractedList:
    role: str
    stance: str
    applies_from: dt.date | None
    applies_to: dt.date | None
    heading: str  # the label the list is printed under (heading, lead-in sentence, table section)
    page: int
    line: int
    items: tuple[ListItem, ...]
    evidence: tuple[str, ...] = field(default=(), compare=False)  # why role, stance and period were given


@dataclass(frozen=True)
class _Label:
    text: str
    page: int
    line: int
    block: int  # index of the block the label was read from
    # the words that introduce the list are known (a sentence list's cue, 'These include:' after the
    # sentence naming what they are): a label naming plans or partners first does not exclude it
    introduces: bool = False


@dataclass
class _Candidate:
    first_block: int  # index of the list's first block
    items: list[tuple[str, int | None, int, int, str]]  # (label, count, page, line, source_text)
    label: _Label | None
    role: str | None = None  # fixed by the table (a section label, a CSP count header)
    role_reason: str = ""
    context_block: int | None = None  # where the prose before the list is, when not the label
    details: dict[int, str] = field(default_factory=dict)  # item index -> its description, printed apart
    numbered_priorities: bool = False  # every item was printed 'Priority N - ...'


@cache
def list_rules() -> dict:
    return load_yaml("lists.yaml")


@cache
def pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.I)


def is_leads_header(cells: Sequence[str]) -> bool:
    """'Priority | Lead Officer/Agency': the header of a leads table."""
    leads = list_rules()["leads"]
    return (
        len(cells) >= 2
        and bool(pattern(leads["header_priority"]).search(cells[0].strip()))
        and bool(pattern(leads["header_lead"]).search(cells[1]))
    )


def _words(text: str) -> int:
    return len(text.split())


def _last_sentence(text: str) -> tuple[str, int]:
    """The last sentence of a lead-in and where it starts in the text."""
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
    start = starts[-1]
    return text[start:], start


def _line_at(block: Block, char: int) -> Line:
    _, offsets = join_lines_with_offsets([ln.text for ln in block.lines])
    return line_at_offset(block.lines, offsets, char)


def _strip_label(text: str) -> str:
    """A label as a heading: no paragraph number in front, no ':' or '.' at the end."""
    text = re.sub(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+(?=\S)", "", text.strip())
    return re.sub(r"\s*(?::-?|:–|\.)\s*$", "", text)


def _clean_item(text: str) -> str:
    text = _LEADING_NUMBER.sub("", text.strip())
    return text.strip().rstrip(";,").strip()


def split_item(text: str) -> tuple[str, str | None]:
    """An item's label and the description printed after it, if any.

    'Acquisitive Crime – including shoplifting, theft and burglary.' -> ('Acquisitive Crime',
    'including shoplifting, theft and burglary'); the separator is the first colon, spaced dash or
    spaced hyphen outside brackets, after at most `detail_max_label_words` words.
    """
    rules = list_rules()
    text = pattern(rules["item_prefix"]).sub("", text.strip()).strip()  # 'Priority 1 - ', 'Objective 2:'
    for match in pattern(rules["detail_separator"]).finditer(text):
        head = text[: match.start()].strip()
        if head.count("(") != head.count(")") or head.count("‘") != head.count("’"):
            continue
        if not head or len(head.split()) > int(rules["detail_max_label_words"]):
            return text, None
        if pattern(rules["detail_not_label"]).search(head):
            return text, None
        if re.search(r"\d$", head) and match.group(0).startswith(":"):
            continue  # a time, '10:30'
        detail = text[match.end():].strip().rstrip(".;,").strip()
        return (head.rstrip(" .;,"), detail or None) if detail else (text, None)
    return text, None


def _label_words(text: str) -> int:
    """Words of an item's label: its description and bracketed qualifiers aside."""
    label, _ = split_item(text)
    while True:  # innermost brackets first: '(including VAWG and responses like MARAC (the conference))'
        unbracketed = re.sub(r"\([^()]*\)", " ", label)
        if unbracketed == label:
            return _words(label)
        label = unbracketed


def _is_lead_in(block: Block) -> bool:
    return bool(pattern(list_rules()["lead_in"]).search(block.text))


def _is_prose(block: Block) -> bool:
    """A paragraph (or a numbered or long bullet) that is text, not a list item."""
    if block.kind == "paragraph":
        return True
    words = _label_words(_clean_item(block.text))
    # "3.1 The review of ..." is a numbered paragraph; "1. Road safety" a numbered item; an item's
    # description after its label ("Supporting Victims – Activities have ...") does not make it prose.
    return block.kind == "bullet" and (words > 25 or (block.number is not None and words > 12))


def _is_list_item(block: Block) -> bool:
    return block.kind == "bullet" and not _is_prose(block)


# ---------------------------------------------------------------- finding candidates


def _label_before(blocks: Sequence[Block], index: int) -> _Label | None:
    if index <= 0:
        return None
    prev = blocks[index - 1]
    if prev.kind == "heading":
        text = _strip_label(prev.text)
        if _points_back(text) and index >= 2 and blocks[index - 2].kind == "paragraph":
            # 'They are:' standing alone: the sentence before says what they are
            before = blocks[index - 2]
            return _Label(f"{_SENTENCE_END.split(before.text)[-1]} {text}", prev.page, prev.line_start, index - 1,
                          introduces=True)
        return _Label(text, prev.page, prev.line_start, index - 1)
    if prev.kind == "paragraph" and _is_caption(prev):
        # 'Wirral Community Priorities to Reduce Crime and Disorder' on a line of its own: a title
        return _Label(_strip_label(prev.text), prev.page, prev.line_start, index - 1)
    if prev.kind in ("paragraph", "bullet") and _is_lead_in(prev):
        sentence, start, joined = _lead_in_sentence(prev.text)
        line = _line_at(prev, start)
        before = blocks[index - 2] if index >= 2 else None
        if not joined and _points_back(sentence) and before is not None and before.kind == "paragraph":
            sentence, joined = f"{_SENTENCE_END.split(before.text)[-1]} {sentence}", True
        return _Label(_strip_label(sentence), line.page, line.number, index - 1, introduces=joined)
    return None


def _is_caption(block: Block) -> bool:
    """A short title on a line of its own, too long to be taken for a heading: no sentence, no stop."""
    text = block.text.strip()
    return (len(block.lines) == 1 and 2 <= _words(text) <= int(list_rules()["caption_max_words"])
            and text[:1].isupper() and not re.search(r"[.:;,!?]$", text) and bool(
                pattern(list_rules()["list_noun"]).search(text)))


_PRONOUN_LEAD_IN = re.compile(r"^(?:they|these|those|this|it|which)\b[^.]{0,40}$", re.I)


def _points_back(sentence: str) -> bool:
    """'They are:', 'These include:', 'These targets are:': a lead-in that points back to the sentence before."""
    sentence = sentence.rstrip(":;-– ")
    if not _PRONOUN_LEAD_IN.match(sentence):
        return False
    return not pattern(list_rules()["list_noun"]).search(sentence) or _words(sentence) <= 5


def _lead_in_sentence(text: str) -> tuple[str, int, bool]:
    """The sentence of a lead-in paragraph that introduces the list: the last one that says a list
    follows ('...the crosscutting topics below will also ...'), joined to the sentence before when it
    only points back ('They are:', 'These include:'). (sentence, offset, joined)."""
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
    spans = [(text[a:b].strip(), a) for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    cue = pattern(list_rules()["lead_in"])
    chosen = next((i for i in range(len(spans) - 1, -1, -1) if cue.search(spans[i][0])), len(spans) - 1)
    sentence, start = spans[chosen]
    if chosen > 0 and _points_back(sentence):
        return f"{spans[chosen - 1][0]} {sentence}", spans[chosen - 1][1], True
    noun = pattern(list_rules()["list_noun"])
    csa_noun = pattern(list_rules()["csa_noun"])
    if not noun.search(sentence):
        # 'The themes below come from ... . Between 2018 and 2023 partners will concentrate on:' -- the
        # sentence that names the priorities or themes reaches to the one that ends the lead-in
        earlier = next((i for i in range(chosen - 1, -1, -1) if csa_noun.search(spans[i][0])), None)
        if earlier is not None:
            return " ".join(s for s, _ in spans[earlier: chosen + 1]), spans[earlier][1], True
    return sentence, start, False


def _bullet_runs(blocks: Sequence[Block]) -> list[_Candidate]:
    out: list[_Candidate] = []
    i = 0
    while i < len(blocks):
        if not _is_list_item(blocks[i]):
            i += 1
            continue
        j = i
        while j < len(blocks) and _is_list_item(blocks[j]):
            j += 1
        run = blocks[i:j]
        levels = [b.level for b in run]
        top = min(levels)
        if levels.count(top) > 1:
            run = [b for b in run if b.level == top]  # sub-items belong to their parent item
        # One shallower item followed only by deeper ones is an indentation artefact: one list.
        items = [(_clean_item(b.text), None, b.page, b.line_start, b.source_text) for b in run]
        out.append(_Candidate(i, items, _label_before(blocks, i)))
        i = j
    return out


def _described_runs(blocks: Sequence[Block]) -> list[_Candidate]:
    """Titles each followed by one paragraph describing them, after a label naming the list:

        Local Strategic Priorities for Action / The themes below come from ...
        1. YOUNG PEOPLE AT RISK / Partners have begun to pilot ...
        2. ANTI-SOCIAL BEHAVIOUR / Continuing to support ...

    Each title is an item; its paragraph is the item's detail.
    """
    out: list[_Candidate] = []
    noun = pattern(list_rules()["list_noun"])
    max_words = int(list_rules()["described_title_max_words"])

    not_title = pattern(list_rules()["described_title_not"])

    def title(block: Block) -> bool:
        text = _LEADING_NUMBER.sub("", block.text)
        return (block.kind == "heading" or (block.kind == "paragraph" and all(ln.bold for ln in block.lines))) \
            and 1 <= _words(text) <= max_words and not text.rstrip().endswith((":", ".")) \
            and not not_title.search(text)

    i = 1
    while i < len(blocks):
        label_block = blocks[i - 1]
        if not ((title(blocks[i]) and noun.search(label_block.text) and not title(label_block))
                or (title(blocks[i]) and label_block.kind == "heading" and noun.search(label_block.text))):
            i += 1
            continue
        pairs: list[tuple[Block, Block]] = []
        j = i
        while j + 1 < len(blocks) and title(blocks[j]) and blocks[j + 1].kind == "paragraph" \
                and not title(blocks[j + 1]) and blocks[j].level == blocks[i].level and blocks[j + 1].number is None:
            pairs.append((blocks[j], blocks[j + 1]))
            j += 2
        if len(pairs) < 2 or not (label_block.kind == "heading" or _is_lead_in(label_block)
                                  or _is_caption_sentence(label_block)):
            i += 1
            continue
        label = _label_before(blocks, i) or _Label(_strip_label(label_block.text), label_block.page,
                                                    label_block.line_start, i - 1)
        items = [(_clean_item(head.text), None, head.page, head.line_start, head.source_text) for head, _ in pairs]
        cand = _Candidate(i, items, label)
        cand.details = {n: body.text.strip().rstrip(".").strip() for n, (_, body) in enumerate(pairs)}
        out.append(cand)
        i = j
    return out


def _is_caption_sentence(block: Block) -> bool:
    """'The Community Safety Team works to the priorities set out in the ... Plan 2017-2018 (1910 KB)':
    one sentence naming a list, with no stop, standing before what it names."""
    text = block.text.strip()
    return block.kind == "paragraph" and len(_SENTENCE_END.split(text)) == 1 and not text.endswith(".") \
        and _words(text) <= 30 and bool(pattern(list_rules()["list_noun"]).search(text))


def _count(cell: str) -> int | None:
    match = _COUNT.match(cell.strip())
    return int(match.group(1)) if match else None


def _section_role(cell: str) -> str | None:
    for role, regex in list_rules()["section_label"].items():
        if pattern(regex).match(cell.strip()):
            return role
    return None


def _table_candidates(blocks: Sequence[Block], index: int) -> list[_Candidate]:
    block = blocks[index]
    rows = [r for r in block.rows if any(c.strip() for c in r.cells)]
    if not rows:
        return []
    label = _label_before(blocks, index)
    width = max(len(r.cells) for r in rows)
    out: list[_Candidate] = []
    if is_leads_header(rows[0].cells):
        return []  # a leads table (extractors/leads.py), not a list

    # A count table: label, count.
    counted = [r for r in rows if len(r.cells) >= 2 and r.cells[0].strip() and _count(r.cells[-1]) is not None]
    if width == 2 and len(counted) >= 3 and len(counted) >= len(rows) - 1:
        header = rows[0] if rows[0] not in counted else None
        items = [(_clean_item(r.cells[0]), _count(r.cells[1]), r.page, r.line, r.source_text) for r in counted]
        cand = _Candidate(index, items, label)
        if header is not None and pattern(list_rules()["count_header_district"]).search(header.cells[1]):
            cand.role, cand.role_reason = "district_assessment", f"count column headed '{header.cells[1]}'"
        return [cand]

    # Column headers naming lists: | Priorities | Cross-cutting themes |
    header_roles = [_section_role(c) for c in rows[0].cells]
    if all(header_roles) and len(set(header_roles)) == len(header_roles):
        for col, role in enumerate(header_roles):
            items = [
                (_clean_item(r.cells[col]), None, r.page, r.line, r.source_text)
                for r in rows[1:]
                if col < len(r.cells) and r.cells[col].strip()
            ]
            head = rows[0]
            cand = _Candidate(index, items, _Label(_strip_label(head.cells[col]), head.page, head.line, index))
            cand.role, cand.role_reason, cand.context_block = role, f"column headed '{head.cells[col]}'", index - 1
            out.append(cand)
        return out

    # Row sections: PRIORITIES in the first column, items in the other cells, row by row.
    if _section_role(rows[0].cells[0]):
        current: _Candidate | None = None
        for r in rows:
            role = _section_role(r.cells[0]) if r.cells[0].strip() else None
            if role is None and r.cells[0].strip() and current is not None:
                cells = r.cells  # an item row under the current section
            elif role is not None:
                current = _Candidate(index, [], _Label(_strip_label(r.cells[0]), r.page, r.line, index))
                current.role, current.role_reason = role, f"table section '{r.cells[0]}'"
                current.context_block = index - 1
                out.append(current)
                cells = r.cells[1:]
            else:
                cells = r.cells[1:]
            if current is None:
                continue
            for cell in cells:
                if cell.strip():
                    current.items.append((_clean_item(cell), None, r.page, r.line, r.source_text))
        return out

    # A one-column table under a header naming a list.
    if width == 1 and _section_role(rows[0].cells[0]):
        items = [(_clean_item(r.cells[0]), None, r.page, r.line, r.source_text) for r in rows[1:]]
        return [_Candidate(index, items, _Label(_strip_label(rows[0].cells[0]), rows[0].page, rows[0].line, index))]
    return []


def _prose_candidates(blocks: Sequence[Block], index: int) -> list[_Candidate]:
    """Lists written inside the block's sentences (extractors/prose.py)."""
    block = blocks[index]
    nxt = blocks[index + 1] if index + 1 < len(blocks) else None
    following = nxt.text if nxt is not None and nxt.kind == "paragraph" else ""
    out: list[_Candidate] = []
    for found in find_prose_lists(block.text, following):
        items = []
        for text, at in found.items:
            line = _line_at(block, at)
            items.append((text.strip().rstrip(".;,").strip(), None, line.page, line.number, line.raw))
        line = _line_at(block, found.label_start)
        cand = _Candidate(index, items, _Label(_strip_label(found.label), line.page, line.number, index, True))
        cand.context_block = index
        out.append(cand)
    return out


def split_flattened_row(text: str, phrases: str) -> tuple[str, str] | None:
    """Where a line of a flattened two-column list divides: after ')', at a capitals word,
    where both halves are phrases the document uses elsewhere, else the most even split."""
    words = text.split()
    if len(words) < 2:
        return None
    best: tuple[float, int] | None = None
    for k in range(1, len(words)):
        left, right = " ".join(words[:k]), " ".join(words[k:])
        if not (right[:1].isupper() or right[:1].isdigit() or right[:1] == "("):
            continue
        score = 0.0
        if left.endswith(")"):
            score += 3
        if words[k - 1].isupper() != words[k].isupper() and len(words[k - 1]) > 2 and len(words[k]) > 2:
            score += 3
        for half in (left, right):
            if _words(half) >= 2 and phrases.count(half.lower()) >= 1:
                score += 1
        score -= abs(k - (len(words) - k)) * 0.25
        if best is None or score > best[0]:
            best = (score, k)
    if best is None:
        return None
    k = best[1]
    return " ".join(words[:k]), " ".join(words[k:])


def _flattened_columns(blocks: Sequence[Block], index: int) -> _Candidate | None:
    """A paragraph of short lines after a lead-in: one row of a two-column list per line."""
    block = blocks[index]
    label = _label_before(blocks, index)
    if label is None or (blocks[index - 1].kind == "heading" and not blocks[index - 1].text.rstrip().endswith(":")):
        return None
    lines = [ln for ln in block.lines if ln.text]
    r = list_rules()
    if len(lines) < int(r["two_column_min_lines"]):
        return None
    if any(_words(ln.text) > int(r["two_column_max_words"]) or ln.text.rstrip().endswith(".") for ln in lines):
        return None
    if not all(ln.text[:1].isupper() for ln in lines):
        return None
    gapped = [_COLUMN_GAP.split(ln.raw.strip()) for ln in lines]
    if not any(len(g) == 2 for g in gapped) or any(len(g) > 2 for g in gapped):
        return None
    # Phrases used elsewhere in the document help place the split on lines without a gap.
    phrases = " ".join(b.text.lower() for b in blocks if b is not block)
    rows: list[tuple[str, str, Line]] = []
    for ln, parts in zip(lines, gapped, strict=True):
        if len(parts) == 2:
            left, right = (" ".join(p.split()) for p in parts)
        else:
            split = split_flattened_row(ln.text, phrases)
            if split is None:
                return None
            left, right = split
        rows.append((left, right, ln))
    items = []
    for left, right, ln in rows:  # reading order: row by row, as printed
        items.append((_clean_item(left), None, ln.page, ln.number, ln.raw))
        items.append((_clean_item(right), None, ln.page, ln.number, ln.raw))
    return _Candidate(index, items, label)


def _numbered_priorities(cand: _Candidate, blocks: Sequence[Block]) -> _Candidate:
    """Items printed as 'Priority 1 – Serious Violence' among others (a contents page's other entries,
    a plan's principles): the numbered priorities are the list. Their numbering names what they are."""
    prefix = pattern(list_rules()["item_prefix"])
    numbered = [i for i, item in enumerate(cand.items) if prefix.match(_LEADING_NUMBER.sub("", item[0].strip()))]
    if len(numbered) < 2:
        return cand
    cand.items = [cand.items[i] for i in numbered]
    cand.details = {n: cand.details[i] for n, i in enumerate(numbered) if i in cand.details}
    cand.numbered_priorities = True
    before = blocks[cand.first_block - 1] if cand.first_block > 0 else None
    short = before is not None and _words(before.text) <= int(list_rules()["caption_max_words"])
    if cand.label is None and before is not None and before.kind == "paragraph" and len(before.lines) == 1 \
            and short and not before.text.rstrip().endswith("."):
        # the run's title ('Principles to deliver policing, justice and the Plan'): the numbering says what they are
        cand.label = _Label(_strip_label(before.text), before.page, before.line_start, cand.first_block - 1)
    return cand


def _candidates(doc: Document) -> list[_Candidate]:
    blocks = doc.blocks
    out = _bullet_runs(blocks) + _described_runs(blocks)
    for i, block in enumerate(blocks):
        if block.kind == "table":
            out.extend(_table_candidates(blocks, i))
        elif block.kind in ("paragraph", "bullet"):
            prose = _prose_candidates(blocks, i)
            out.extend(prose)
            if not prose and block.kind == "paragraph" and i > 0:
                cand = _flattened_columns(blocks, i)
                if cand is not None:
                    out.append(cand)
    out = [_numbered_priorities(c, blocks) for c in out]
    out.sort(key=lambda c: c.first_block)  # stable: a table's sections keep their order
    return out


# ---------------------------------------------------------------- what a list is


def _enclosing_headings(blocks: Sequence[Block], index: int) -> list[Block]:
    """Headings above a block that are not list labels themselves, nearest first, up to the chapter."""
    out: list[Block] = []
    for block in reversed(blocks[:index]):
        if block.kind != "heading" or block.text.rstrip().endswith((":", ":-")):
            continue
        if out and block.level >= out[-1].level and block.number is None:
            continue
        out.append(block)
        if block.number is not None or block.level <= 1 or len(out) >= 3:
            break
    return out


def _prose_context(blocks: Sequence[Block], cand: _Candidate) -> Block | None:
    """The prose the list (and any sibling list before it) follows: its lead-in paragraph."""
    if cand.context_block is not None and cand.context_block >= 0:
        start = cand.context_block
    elif cand.label is not None:
        start = cand.label.block
    else:
        start = cand.first_block - 1
    for block in reversed(blocks[: start + 1]):
        if _is_prose(block):
            return block
        if block.kind == "heading" and block.number is not None:
            return None  # a new chapter: nothing before it speaks for this list
    return None


def _role(cand: _Candidate, headings: list[Block], blocks: Sequence[Block] = ()) -> tuple[str | None, str]:
    r = list_rules()
    if cand.role:
        return cand.role, cand.role_reason
    label = cand.label.text if cand.label else ""
    noun = pattern(r["list_noun"])
    texts = [("label", label)] + [("heading", h.text) for h in headings[:1]]
    if cand.numbered_priorities:
        texts.append(("items", "numbered as priorities"))
    announcer = _announcer(cand, blocks) if not any(noun.search(t) for _, t in texts) else None
    if announcer is not None:
        # 'SSCB:' and 'CSP:' under 'The split of priorities was now:': the lead-in names the lists
        texts.append(("lead-in", _lead_in_sentence(announcer.text)[0]))
    if not any(noun.search(t) for _, t in texts):
        return None, "no list noun in label or heading"
    for where, text in texts:
        for rule in r["roles"]:
            hit = next((p for p in rule["any"] if pattern(p).search(text)), None)
            if rule.get("not_if") and pattern(rule["not_if"]).search(label):
                continue
            if hit and (not rule.get("needs") or any(pattern(rule["needs"]).search(t) for _, t in texts)):
                return rule["role"], f"{where} '{text}' matches {rule['role']}"
    for where, text in texts:
        themes = pattern(r["cross_cutting_themes"]).search(text)
        prios = pattern(r["priorities"]).search(text)
        # 'the crosscutting topics below', 'the following priorities': the words that point at the
        # list name it, wherever else the sentence mentions priorities
        pointed = pattern(r["pointed_noun"]).search(text)
        if pointed and themes and prios:
            aimed = pointed.group("noun") or pointed.group("noun2") or ""
            if pattern(r["cross_cutting_themes"]).search(aimed):
                return "cross_cutting_themes", f"{where} '{text}' points at themes"
            if pattern(r["priorities"]).search(aimed):
                return "priorities", f"{where} '{text}' points at priorities"
        if themes and (not prios or themes.start() < prios.start()):
            return "cross_cutting_themes", f"{where} '{text}' names themes"
        if prios:
            return "priorities", f"{where} '{text}' names priorities"
        if pattern(r["other"]).search(text):
            return "other", f"{where} '{text}' names issues"
    return None, "no role"


def _names_role(text: str, role: str) -> bool:
    """The text names what a role's lists belong to ('Police and Crime Plan 2013-17' for police_plan)."""
    rule = next((r for r in list_rules()["roles"] if r["role"] == role), None)
    return rule is not None and any(pattern(p).search(text) for p in rule["any"])


def _lists_something_else(label: str) -> bool:
    """The lead-in lists plans, partners, actions ... rather than priorities: it ends in 'including'
    (examples follow), or the first thing it names (after 'the following', if it says so) is one."""
    r = list_rules()
    if pattern(r["label_examples_tail"]).search(label):
        return True
    following = re.search(r"\bthe following\b", label, re.I)
    text = label[following.end():] if following else label
    nouns = [(m.start(), m.end(), False) for m in pattern(r["list_noun"]).finditer(text)]
    others = [(m.start(), m.end(), True) for m in pattern(r["label_excluded_noun"]).finditer(text)]
    # 'strategy priority areas', 'plan priorities': a noun right before a list noun only qualifies it
    starts = {s for s, _, _ in nouns}
    others = [o for o in others if not any(text[o[1]:s].strip() == "" for s in starts if s > o[1])]
    named = sorted(nouns + others)
    return bool(named) and named[0][2]


def _announcer(cand: _Candidate, blocks: Sequence[Block]) -> Block | None:
    """For a short label ending in ':' ('CSP:'), the lead-in above it that announces the lists
    ('The split of priorities was now:'), past any sibling sub-lists."""
    if cand.label is None or _words(cand.label.text) > 4 or not blocks[cand.label.block].text.rstrip().endswith(":"):
        return None
    for block in reversed(blocks[: cand.label.block]):
        if block.kind == "bullet" or (block.kind == "heading" and _words(block.text) <= 4
                                      and block.text.rstrip().endswith(":")):
            continue  # a sibling sub-list and its label
        ends = block.text.rstrip().endswith((":", ":-"))
        return block if ends and pattern(list_rules()["list_noun"]).search(block.text) else None
    return None


def _excluded(cand: _Candidate) -> str | None:
    r = list_rules()
    if cand.label and not cand.role and not cand.label.introduces and not cand.numbered_priorities \
            and _lists_something_else(cand.label.text):
        return "the lead-in lists something else (plans, partners, actions ...)"
    labels = [it[0] for it in cand.items]
    if len(labels) < int(r["min_items"]):
        return "fewer than two items"
    if statistics.median(_label_words(t) for t in labels) > float(r["item_max_median_words"]):
        return "items are prose, not labels"
    sentences = [t for t in labels if t.endswith(".") and (_label_words(t) > 8 or ". " in split_item(t)[0])]
    if len(sentences) * 2 > len(labels):
        return "items are sentences"
    titles = sum(bool(pattern(r["item_is_title"]).search(t)) for t in labels)
    if titles >= len(labels) * float(r["item_title_share"]) and not cand.role:
        return "items name documents or bodies"
    return None


def _stance(role: str, texts: list[str], metadata: DocumentMetadata, asks_approval: bool = False,
            headings: Sequence[str] = ()) -> tuple[str, str]:
    cues = list_rules()["stance"]
    joined = " ".join(texts)
    past_tense = metadata.doc_kind in cues["past_tense_kinds"]
    for regex in cues["historic"] + ([] if past_tense else cues["historic_past_tense"]):
        match = pattern(regex).search(joined)
        if match:
            return "historic", f"'{match.group(0)}'"
    if role not in CSA_ROLES:
        # another body's list is as found, unless it is itself a draft ('Police and Crime Plan draft')
        draft = next((m for t in [texts[0], *headings] for m in [pattern(cues["other_draft"]).search(t)] if m), None)
        if draft:
            return "proposed", f"'{draft.group(0)}': its own list is a draft"
        return "current", f"{role} lists are as found"
    for name in ("proposed", "current"):
        for regex in cues[name]:
            match = pattern(regex).search(joined)
            if match:
                return name, f"'{match.group(0)}'"
    if metadata.status == "draft":
        return "proposed", "the document is a draft"
    if asks_approval:
        return "proposed", "no cue; the report asks for the priorities to be approved"
    return "current", "no cue: a list restated as it stands"


def _asks_approval(doc: Document, metadata: DocumentMetadata) -> bool:
    """A report or decision whose recommendation is to endorse, approve or agree priorities: the lists
    it sets out without a cue of their own are what it proposes."""
    cues = list_rules()["stance"]
    if metadata.doc_kind not in cues["approval_kinds"]:
        return False
    asks = pattern(cues["asks_approval"])
    return any(asks.search(b.text) for b in doc.blocks if b.kind != "table")


def _periods_in(text: str) -> list[tuple[dt.date, dt.date | None, str]]:
    from_cue = pattern(list_rules()["from_cue"])
    out = []
    for span in find_dates(text):
        printed = _quote(text, span.char_start, span.char_end)
        if span.label in ("RANGE", "FISCAL"):
            out.append((span.start, span.end, printed))
        elif from_cue.search(text[: span.char_start]):
            out.append((span.start, None, printed))
    return out


def _quote(text: str, start: int, end: int, before: int = 30) -> str:
    """The printed words around a date, for the evidence trail."""
    head = text[max(0, start - before) : start]
    if start - before > 0 and " " in head:
        head = "…" + head[head.index(" ") + 1 :]
    return head + text[start:end]


def _document_period(
    doc: Document, stance: str, dates_cache: dict[int, list[DateSpan]]
) -> tuple[dt.date, dt.date | None, str] | None:
    patterns = [pattern(p) for p in list_rules()["document_period"].get(stance, [])]
    if not patterns:
        return None
    for i, block in enumerate(doc.blocks):
        text = block.text
        spans = dates_cache.setdefault(i, find_dates(text))
        for span in spans:
            before = text[: span.char_start]
            if any(p.search(before) for p in patterns):
                end = span.end if span.label in ("RANGE", "FISCAL") else None
                line = _line_at(block, span.char_start)
                return span.start, end, f"'{_quote(text, span.char_start, span.char_end, 45)}' (line {line.number})"
    return None


def _with_trailing_counts(items: list) -> list:
    """Assessment items printed as bullets with their count after the label."""
    if any(count is not None for _, count, *_ in items):
        return items
    matches = [_TRAILING_COUNT.match(text) for text, *_ in items]
    if sum(m is not None for m in matches) * 2 < len(items):
        return items
    out = []
    for (text, count, page, line, source), m in zip(items, matches, strict=True):
        if m is not None:
            text, count = m.group("label").rstrip(" –-:"), int(m.group("a") or m.group("b"))
        out.append((text, count, page, line, source))
    return out


def _stated_agreement_period(dates: Sequence[DocumentDate]) -> tuple[dt.date, dt.date | None, str] | None:
    """The agreement's period as the document states it ('the CSA for 2011-2014')."""
    for i, d in enumerate(dates):
        if d.role == "period_start":
            end = dates[i + 1].date if i + 1 < len(dates) and dates[i + 1].role == "period_end" else None
            return d.date, end, f"the agreement's stated period: '{d.text}' (line {d.line})"
    return None


# ---------------------------------------------------------------- entry point


def extract_lists(
    doc: Document, metadata: DocumentMetadata, dates: Sequence[DocumentDate] = ()
) -> list[ExtractedList]:
    """Every list of priorities, themes or issues, with role, stance, period and provenance."""
    blocks = doc.blocks
    out: list[ExtractedList] = []
    dates_cache: dict[int, list[DateSpan]] = {}
    previous: tuple[int, str, str] | None = None  # the last CSA list: (the block after it, stance, why)
    asks_approval = _asks_approval(doc, metadata)
    for cand in _candidates(doc):
        headings = _enclosing_headings(blocks, cand.label.block if cand.label else cand.first_block)
        context = _prose_context(blocks, cand)
        role, role_why = _role(cand, headings, blocks)
        if role is None or (cand.label is None and cand.role is None):
            continue  # a run of bullets with nothing before it saying what they are
        why_not = _excluded(cand)
        if why_not:
            continue
        label_text = cand.label.text if cand.label else ""
        context_text = context.text if context is not None else ""
        stance, stance_why = _stance(role, [label_text, context_text], metadata, asks_approval,
                                     [h.text for h in headings[:1]])
        if role in CSA_ROLES and stance_why.startswith("no cue") and previous is not None \
                and 0 <= cand.first_block - previous[0] <= 3 and not previous[2].startswith("no cue"):
            # themes printed straight after the priorities they go with, with no cue of their own
            stance, stance_why = previous[1], f"as the list before it ({previous[2]})"
        if role in CSA_ROLES:
            previous = (cand.first_block + len(cand.items), stance, stance_why)  # (block after it, ...)

        period: tuple[dt.date, dt.date | None, str] | None = None
        # Only the CSA's own lists take a period from headings further up (the agreement's title,
        # the paper's title); an assessment or ranking takes it from its own section heading or not at
        # all; another body's list (a police plan under a heading naming the partnership's plan years)
        # only from its own label and lead-in.
        period_headings = headings if role in CSA_ROLES else headings[:1]
        if role in OTHER_BODIES:
            period_headings = [h for h in period_headings if _names_role(h.text, role)]
        sources = [("label", label_text), ("lead-in", context_text)] + [("heading", h.text) for h in period_headings]
        title = next((b for b in blocks[:5] if b.kind == "heading"), None)
        if role in CSA_ROLES and title is not None and title not in period_headings:
            sources.append(("title", title.text))
        for where, text in sources:
            found = _periods_in(text)
            if found:
                start, end, printed = found[0]
                period = (start, end, f"{where}: '{printed}'")
                break
        if period is None and role in CSA_ROLES:
            period = _document_period(doc, stance, dates_cache)
            if period is not None:
                period = (period[0], period[1], f"document: {period[2]}")
        if period is None and role in CSA_ROLES and metadata.doc_kind == "agreement" and metadata.effective_from:
            period = (metadata.effective_from, None, "the agreement's effective date")
        stated = _stated_agreement_period(dates) if role in CSA_ROLES else None
        if period is None:
            period = stated
        elif stated is not None and period[1] is None and period[0] == stated[0]:
            # "from April 2023" in a paper about the agreement for 2023-26: the agreement's end too
            period = (period[0], stated[1], f"{period[2]}; ends with {stated[2]}")

        raw_items = _with_trailing_counts(cand.items) if role == "district_assessment" else cand.items
        items = tuple(
            ListItem(pos, label, count, page, line, source, detail)
            for pos, (text, count, page, line, source) in enumerate(raw_items, start=1)
            for label, detail in [(text, cand.details[pos - 1]) if pos - 1 in cand.details else split_item(text)]
        )
        first = items[0]
        page, line = (cand.label.page, cand.label.line) if cand.label else (first.page, first.line)
        out.append(
            ExtractedList(
                role=role,
                stance=stance,
                applies_from=period[0] if period else None,
                applies_to=period[1] if period else None,
                heading=label_text,
                page=page,
                line=line,
                items=items,
                evidence=(
                    f"role: {role_why}",
                    f"stance: {stance_why}",
                    f"period: {period[2]}" if period else "period: not stated",
                ),
            )
        )
    return out
