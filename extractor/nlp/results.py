"""``evidence_results``: numeric results — counts, percentages, thresholds, p-values, CIs.

Recognised shapes (each becomes a ``RESULT`` span and a plain dict in ``doc._.results``):

* ``count_threshold`` – "five patients had complete clearing (>75%)" → count 5, threshold ">75%",
  with the outcome words between verb and bracket kept as ``outcome_text``/``outcome_start``/
  ``outcome_end``;
* ``fraction`` – "12/20" and "12 of 20 patients" → count 12, denominator 20 (plus a percent that
  follows in brackets);
* ``count_percent`` – "12 (45%)" → count 12, percent 45;
* ``percent`` / ``threshold`` – "45.2 %", "≥50%";
* ``p_value`` – "p < 0.05", "P=.03"; ``ci`` – "95% CI 1.2-3.4"; ``effect`` – "OR 2.3 (95% CI,
  1.1 to 4.5)" with ``measure``, ``value``, ``ci_low``, ``ci_high``.

Every dict has ``kind, text, start, end, count, denominator, percent, threshold, sentence,
section`` (``None`` where not applicable).
"""

from __future__ import annotations

import re
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .common import COUNT, NUMBER_WORD, SentenceIndex, add_spans, parse_count, register_extensions

register_extensions()

NUM = r"-?\d+(?:[.·]\d+)?"
_PCT = rf"{NUM}\s*%"
_OP = r"(?:<=|>=|≤|≥|<|>|=<|=>|⩽|⩾)"
_P_OP = r"(?:<=|>=|≤|≥|<|>|=<|=>|⩽|⩾|=)"
_THRESHOLD = re.compile(rf"{_OP}\s*{_PCT}")
_PERCENT = re.compile(
    rf"(?<![\w.])(?<![<>≤≥=]\s)(?<![<>≤≥=])(?P<pct>{NUM})\s*%(?!\s*(?:CI|confidence))"
)
_CI = re.compile(
    rf"(?P<level>9[059](?:\.\d)?)\s*%\s*(?:CI|C\.I\.|confidence\s+intervals?)\s*[:,=]?\s*"
    rf"[(\[]?\s*(?P<low>{NUM})\s*(?:-|–|—|to|,|;)\s*(?P<high>{NUM})\s*[)\]]?",
    re.IGNORECASE,
)
_EFFECT = re.compile(
    rf"\b(?P<measure>(?-i:OR|RR|HR|MD|SMD|WMD|IRR|aOR|aHR)|odds\s+ratio|relative\s+risk|risk\s+ratio|"
    rf"hazard\s+ratio|mean\s+difference|risk\s+difference)\b\s*(?:\([^)]{{0,20}}\)\s*)?"
    rf"(?:of|was|were|[:=,])?\s*(?P<value>{NUM})"
    rf"(?:\s*[(\[,;]?\s*(?:{_CI.pattern}))?",
    re.IGNORECASE,
)
_PVALUE = re.compile(
    rf"(?<![\w])[pP]\s*(?:-?value)?\s*(?P<op>{_P_OP})\s*(?P<value>0?[.·]\d+|[01])(?![\d])"
)
_FRACTION = re.compile(r"(?<![\w./])(?P<count>\d+)\s*/\s*(?P<den>\d+)(?![\w/]|\.\d)")
_OF = re.compile(
    rf"(?<![\w.])(?P<count>{COUNT})\s+(?:out\s+)?of\s+(?:the\s+|all\s+)?(?P<den>{COUNT})"
    rf"(?=\s+[a-z]|\s*[(),.;])",
    re.IGNORECASE,
)
_COUNT_PCT = re.compile(rf"(?<![\w.])(?P<count>\d+)\s*\(\s*(?P<pct>{NUM})\s*%\s*\)")
# "five patients had complete clearing of their skin disease (>75%)": a count at a clause start,
# an optional noun, a verb, the outcome words, and a bracketed threshold or percentage.
_VERBS = (
    r"had|have|has|showed|shown|achieved|experienced|were|was|reached|obtained|demonstrated|"
    r"attained|presented|displayed|exhibited|developed|improved|responded|maintained"
)
_COUNT_THRESHOLD = re.compile(
    rf"(?:(?<=^)|(?<=[,;:.]\s)|(?<=\band\s)|(?<=\bwhile\s)|(?<=\bwhereas\s)|(?<=\n))"
    rf"(?P<count>\d+|{NUMBER_WORD})\s+(?:(?:[a-z-]+\s+){{0,2}}?(?:patients?|participants?|subjects?|"
    rf"cases?|children|women|men|eyes)\s+)?(?P<verb>{_VERBS})\s+"
    rf"(?P<outcome>(?:(?!,\s*(?:\d+|{NUMBER_WORD})\s)[^();.\n]){{3,160}}?)\s*"
    rf"\(\s*(?P<value>{_OP}?\s*{_PCT})\s*\)",
    re.IGNORECASE,
)


