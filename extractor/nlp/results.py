"""``evidence_results``: numeric results — counts, percentages, thresholds, p-values, CIs.

Recognised shapes (each becomes a ``RESULT`` span and a plain dict in ``doc._.results``):

* ``count_threshold`` – "five patients had complete clearing (>75%)" → count 5, threshold ">75%",
  with the outcome words between verb and bracket kept as ``outcome_text``/``outcome_start``/
  ``outcome_end``;
* ``fraction`` – "12/20" and "12 of 20 patients" → count 12, denominator 20 (plus a percent that
  follows in brackets);
* ``count_percent`` – "12 (45%)" → count 12, percent 45;
* ``percent`` / ``threshold`` – "45.2 %", "≥50%";
* ``p_value`` – "p < 0.05", "P=.03", "NS"; ``ci`` – "95% CI 1.2-3.4"; ``effect`` – "OR 2.3
  (95% CI, 1.1 to 4.5)", "HR = 0.72; 95% CI, 0.60 to 0.86", "MD", "SMD", "difference" with
  ``measure``, ``value``, ``ci_low``, ``ci_high``;
* ``mean_sd`` – "12.3 ± 4.5", "12.3 (SD 4.5)", "mean 12.3 (4.5)" → ``mean``, ``sd``;
* ``median_iqr`` – "median 5 (IQR 3–8)", "5 [3, 8]" (after "median"), "5 (range 1-9)" →
  ``median``, ``iqr`` ("3–8" as written);
* ``continuous`` – bare means/medians compared across arms: "median PFS 16 vs 12 weeks",
  "(mean 39.8 days vs 40.9 days)", "3.4 in the A group and 4.0 in the B group" (after "mean"/
  "median"/"score") → ``mean`` or ``median`` (the nearest of those words before it);
* counts also as "ten (27.8 %)" and "63 patients (24.6%)".

Every dict has ``kind, text, start, end, count, denominator, percent, threshold, mean, median,
sd, iqr, p_value, time_point, sentence, section`` (``None`` where not applicable). ``p_value``
of a non-p row is the text of the first p-value that follows it in the same sentence before the
next p-value (the comparison it belongs to); ``time_point`` is "at 12 weeks" / "after 6
months" nearest before it in the sentence (else the first one after it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .common import (
    COUNT,
    NUMBER_WORD,
    SentenceIndex,
    add_spans,
    doc_text,
    parse_count,
    register_extensions,
)

register_extensions()

NUM = r"-?\d+(?:[.·]\d+)?"
#: A signed number as reported for changes ("+7", "−0.2").
SNUM = r"[-+−]?\d+(?:[.·]\d+)?"
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
    rf"\b(?P<measure>(?-i:OR|RR|HR|MD|SMD|WMD|IRR|ARR|ARD|RD|aOR|aHR|aRR)|odds\s+ratio|"
    rf"relative\s+risk|risk\s+ratio|hazard\s+ratio|rate\s+ratio|"
    rf"(?:standardi[sz]ed\s+|weighted\s+)?mean\s+difference|(?:absolute\s+)?risk\s+difference|"
    rf"difference)\b\s*(?:[(\[][^)\]]{{0,20}}[)\]]\s*)?"
    rf"(?:of|was|were|[:=,])?\s*(?P<value>{SNUM})"
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
_COUNT_PCT = re.compile(
    rf"(?<![\w.])(?P<count>\d+|{NUMBER_WORD})(?:\s+(?!and\b|or\b|vs\b|versus\b)[A-Za-z-]+){{0,2}}?"
    rf"\s*\(\s*(?P<pct>{NUM})\s*%\s*\)",
    re.IGNORECASE,
)
_MEAN_WORDS = re.compile(r"\b(?:mean|means|SD|s\.d\.|standard\s+deviation|±)", re.IGNORECASE)
#: Units a continuous value may carry between the number and its SD / range / comparator.
_UNIT = (
    r"(?:(?:months?|weeks?|wks?|days?|d|hours?|hrs?|h|years?|yrs?|min(?:utes?)?|seconds?|s|"
    r"points?|cycles?|euros?|dollars?|mm\s*Hg|mmHg|bpm|"
    r"(?:[nµμmdk]?(?:g|L|l|mol|m|U|IU)|cm|mm|kcal|pg|ng)(?:\s*/\s*[A-Za-z0-9()]+){0,2}"
    r"|%)(?![A-Za-z]))"
)
_PM = r"(?:±|\+\s*/\s*-|\+-|\s\+/-)"
_MEAN_SD = re.compile(
    rf"(?<![\w.])(?P<mean>{SNUM})(?:\s*(?P<u1>{_UNIT}))?\s*{_PM}\s*(?P<sd>{NUM})(?![\d.]?\d)",
)
_MEAN_SD_PAREN = re.compile(
    rf"(?<![\w.])(?P<mean>{SNUM})(?:\s*{_UNIT})?\s*[(\[]\s*(?:(?P<kw>SD|S\.D\.|standard\s+deviation)"
    rf"\s*[:=,]?\s*)?(?P<sd>{NUM})(?!\s*%)(?:\s*{_UNIT})?\s*[)\]]",
    re.IGNORECASE,
)
_MEDIAN_RANGE = re.compile(
    rf"(?<![\w.])(?P<median>{SNUM})(?:\s*{_UNIT})?\s*[(\[]\s*(?:(?P<kw>IQR|interquartile\s+range|"
    rf"inter-quartile\s+range|range|Q1\s*[-–,]\s*Q3)\s*[:=,]?\s*)?"
    rf"(?P<range>(?P<low>{SNUM})(?:\s*{_UNIT})?\s*(?:-|–|—|to|,)\s*(?P<high>{SNUM}))(?:\s*{_UNIT})?"
    rf"\s*[)\]]",
    re.IGNORECASE,
)
_CONT_VS = re.compile(
    rf"(?<![\w.])(?P<a>{SNUM})(?:\s*(?P<ua>{_UNIT}))?(?:\s*[)\]])?\s*(?:,\s*)?"
    rf"(?:vs\.?|versus|compared\s+(?:with|to)|and|or|to)\s+(?:[(\[]\s*)?"
    rf"(?P<b>{SNUM})(?:\s*(?P<ub>{_UNIT}))?(?![\w.]?\d)",
    re.IGNORECASE,
)
_CONT_IN = re.compile(
    rf"(?<![\w.])(?P<a>{SNUM})(?:\s*(?P<ua>{_UNIT}))?(?=\s+(?:in|with|for|among)\s+(?:the\s+)?"
    rf"(?:[\w-]+\s+){{0,4}}?(?:group|arm|patients|participants|subjects)\b)",
    re.IGNORECASE,
)
_CONT_KEYWORD = re.compile(
    r"\b(?P<kw>medians?|means?|average|averaged|scores?|mean\s+change)\b", re.IGNORECASE
)
_NS = re.compile(r"(?<![\w])(?:N\.S\.|NS|n\.s\.)(?![\w])")
_TIME_POINT = re.compile(
    rf"\b(?:at|after|by|over|within|through|during|following)\s+(?:the\s+)?(?:first\s+)?"
    rf"(?:{NUMBER_WORD}|\d+(?:[.·]\d+)?)(?:\s*(?:-|–|to)\s*\d+)?[\s-]*"
    rf"(?:hours?|h|days?|weeks?|wk|months?|mo|years?|yr)\b(?:\s+(?:of|after)\s+"
    rf"(?:treatment|follow-up|therapy|randomi[sz]ation|surgery|baseline))?",
    re.IGNORECASE,
)
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
        "mean": None,
        "median": None,
        "sd": None,
        "iqr": None,
        "p_value": None,
        "time_point": None,
        "sentence": index.sentence_of(start),
        "section": index.section_of(start),
    }
    row.update(values)
    return row


def _num(value: str) -> float | int:
    f = float(value.replace("·", ".").replace("−", "-"))
    return int(f) if f.is_integer() else f


#: The claim test of :func:`find_results`: is no character of ``[start, end)`` claimed yet?
_Free = Callable[[int, int], bool]
#: The values of the row a match gives, or ``None`` to skip it.
_Values = Callable[[re.Match[str], str, SentenceIndex], dict[str, Any] | None]
#: The rows a match gives (``kind`` is the pass's): ``(kind, match, text, index, free)``.
_Fields = Callable[[str, re.Match[str], str, SentenceIndex, _Free], list[dict[str, Any]]]


def _whole_match(values: _Values) -> _Fields:
    """A pass whose row spans the whole match, taken only where none of it is claimed yet."""

    def fields(
        kind: str, m: re.Match[str], text: str, index: SentenceIndex, free: _Free
    ) -> list[dict[str, Any]]:
        if not free(m.start(), m.end()):
            return []
        found = values(m, text, index)
        if found is None:
            return []
        return [_row(kind, text, m.start(), m.end(), index, **found)]

    return fields


def _count_threshold_rows(
    kind: str, m: re.Match[str], text: str, index: SentenceIndex, free: _Free
) -> list[dict[str, Any]]:
    """Count with outcome and bracket ("five had clearing (>75%)"): threshold, else percent."""
    value = re.sub(r"\s+", "", m.group("value"))
    is_threshold = bool(re.match(_OP, value))
    return [
        _row(
            kind if is_threshold else "count_percent",
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
    ]


def _effect_values(m: re.Match[str], text: str, index: SentenceIndex) -> dict[str, Any] | None:
    if m.group("measure").lower() == "difference" and re.search(
        r"\b(?:was|were|of)\b", text[m.end("measure") : m.start("value")]
    ):
        return None  # "the difference was 2.1": a plain number, not a named measure
    low, high = m.group("low"), m.group("high")
    return {
        "measure": m.group("measure"),
        "value": _num(m.group("value")),
        "ci_low": _num(low) if low else None,
        "ci_high": _num(high) if high else None,
    }


def _ci_values(m: re.Match[str], text: str, index: SentenceIndex) -> dict[str, Any] | None:
    return {
        "level": _num(m.group("level")),
        "ci_low": _num(m.group("low")),
        "ci_high": _num(m.group("high")),
    }


def _p_values(m: re.Match[str], text: str, index: SentenceIndex) -> dict[str, Any] | None:
    return {"op": m.group("op"), "value": _num(m.group("value"))}


def _ns_values(m: re.Match[str], text: str, index: SentenceIndex) -> dict[str, Any] | None:
    return {"op": None, "value": None}


def _mean_sd_values(m: re.Match[str], text: str, index: SentenceIndex) -> dict[str, Any] | None:
    return {"mean": _num(m.group("mean")), "sd": _num(m.group("sd"))}


def _median_iqr_values(m: re.Match[str], text: str, index: SentenceIndex) -> dict[str, Any] | None:
    """Median with IQR/range; a bracket without a keyword only after "median"; low ≤ high."""
    if not m.group("kw") and _keyword(text, index, m.start()) != "median":
        return None
    if _num(m.group("low")) > _num(m.group("high")):
        return None
    return {"median": _num(m.group("median")), "iqr": m.group("range")}


def _mean_sd_paren_values(
    m: re.Match[str], text: str, index: SentenceIndex
) -> dict[str, Any] | None:
    """Mean (SD) as "12.3 (SD 4.5)"; without "SD" only after a mean word in the sentence."""
    start, _ = _sentence_bounds(text, index, m.start())
    if not m.group("kw") and not _MEAN_WORDS.search(text, start, m.start()):
        return None
    return _mean_sd_values(m, text, index)


def _fraction_rows(
    kind: str, m: re.Match[str], text: str, index: SentenceIndex, free: _Free
) -> list[dict[str, Any]]:
    """Fractions "12/20", "12 of 20" (count ≤ denominator), plus a "(60%)" that follows."""
    if not free(m.start(), m.end()):
        return []
    count, den = parse_count(m.group("count")), parse_count(m.group("den"))
    if count is None or not den or count > den:
        return []
    end = m.end()
    percent = None
    tail = re.match(rf"(?:\s+[A-Za-z-]+){{0,2}}?\s*\(\s*({NUM})\s*%\s*\)", text[end : end + 40])
    if tail:
        percent = _num(tail.group(1))
        end += tail.end()
    return [_row(kind, text, m.start(), end, index, count=count, denominator=den, percent=percent)]


def _count_pct_values(m: re.Match[str], text: str, index: SentenceIndex) -> dict[str, Any] | None:
    return {"count": parse_count(m.group("count")), "percent": _num(m.group("pct"))}


def _threshold_values(m: re.Match[str], text: str, index: SentenceIndex) -> dict[str, Any] | None:
    return {"threshold": re.sub(r"\s+", "", m.group(0))}


def _percent_values(m: re.Match[str], text: str, index: SentenceIndex) -> dict[str, Any] | None:
    return {"percent": _num(m.group("pct"))}


def _continuous_vs_rows(
    kind: str, m: re.Match[str], text: str, index: SentenceIndex, free: _Free
) -> list[dict[str, Any]]:
    """Compared values ("median PFS 16 vs 12 weeks"): one row per number, both must be free."""
    units = [u for u in (m.group("ua"), m.group("ub")) if u]
    if "%" in units or not (free(m.start("a"), m.end("a")) and free(m.start("b"), m.end("b"))):
        return []
    measure = _keyword(text, index, m.start())
    joiner = text[m.end("a") : m.start("b")]
    if measure is None and not (units and re.search(r"vs|versus|compared", joiner, re.I)):
        return []
    rows = []
    for g in ("a", "b"):
        u = m.group("u" + g)
        end = m.end("u" + g) if u else m.end(g)
        rows.append(
            _row(kind, text, m.start(g), end, index, **{measure or "mean": _num(m.group(g))})
        )
    return rows


def _continuous_in_values(
    m: re.Match[str], text: str, index: SentenceIndex
) -> dict[str, Any] | None:
    """A value "in the A group" after "mean"/"median"/"score" in its sentence."""
    if m.group("ua") == "%":
        return None
    measure = _keyword(text, index, m.start())
    return None if measure is None else {measure: _num(m.group("a"))}


#: The passes of :func:`find_results`, in order: a pass's rows claim their characters, and a
#: later pass takes only what is still free, so the more specific shapes come first.
_PASSES: tuple[tuple[str, re.Pattern[str], _Fields], ...] = (
    ("count_threshold", _COUNT_THRESHOLD, _count_threshold_rows),
    ("effect", _EFFECT, _whole_match(_effect_values)),
    ("ci", _CI, _whole_match(_ci_values)),
    ("p_value", _PVALUE, _whole_match(_p_values)),
    ("p_value", _NS, _whole_match(_ns_values)),
    # means with SD and medians with IQR/range before counts, so "12.3 (4.5)" is not split
    ("mean_sd", _MEAN_SD, _whole_match(_mean_sd_values)),
    ("median_iqr", _MEDIAN_RANGE, _whole_match(_median_iqr_values)),
    ("mean_sd", _MEAN_SD_PAREN, _whole_match(_mean_sd_paren_values)),
    ("fraction", _FRACTION, _fraction_rows),
    ("fraction", _OF, _fraction_rows),
    ("count_percent", _COUNT_PCT, _whole_match(_count_pct_values)),
    ("threshold", _THRESHOLD, _whole_match(_threshold_values)),
    ("percent", _PERCENT, _whole_match(_percent_values)),
    ("continuous", _CONT_VS, _continuous_vs_rows),
    ("continuous", _CONT_IN, _whole_match(_continuous_in_values)),
)


def find_results(text: str, index: SentenceIndex) -> list[dict[str, Any]]:
    """All numeric results in ``text``; more specific shapes claim their characters first."""
    rows: list[dict[str, Any]] = []
    claimed: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in claimed)

    for kind, pattern, fields in _PASSES:
        for m in pattern.finditer(text):
            for row in fields(kind, m, text, index, free):
                rows.append(row)
                claimed.append((row["start"], row["end"]))
    rows.sort(key=lambda r: (r["start"], r["end"]))
    _attach_context(text, index, rows)
    return rows


def _sentence_bounds(text: str, index: SentenceIndex, offset: int) -> tuple[int, int]:
    """Start and end of the sentence holding ``offset``."""
    return index.bounds(index.sentence_of(offset))


def _keyword(text: str, index: SentenceIndex, offset: int) -> str | None:
    """``median`` or ``mean`` after the nearest such word before ``offset`` in its sentence."""
    start, _ = _sentence_bounds(text, index, offset)
    found = list(_CONT_KEYWORD.finditer(text, start, offset))
    if not found:
        return None
    return "median" if found[-1].group("kw").lower().startswith("median") else "mean"


def _attach_context(text: str, index: SentenceIndex, rows: list[dict[str, Any]]) -> None:
    """Give each row the p-value of its comparison and the time point of its sentence."""
    by_sentence: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        if row["kind"] == "p_value":
            row["p_value"] = row["text"]
        by_sentence.setdefault(row["sentence"], []).append(row)
    for group in by_sentence.values():
        pending: list[dict[str, Any]] = []
        for row in group:
            if row["kind"] == "p_value":
                for other in pending:
                    other["p_value"] = row["text"]
                pending = []
            elif row["kind"] != "ci":
                pending.append(row)
        s_start, s_end = _sentence_bounds(text, index, group[0]["start"])
        s_end = max(s_end, max(r["end"] for r in group))
        times = list(_TIME_POINT.finditer(text, s_start, s_end))
        if not times:
            continue
        for row in group:
            before = [t for t in times if t.end() <= row["start"]]
            chosen = (
                before[-1] if before else next((t for t in times if t.start() >= row["end"]), None)
            )
            if chosen is not None:
                row["time_point"] = chosen.group(0)


class ResultFinder:
    """Find numeric results and store them as plain dicts."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        index = SentenceIndex(doc)
        rows = find_results(doc_text(doc), index)
        for row in rows:
            row["source"] = self.name
        add_spans(doc, ((r["start"], r["end"], "RESULT", self.name) for r in rows))
        doc._.results = rows
        return doc


@Language.factory(
    "evidence_results",
    requires=["doc._.sent_sections"],
    assigns=["doc._.results", "doc.spans"],
    default_config={},
)
def make_results(nlp: Language, name: str) -> ResultFinder:
    """Build the result finder (``evidence_results``).

    Args:
        nlp: the pipeline.
        name: component name.
    """
    return ResultFinder(nlp, name)
