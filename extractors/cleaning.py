"""Inline artefact cleaning shared by the text and PDF readers.

Council papers reach us through several converters, each leaving its own
debris: HTML superscripts (`18<sup>th</sup>`, footnote markers), markdown
emphasis, ordinals split from their number (`14 th`), Cyrillic look-alikes
(`То:`), non-breaking spaces and private-use bullet glyphs.
"""

from __future__ import annotations

import re
from functools import cache

from extractors.rulebook import load_yaml

_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\ufeff\u00ad]")
_SUP_ORDINAL = re.compile(r"(\d)\s*<sup>\s*(st|nd|rd|th)\s*</sup>", re.I)
_SUP_OTHER = re.compile(r"\s*<sup>[^<]*</sup>", re.I)
_HTML_TAG = re.compile(r"</?(?:b|strong|i|em|u|span|sub|br)\b[^>]*>", re.I)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_BOLD = re.compile(r"(\*\*|__)(.+?)\1")
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*]+?)(?<!\s)\*(?![\w*])")
_SPLIT_ORDINAL = re.compile(r"\b(\d{1,2})\s+(st|nd|rd|th)\b")
_WORD = re.compile(r"\w+", re.UNICODE)
_MULTISPACE = re.compile(r"[ \t]+")


@cache
def _homoglyph_map() -> dict[str, str]:
    rules = load_yaml("homoglyphs.yaml")
    table: dict[str, str] = {}
    for script in rules.values():
        table.update(script)
    return table


@cache
def bullet_glyphs() -> tuple[str, ...]:
    return tuple(load_yaml("layout.yaml")["bullet_glyphs"])


@cache
def bullet_line() -> re.Pattern[str]:
    """A line opening with a bullet marker (layout.yaml `bullet_markers`), after `normalise_glyphs`.

    Groups: indent, marker, rest. The one definition both readers use, so a paper printed with
    '- ' bullets gives the same items from its text and its PDF.
    """
    alternatives = [
        f"{re.escape(m)}(?=\\s+[A-Z0-9‘'\"(])" if m.isalpha() else re.escape(m)
        for m in load_yaml("layout.yaml")["bullet_markers"]
    ]
    return re.compile(rf"^(?P<indent>[ \t]*)(?P<marker>{'|'.join(alternatives)})\s+(?P<rest>\S.*)$")


def fix_homoglyphs(text: str) -> str:
    """Rewrite look-alike letters in words that are otherwise Latin (or all look-alikes)."""
    table = _homoglyph_map()
    if not any(ch in table for ch in text):
        return text

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if not any(ch in table for ch in word):
            return word
        if all(ch in table or ch.isascii() for ch in word):
            return "".join(table.get(ch, ch) for ch in word)
        return word

    return _WORD.sub(fix, text)


def normalise_glyphs(text: str) -> str:
    """Spaces, zero-width characters, private-use bullets and look-alike letters."""
    text = _SPACES.sub(" ", text)
    text = _ZERO_WIDTH.sub("", text)
    for glyph in bullet_glyphs():
        if glyph in text:
            text = text.replace(glyph, "•")
    return fix_homoglyphs(text)


def strip_markup(text: str) -> tuple[str, bool]:
    """Remove inline HTML/markdown markup. Returns (text, whole_line_was_bold)."""
    stripped = text.strip()
    bold = bool(
        re.fullmatch(r"(\*\*|__)(.+)\1[:.]?", stripped)
        or re.fullmatch(r"<b>.*</b>[:.]?", stripped, re.I)
        or re.fullmatch(r"<strong>.*</strong>[:.]?", stripped, re.I)
    )
    text = _SUP_ORDINAL.sub(r"\1\2", text)
    text = _SUP_OTHER.sub("", text)
    text = _HTML_TAG.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_BOLD.sub(r"\2", text)
    text = _MD_ITALIC.sub(r"\1", text)
    text = text.replace("**", "")
    text = _SPLIT_ORDINAL.sub(r"\1\2", text)
    return text, bold


def collapse_spaces(text: str) -> str:
    return _MULTISPACE.sub(" ", text).strip()


# "Section 4: Strategic Priorities..........  12": a contents entry's dot leader and page number.
_LEADER = re.compile(r"\s*(?:[.…·]\s?){4,}\s*(?:\d{1,3})?\s*$|\s*…+\s*(?:\d{1,3})?\s*$")


def strip_leader(text: str) -> str:
    """A printed line without a contents page's dot leader (and the page number after it)."""
    stripped = _LEADER.sub("", text)
    return stripped if stripped.strip() else text


def clean_text(text: str) -> str:
    """Full inline clean for a fragment of printed text (a cell, a PDF line)."""
    cleaned, _ = strip_markup(normalise_glyphs(text))
    return collapse_spaces(cleaned)
