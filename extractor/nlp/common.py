"""Helpers shared by the rule components: pattern files, extensions, numbers, sentences.

Every extension registered here holds plain data (``str``, ``int``, ``list``, ``dict``) so a
``Doc`` survives ``nlp.pipe(n_process=...)``. Input extensions (``doc_sections``,
``publication_types``, ``title``) may be set by the caller before the pipeline runs.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from ..errors import ModelError

PATTERNS_DIR = Path(__file__).resolve().parent / "patterns"

#: Doc extensions and what they hold; all default to ``None`` (a shared mutable default would leak).
DOC_EXTENSIONS = (
    "doc_sections",  # input/output: [[label, start, end], ...] section bodies
    "sent_sections",  # [[sent_start, sent_end, label | None], ...] one per sentence
    "publication_types",  # input: ["Clinical Trial", ...]
    "title",  # input: the article title
    "sample_sizes",  # [{n, text, start, end, kind, sentence, section}, ...]
    "doses",  # [{amount, unit, per, ..., start, end, sentence}, ...]
    "results",  # [{kind, text, start, end, count, percent, threshold, ...}, ...]
    "adverse_events",  # [{text, start, end, name, count, kind}, ...]
    "design",  # str | None
    "conclusion",  # {text, start, end} | None
    "title_entities",  # {"intervention": str | None, "condition": str | None}
)


def register_extensions() -> None:
    """Register every ``Doc`` extension the evidence components read or write (idempotent)."""
    for name in DOC_EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


@lru_cache(maxsize=32)
def _read_jsonl(path: str) -> tuple[dict[str, Any], ...]:
    rows: list[dict[str, Any]] = []
    try:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                line = line.strip()
                if not line or line.startswith("//"):
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ModelError(f"bad JSON on line {lineno}: {exc}", source=path) from exc
    except OSError as exc:
        raise ModelError(f"cannot read pattern file: {exc}", source=path) from exc
    return tuple(rows)


def load_patterns(name: str, directory: Path | None = None) -> list[dict[str, Any]]:
    """Load ``patterns/<name>.jsonl`` as a list of dicts.

    Args:
        name: file stem, e.g. ``"units"``.
        directory: folder holding the file (default: the package's ``patterns/``).

    Raises:
        ModelError: the file is missing or holds invalid JSON.
    """
    path = (directory or PATTERNS_DIR) / f"{name}.jsonl"
    return [dict(row) for row in _read_jsonl(str(path))]


def words_of(rows: Iterable[dict[str, Any]], kind: str) -> list[str]:
    """The ``text`` of every row whose ``kind`` is ``kind``."""
    return [str(r["text"]) for r in rows if r.get("kind") == kind]


def alternation(words: Iterable[str], *, escape: bool = True) -> str:
    """A regex alternation of ``words``, longest first so ``mg/kg`` wins over ``mg``."""
    items = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w) if escape else w for w in items)


# --- numbers -------------------------------------------------------------------------------

_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
_UNIT_WORDS = "|".join(sorted((w for w in _UNITS if w != "zero"), key=len, reverse=True))
_TEN_WORDS = "|".join(_TENS)
#: One to ninety-nine in words, optionally "N hundred (and) M"; a regex fragment, no groups.
NUMBER_WORD = (
    rf"(?:(?:a|one|two|three|four|five|six|seven|eight|nine)[\s-]+hundred"
    rf"(?:(?:\s+and)?\s+(?:(?:{_TEN_WORDS})(?:[\s-]+(?:{_UNIT_WORDS}))?|{_UNIT_WORDS}))?"
    rf"|(?:{_TEN_WORDS})(?:[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))?"
    rf"|{_UNIT_WORDS}|hundred)"
)
#: A count in digits ("1,234", "12") or words; a regex fragment, no groups.
COUNT = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|{NUMBER_WORD})"


def parse_count(text: str) -> int | None:
    """Turn ``"12"``, ``"1,234"``, ``"Twelve"`` or ``"one hundred and twenty"`` into an int."""
    raw = text.strip().lower().replace(",", "")
    if raw.isdigit():
        return int(raw)
    total = 0
    current = 0
    seen = False
    for word in re.split(r"[\s-]+", raw):
        if word in ("and", ""):
            continue
        if word == "a":
            current = max(current, 1)
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            return None
        seen = True
    total += current
    return total if seen else None


def parse_number(text: str) -> float | None:
    """Parse a decimal amount (``"1"``, ``"0.5"``, ``"2,5"``) into a float."""
    raw = text.strip().replace("·", ".")
    if re.fullmatch(r"\d+,\d{1,2}", raw):  # decimal comma ("2,5 mg"), not thousands
        raw = raw.replace(",", ".")
    raw = raw.replace(",", "")
    try:
        return float(raw)
    except ValueError:
        return None


def as_number(value: float | None) -> float | int | None:
    """Show whole numbers as ints (400.0 → 400) so JSON reads naturally."""
    if value is not None and float(value).is_integer():
        return int(value)
    return value


# --- document text ---------------------------------------------------------------------------

_TEXT_KEY = "evidence.text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per Doc.

    spaCy rebuilds ``Doc.text`` from every token on each access; the components read it many
    times per document, so it is kept in ``doc.user_data`` (a plain string, so ``nlp.pipe``
    with ``n_process`` still works).
    """
    text = doc.user_data.get(_TEXT_KEY)
    if not isinstance(text, str):
        text = doc.text
        doc.user_data[_TEXT_KEY] = text
    return text


# --- sentences and sections ----------------------------------------------------------------


class SentenceIndex:
    """Map character offsets to sentence numbers and section labels for one Doc."""

    def __init__(self, doc: Doc) -> None:
        rows = doc._.sent_sections
        if rows is None:
            rows = (
                [[s.start_char, s.end_char, None] for s in doc.sents]
                if doc.has_annotation("SENT_START")
                else [[0, len(doc_text(doc)), None]]
            )
        self.rows: list[list[Any]] = [list(r) for r in rows] or [[0, len(doc_text(doc)), None]]
        self.starts = [int(r[0]) for r in self.rows]

    def sentence_of(self, offset: int) -> int:
        """Index of the sentence holding character ``offset``."""
        return max(0, bisect_right(self.starts, offset) - 1)

    def bounds(self, index: int) -> tuple[int, int]:
        """``(start, end)`` characters of sentence ``index``."""
        row = self.rows[index]
        return int(row[0]), int(row[1])

    def section_of(self, offset: int) -> str | None:
        """Section label of the sentence holding ``offset``."""
        label = self.rows[self.sentence_of(offset)][2]
        return str(label) if label else None

    def __len__(self) -> int:
        return len(self.rows)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_-"


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` moved inward past surrounding whitespace (``start == end`` if blank)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def find_phrase(text: str, phrase: str, *, ignore_case: bool = True) -> list[tuple[int, int]]:
    r"""Non-overlapping ``(start, end)`` of ``phrase`` in ``text`` as a whole word.

    The same matches as ``re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text)``
    (with ``re.IGNORECASE`` when ``ignore_case``), without compiling a pattern per phrase:
    arm names and long forms differ in every abstract, and compiling them was a measurable
    share of the pipeline's time.
    """
    if not phrase:
        return []
    hay, needle = (text.lower(), phrase.lower()) if ignore_case else (text, phrase)
    if len(hay) != len(text) or len(needle) != len(phrase):  # case folding changed lengths
        flags = re.IGNORECASE if ignore_case else 0
        pattern = rf"(?<![\w-]){re.escape(phrase)}(?![\w-])"
        return [(m.start(), m.end()) for m in re.finditer(pattern, text, flags)]
    out: list[tuple[int, int]] = []
    size = len(needle)
    at = hay.find(needle)
    while at >= 0:
        end = at + size
        if (at == 0 or not _is_word_char(text[at - 1])) and (
            end == len(text) or not _is_word_char(text[end])
        ):
            out.append((at, end))
            at = hay.find(needle, end)
        else:
            at = hay.find(needle, at + 1)
    return out


def add_spans(doc: Doc, items: Iterable[tuple[int, int, str, str]], key: str = "evidence") -> int:
    """Add ``(start, end, label, source)`` character spans to ``doc.spans[key]``.

    Spans are expanded to whole tokens; one already present with the same label is skipped.
    The producing rule or model name is kept in ``span.id_`` (provenance for ``Evidence.spans``).
    Returns the number of spans added.
    """
    group = doc.spans.get(key)
    seen = {(s.start, s.end, s.label_) for s in group} if group is not None else set()
    new = []
    for start, end, label, source in items:
        if end <= start:
            continue
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is None or len(span) == 0 or (span.start, span.end, label) in seen:
            continue
        seen.add((span.start, span.end, label))
        if source:
            span.id_ = source
        new.append(span)
    if group is None:
        doc.spans[key] = new
    else:
        group.extend(new)
    return len(new)


def add_span(
    doc: Doc, start: int, end: int, label: str, source: str = "", key: str = "evidence"
) -> bool:
    """Add one span (see :func:`add_spans`); True when it was new."""
    return add_spans(doc, [(start, end, label, source)], key) == 1


def abbreviation_pairs(doc: Doc) -> list[tuple[int, int, str, str]]:
    """``(short_start_char, short_end_char, short_text, long_text)`` for every abbreviation mention.

    Works with scispaCy's ``abbreviation_detector`` in either its Span or its serializable form.
    """
    if not Doc.has_extension("abbreviations"):
        return []
    out: list[tuple[int, int, str, str]] = []
    for item in doc._.abbreviations or []:
        if isinstance(item, dict):
            short = doc[item["short_start"] : item["short_end"]]
            out.append((short.start_char, short.end_char, short.text, str(item["long_text"])))
        else:
            long_form = item._.long_form
            long_text = long_form if isinstance(long_form, str) else getattr(long_form, "text", "")
            out.append((item.start_char, item.end_char, item.text, long_text))
    return out


def abbreviation_records(doc: Doc) -> list[dict[str, Any]]:
    """Every abbreviation mention with character offsets of its short and (first) long form.

    Keys: ``short``, ``short_start``, ``short_end``, ``long``, ``long_start``, ``long_end``.
    """
    if not Doc.has_extension("abbreviations"):
        return []
    out: list[dict[str, Any]] = []
    for item in doc._.abbreviations or []:
        if isinstance(item, dict):
            short = doc[item["short_start"] : item["short_end"]]
            long = doc[item["long_start"] : item["long_end"]]
        else:
            short = item
            long = item._.long_form
            if isinstance(long, str) or long is None:
                continue
        out.append(
            {
                "short": short.text,
                "short_start": short.start_char,
                "short_end": short.end_char,
                "long": long.text,
                "long_start": long.start_char,
                "long_end": long.end_char,
            }
        )
    return out


def long_forms(doc: Doc) -> dict[str, str]:
    """Abbreviation → long form, e.g. ``{"IVIg": "intravenous immunoglobulin"}``."""
    return {short: long for _s, _e, short, long in abbreviation_pairs(doc) if long}


register_extensions()
