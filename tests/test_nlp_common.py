"""``find_phrase`` finds exactly what the whole-word regex it replaces finds."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from extractor.nlp.common import find_phrase


def _regex(text: str, phrase: str, ignore_case: bool) -> list[tuple[int, int]]:
    pattern = rf"(?<![\w-]){re.escape(phrase)}(?![\w-])"
    flags = re.IGNORECASE if ignore_case else 0
    return [(m.start(), m.end()) for m in re.finditer(pattern, text, flags)]


@pytest.mark.parametrize("ignore_case", [True, False])
def test_same_matches_as_the_regex_on_the_seed_abstract(seed_path: Path, ignore_case: bool) -> None:
    text = seed_path.read_text(encoding="utf-8")
    words = re.findall(r"\S+", text)
    phrases = set(words) | {" ".join(pair) for pair in itertools.pairwise(words)}
    phrases |= {w.upper() for w in words} | {w[:3] for w in words} | {"IVIg", "ivig", "-", "g/kg"}
    for phrase in sorted(phrases):
        assert find_phrase(text, phrase, ignore_case=ignore_case) == _regex(
            text, phrase, ignore_case
        ), phrase


@pytest.mark.parametrize(
    ("text", "phrase", "ignore_case", "expected"),
    [
        ("IVIg and ivig and anti-IVIg", "IVIg", True, [(0, 4), (9, 13)]),
        ("IVIg and ivig and IVIg_x", "IVIg", False, [(0, 4)]),
        ("aaa aa aa", "aa", True, [(4, 6), (7, 9)]),
        ("İstanbul istanbul", "istanbul", True, [(0, 8), (9, 17)]),  # lower() changes the length
        ("", "x", True, []),
        ("x", "", True, []),
    ],
)
def test_edges(text: str, phrase: str, ignore_case: bool, expected: list[tuple[int, int]]) -> None:
    assert find_phrase(text, phrase, ignore_case=ignore_case) == expected
    if phrase:
        assert _regex(text, phrase, ignore_case) == expected