def _row(
    kind: str, text: str, start: int, end: int, index: SentenceIndex, **values: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": kind,
        "text": text[start:end],
        "start": start,
        "end": end,
        "count": None,
        "denominator": None,
        "percent": None,
        "threshold": None,
        "sentence": index.sentence_of(start),
        "section": index.section_of(start),
    }
    row.update(values)
    return row


def _num(value: str) -> float | int:
    f = float(value.replace("·", "."))
    return int(f) if f.is_integer() else f


def find_results(text: str, index: SentenceIndex) -> list[dict[str, Any]]:
    """All numeric results in ``text``; more specific shapes claim their characters first."""
    rows: list[dict[str, Any]] = []
    claimed: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in claimed)

    def claim(row: dict[str, Any]) -> None:
        rows.append(row)
        claimed.append((row["start"], row["end"]))

    for m in _COUNT_THRESHOLD.finditer(text):
        value = re.sub(r"\s+", "", m.group("value"))
        is_threshold = bool(re.match(_OP, value))
        claim(
            _row(
                "count_threshold" if is_threshold else "count_percent",
                text,
                m.start(),
                m.end(),
                index,
                count=parse_count(m.group("count")),
                threshold=value if is_threshold else None,
                percent=None if is_threshold else _num(value.rstrip("%")),
                outcome_text=m.group("outcome"),
                outcome_start=m.start("outcome"),
                outcome_end=m.end("outcome"),
                verb=m.group("verb"),
            )
        )
    for m in _EFFECT.finditer(text):
        if not free(m.start(), m.end()):
            continue
        low, high = m.group("low"), m.group("high")
        claim(
            _row(
                "effect",
                text,
                m.start(),
                m.end(),
                index,
                measure=m.group("measure"),
                value=_num(m.group("value")),
                ci_low=_num(low) if low else None,
                ci_high=_num(high) if high else None,
            )
        )
    for m in _CI.finditer(text):
        if free(m.start(), m.end()):
            claim(
                _row(
                    "ci",
                    text,
                    m.start(),
                    m.end(),
                    index,
                    level=_num(m.group("level")),
                    ci_low=_num(m.group("low")),
                    ci_high=_num(m.group("high")),
                )
            )
    for m in _PVALUE.finditer(text):
        if free(m.start(), m.end()):
            claim(
                _row(
                    "p_value",
                    text,
                    m.start(),
                    m.end(),
                    index,
                    op=m.group("op"),
                    value=_num(m.group("value")),
                )
            )
    for regex in (_FRACTION, _OF):
        for m in regex.finditer(text):
            if not free(m.start(), m.end()):
                continue
            count, den = parse_count(m.group("count")), parse_count(m.group("den"))
            if count is None or not den or count > den:
                continue
            end = m.end()
            percent = None
            tail = re.match(
                rf"(?:\s+[A-Za-z-]+){{0,2}}?\s*\(\s*({NUM})\s*%\s*\)", text[end : end + 40]
            )
            if tail:
                percent = _num(tail.group(1))
                end += tail.end()
            claim(
                _row(
                    "fraction",
                    text,
                    m.start(),
                    end,
                    index,
                    count=count,
                    denominator=den,
                    percent=percent,
                )
            )
    for m in _COUNT_PCT.finditer(text):
        if free(m.start(), m.end()):
            claim(
                _row(
                    "count_percent",
                    text,
                    m.start(),
                    m.end(),
                    index,
                    count=int(m.group("count")),
                    percent=_num(m.group("pct")),
                )
            )
    for m in _THRESHOLD.finditer(text):
        if free(m.start(), m.end()):
            claim(
                _row(
                    "threshold",
                    text,
                    m.start(),
                    m.end(),
                    index,
                    threshold=re.sub(r"\s+", "", m.group(0)),
                )
            )
    for m in _PERCENT.finditer(text):
        if free(m.start(), m.end()):
            claim(_row("percent", text, m.start(), m.end(), index, percent=_num(m.group("pct"))))
    rows.sort(key=lambda r: (r["start"], r["end"]))
    return rows


class ResultFinder:
    """Find numeric results and store them as plain dicts."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        index = SentenceIndex(doc)
        rows = find_results(doc.text, index)
        for row in rows:
            row["source"] = self.name
        add_spans(doc, ((r["start"], r["end"], "RESULT", self.name) for r in rows))
        doc._.results = rows
        return doc


@Language.factory("evidence_results", assigns=["doc._.results", "doc.spans"], default_config={})
def make_results(nlp: Language, name: str) -> ResultFinder:
    """Build the result finder (``evidence_results``).

    Args:
        nlp: the pipeline.
        name: component name.
    """
    return ResultFinder(nlp, name)
