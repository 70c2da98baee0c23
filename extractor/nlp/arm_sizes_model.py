"""A learned check of per-arm sample sizes (issue 3): logistic regression over number mentions.

The rules of :mod:`extractor.nlp.sample_size` propose arm sizes; this module scores *every*
integer mention of an abstract (digits, number words, ``n = X``, and each rule row) with a
logistic regression over cheap lexical features (words around it, brackets, ``n =``, the
sentence's randomisation cues, section, the rules' own kind for it, how it relates to the total
N, ...). Per document and per *value*, the best mention's probability decides:

* a value the rules call an arm is kept when its score is at least ``keep_threshold``;
* a value the rules do not call an arm is added when its score is at least ``add_threshold``.

Weights and thresholds live in ``models/arm-sizes/arm_sizes.json``, trained on the ``dev``
split of PICO-Corpus only by :mod:`extractor.training.arm_sizes` (thresholds chosen by k-fold
cross-validation within ``dev``). Without the file the pipeline is rules only. Inference is
plain Python (a dict of weights); training needs numpy/scipy, inference does not.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .common import NUMBER_WORD, SentenceIndex, parse_count

#: The shipped model: ``<repo>/models/arm-sizes/arm_sizes.json``.
MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "arm-sizes"
MODEL_FILE = MODEL_DIR / "arm_sizes.json"
MODEL_FORMAT = "arm-sizes-logreg/1"
#: ``row["rule"]["kind"]`` of a row the model added (the rules did not find that count at all).
ADDED = "model"

_NUMBER = re.compile(
    rf"(?<![\w.,·])(?:(?P<digits>\d{{1,3}}(?:,\d{{3}})+|\d+)(?![\d]|[.,·]\d)"
    rf"|(?P<word>(?i:{NUMBER_WORD}))(?![\w-]))"
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:[.,·]\d+)*|[^\w\s]")
_CUES: dict[str, re.Pattern[str]] = {
    "rand": re.compile(r"\brandomi[sz]|\brandomly\b", re.I),
    "alloc": re.compile(r"\b(?:allocat|assign)", re.I),
    "group": re.compile(r"\b(?:groups?|arms?|cohorts?)\b", re.I),
    "versus": re.compile(r"\b(?:vs\.?|versus|compared)\b", re.I),
    "each": re.compile(r"\beach\b|\bper\s+(?:group|arm)\b", re.I),
    "resp": re.compile(r"\brespectively\b", re.I),
    "event": re.compile(
        r"\b(?:events?|deaths?|died|relapse|recurren|toxicit|adverse|incidence|occurred|"
        r"developed|experienced)",
        re.I,
    ),
    "total": re.compile(r"\b(?:total|overall|enrolled|recruited|included)\b", re.I),
    "placebo": re.compile(r"\b(?:placebo|control|usual\s+care|sham)\b", re.I),
    "analysed": re.compile(r"\b(?:analy[sz]|evaluable|completed)", re.I),
    "pvalue": re.compile(r"\b[Pp]\s*[<=>]", re.I),
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One integer mention: offsets, value, the rule row it belongs to and its features."""

    start: int
    end: int
    n: int
    row: int | None
    features: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ArmSizeModel:
    """Logistic-regression weights and the two decision thresholds."""

    weights: Mapping[str, float]
    bias: float
    keep_threshold: float
    add_threshold: float
    meta: Mapping[str, Any] = field(default_factory=dict)

    def score(self, features: Iterable[str]) -> float:
        """Probability that a mention with ``features`` states an arm size."""
        z = self.bias + sum(self.weights.get(f, 0.0) for f in features)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "bias": self.bias,
            "keep_threshold": self.keep_threshold,
            "add_threshold": self.add_threshold,
            "meta": dict(self.meta),
            "weights": dict(sorted(self.weights.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArmSizeModel:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"not an arm-size model: format {data.get('format')!r}")
        return cls(
            weights={str(k): float(v) for k, v in data["weights"].items()},
            bias=float(data["bias"]),
            keep_threshold=float(data["keep_threshold"]),
            add_threshold=float(data["add_threshold"]),
            meta=dict(data.get("meta") or {}),
        )

    @classmethod
    def load(cls, path: Path) -> ArmSizeModel:
        return cls.from_dict(json.loads(Path(path).read_text("utf-8")))

    def save(self, path: Path) -> None:
        from ..export.files import write_text_atomic  # a retrain never leaves half a file

        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(self.to_dict(), indent=1, sort_keys=False) + "\n")


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float) -> ArmSizeModel:
    return ArmSizeModel.load(Path(path))


def load_model(path: Path | None = None) -> ArmSizeModel | None:
    """The model at ``path`` (default :data:`MODEL_FILE`); ``None`` when the file is missing."""
    file = Path(path) if path is not None else MODEL_FILE
    if not file.is_file():
        return None
    return _load_cached(str(file), file.stat().st_mtime)


# --- candidates and features -----------------------------------------------------------------


def _words(text: str) -> list[str]:
    out = []
    for tok in _TOKEN.findall(text):
        if tok[0].isdigit():
            out.append("<num>")
        else:
            out.append(tok.lower())
    return out


def _bucket(value: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if value <= edge:
            return str(edge)
    return f">{edges[-1]}"


@dataclass(frozen=True, slots=True)
class _DocCounts:
    """What :func:`find_candidates` knows of the whole document when it scores one mention."""

    found: list[dict[str, Any]]
    total: int | None
    rule_arm_values: set[int]
    per_value: dict[int, int]
    by_sentence: dict[int, list[int]]
    arm_sentences: dict[int, int]
    value_set: set[int]
    #: sentence number → names of the ``_CUES`` it holds (filled as mentions are scored)
    sentence_cues: dict[int, list[str]] = field(default_factory=dict)


def _number_mentions(text: str) -> list[tuple[int, int, int, bool]]:
    """``(start, end, n, is_word)`` of every integer 2 ≤ n ≤ 10⁶ written in ``text``."""
    raw: list[tuple[int, int, int, bool]] = []
    for m in _NUMBER.finditer(text):
        if m.group("digits"):
            n = int(m.group("digits").replace(",", ""))
            is_word = False
        else:
            n = parse_count(m.group("word")) or 0
            is_word = True
        if 2 <= n <= 1_000_000:
            raw.append((m.start(), m.end(), n, is_word))
    return raw


def _link_to_rows(
    raw: list[tuple[int, int, int, bool]], found: list[dict[str, Any]]
) -> list[tuple[int, int, int, bool, int | None]]:
    """The mentions with the index of the rule row each belongs to, plus the rows no mention
    falls in, in text order."""
    linked: dict[int, int] = {}
    spans: list[tuple[int, int, int, bool, int | None]] = []
    for start, end, n, is_word in raw:
        row = next(
            (
                i
                for i, r in enumerate(found)
                if r["start"] <= start < r["end"] and r["n"] == n and i not in linked.values()
            ),
            None,
        )
        if row is not None:
            linked[start] = row
        spans.append((start, end, n, is_word, row))
    for i, r in enumerate(found):
        if i not in linked.values() and 2 <= int(r["n"]) <= 1_000_000:
            spans.append((int(r["start"]), int(r["end"]), int(r["n"]), False, i))
    spans.sort(key=lambda s: (s[0], s[1]))
    return spans


def _doc_counts(
    spans: list[tuple[int, int, int, bool, int | None]],
    index: SentenceIndex,
    found: list[dict[str, Any]],
    total: int | None,
) -> _DocCounts:
    """Count the values of ``spans`` and the rule arms per value and per sentence."""
    rule_arm_values = {int(r["n"]) for r in found if r["kind"] == "arm"}
    values = [s[2] for s in spans]
    per_value: dict[int, int] = {}
    for v in values:
        per_value[v] = per_value.get(v, 0) + 1
    by_sentence: dict[int, list[int]] = {}
    for s in spans:
        by_sentence.setdefault(index.sentence_of(s[0]), []).append(s[2])
    arm_sentences: dict[int, int] = {}
    for r in found:
        if r["kind"] == "arm":
            k = index.sentence_of(int(r["start"]))
            arm_sentences[k] = arm_sentences.get(k, 0) + 1
    value_set = set(values)
    return _DocCounts(
        found, total, rule_arm_values, per_value, by_sentence, arm_sentences, value_set
    )


def find_candidates(
    text: str, index: SentenceIndex, found: list[dict[str, Any]], total: int | None
) -> list[Candidate]:
    """Every integer mention of ``text`` (2 ≤ n ≤ 10⁶) with its features.

    ``found`` are the rule rows (``doc._.sample_sizes``); a mention inside a row with the same
    value belongs to that row. A row no mention falls in ("13 388 women") is a candidate itself.
    ``total`` is the study total the rules found stated in the text
    (:func:`extractor.nlp.sample_size.stated_total`), or ``None``.
    """
    spans = _link_to_rows(_number_mentions(text), found)
    counts = _doc_counts(spans, index, found, total)
    out: list[Candidate] = []
    for start, end, n, is_word, row in spans:
        f = _mention_features(text, index, counts, start, end, n, is_word, row)
        out.append(Candidate(start, end, n, row, tuple(f)))
    return out


def _mention_features(
    text: str,
    index: SentenceIndex,
    counts: _DocCounts,
    start: int,
    end: int,
    n: int,
    is_word: bool,
    row: int | None,
) -> list[str]:
    """The features of the mention ``start:end`` of value ``n``."""
    found = counts.found
    sent = index.sentence_of(start)
    sent_start, sent_end = index.bounds(sent)
    sentence = text[sent_start:sent_end]
    before = text[max(sent_start, start - 80) : start]
    after = text[end : min(sent_end, end + 80)]
    f: list[str] = []
    kind = found[row]["kind"] if row is not None else "none"
    f.append(f"rk={kind}")
    if row is not None and found[row].get("label"):
        f.append(f"rl={found[row]['label']}")
    in_rule_arms = n in counts.rule_arm_values
    f.append(f"rav={int(in_rule_arms)}")
    f.extend(_window_features(before, after, is_word))
    cues = counts.sentence_cues.get(sent)
    if cues is None:  # once per sentence, not once per mention in it
        cues = [name for name, cue in _CUES.items() if cue.search(sentence)]
        counts.sentence_cues[sent] = cues
    for name in cues:
        f.append(f"s:{name}")
        if in_rule_arms:
            f.append(f"rav&s:{name}")
    section = index.section_of(start) or "NONE"
    f.append(f"sec={section}")
    f.append(f"rk={kind}&sec={section}")
    f.extend(_total_features(n, counts.total, counts.value_set))
    others = [v for v in counts.by_sentence.get(sent, []) if v != n]
    if any(n + o in counts.value_set for o in others):
        f.append("sum_sent")
    if any(abs(n - o) <= max(2, 0.15 * n) for o in others):
        f.append("close_sent")
    tokens_before = len(_words(text[sent_start:start]))
    f.append(f"pos={_bucket(tokens_before, (0, 3, 10, 25))}")
    f.append(f"sidx={_bucket(sent, (0, 1, 3, 6))}")
    if sent == len(index) - 1:
        f.append("last_sent")
    f.append(f"mag={min(int(math.log2(n)), 14)}")
    f.append(f"rep={min(counts.per_value.get(n, 0), 3)}")
    n_arms = len(counts.rule_arm_values)
    f.append(f"narm={min(n_arms, 3)}")
    f.append(f"rk={kind}&narm={min(n_arms, 3)}")
    f.append(f"narm_sent={min(counts.arm_sentences.get(sent, 0), 3)}")
    if 1900 <= n <= 2030 and not is_word:
        f.append("yearlike")
    return f


# Marks beside a mention, as (feature, window, pattern), in the order the features are listed:
# the pattern is searched in the text ``before`` the mention, the text ``after`` it (anchored at
# its start) or, for a mention inside brackets, the ``bracket`` from the last "(" before it.
_MARKS = (
    ("pct_after", "after", re.compile(r"\A\s*(?:%|percent)")),
    ("pct_paren_after", "after", re.compile(r"\A\s*[(\[]\s*\d+(?:[.·]\d+)?\s*%")),
    ("range_end", "before", re.compile(r"\d\s*(?:to|-|–|and)\s*$")),
    ("range_start", "after", re.compile(r"\A\s*(?:to|-|–)\s*\d")),
    ("stats_paren", "bracket", re.compile(r"\b(?:CI|IQR|range|SD)\b|±")),
    ("slash_before", "before", re.compile(r"/\s*$")),
    ("slash_after", "after", re.compile(r"\A\s*/")),
    ("pct_of_before", "before", re.compile(r"%\s*\)?\s*(?:of|in)\s+(?:the\s+)?$")),
    (
        "part_of_before",
        "before",
        re.compile(r"\d\s*(?:\(\s*[\d.]+\s*%\s*\)\s*)?(?:of|out\s+of)\s+(?:the\s+)?$"),
    ),
)


def _window_features(before: str, after: str, is_word: bool) -> list[str]:
    """Features of the words and marks in the 80 characters either side of a mention."""
    left = _words(before)
    right = _words(after)
    f: list[str] = []
    for k in (1, 2, 3):
        f.append(f"w-{k}={left[-k] if len(left) >= k else '<s>'}")
        f.append(f"w+{k}={right[k - 1] if len(right) >= k else '</s>'}")
    f.append(f"w-2:1={'_'.join(left[-2:])}")
    f.append(f"w+1:2={'_'.join(right[:2])}")
    f.append(f"w-1+1={left[-1] if left else '<s>'}_{right[0] if right else '</s>'}")
    f.extend(f"b-={w}" for w in sorted(set(left[-6:])) if w[0].isalpha())
    f.extend(f"b+={w}" for w in sorted(set(right[:6])) if w[0].isalpha())
    if is_word:
        f.append("word")
    depth = before.count("(") + before.count("[") - before.count(")") - before.count("]")
    if depth > 0:
        f.append("paren")
    if re.search(r"\b[nN]\s*=\s*$", before):
        f.append("n=" if re.search(r"n\s*=\s*$", before) else "N=")
    windows = {"before": before, "after": after, "bracket": before[before.rfind("(") :]}
    for feature, window, pattern in _MARKS:
        if (window != "bracket" or depth > 0) and pattern.search(windows[window]):
            f.append(feature)
    return f


def _total_features(n: int, total: int | None, value_set: set[int]) -> list[str]:
    """How ``n`` compares with the stated study total ``total``."""
    f: list[str] = []
    if total:
        if n == total:
            f.append("eqT")
        elif n > total:
            f.append("gtT")
        else:
            f.append("ltT")
            if (total - n) in value_set and total - n != n:
                f.append("sum2T")
            if 2 * n == total:
                f.append("halfT")
            ratio = n / total
            f.append(f"ratioT={_bucket(int(ratio * 10), (1, 3, 5, 7, 9))}")
    else:
        f.append("noT")
    return f


# --- decisions -------------------------------------------------------------------------------


def value_scores(model: ArmSizeModel, candidates: Iterable[Candidate]) -> dict[int, float]:
    """Per value, the highest score of its mentions."""
    best: dict[int, float] = {}
    for c in candidates:
        s = model.score(c.features)
        if s > best.get(c.n, -1.0):
            best[c.n] = s
    return best


def decide_values(
    rule_values: set[int], scores: Mapping[int, float], keep: float, add: float
) -> set[int]:
    """The arm sizes to report: rule values scoring ≥ ``keep`` and others scoring ≥ ``add``."""
    kept = {v for v in rule_values if scores.get(v, 1.0) >= keep}
    added = {v for v, s in scores.items() if v not in rule_values and s >= add}
    return kept | added


def _set_kind(row: dict[str, Any], kind: str) -> None:
    row.setdefault("rule", {k: row.get(k) for k in ("kind", "label", "strength")})
    row["kind"], row["label"], row["strength"] = kind, None, 0


def apply_model(
    model: ArmSizeModel,
    text: str,
    index: SentenceIndex,
    found: list[dict[str, Any]],
    total: int | None,
) -> list[dict[str, Any]]:
    """Accept, reject or add arm rows of ``found`` (sorted by position); returns the new list.

    A rejected arm becomes a ``subgroup`` row; an added value becomes an ``arm`` row at its
    best-scoring mention (the rule row there, or a new one). Every row the model changes or adds
    keeps what the rules said in ``row["rule"]`` (``kind``, ``label``, ``strength``; ``kind`` is
    :data:`ADDED` for a new row) so that the study total is still chosen from the rules' view
    (:func:`extractor.nlp.sample_size.pick_total`).
    """
    candidates = find_candidates(text, index, found, total)
    if not candidates:
        return found
    scores: dict[int, float] = {}
    best: dict[int, Candidate] = {}
    for c in candidates:
        s = model.score(c.features)
        if s > scores.get(c.n, -1.0):
            scores[c.n], best[c.n] = s, c
    rule_values = {int(r["n"]) for r in found if r["kind"] == "arm"}
    chosen = decide_values(rule_values, scores, model.keep_threshold, model.add_threshold)
    for row in found:
        if row["kind"] == "arm" and int(row["n"]) not in chosen:
            _set_kind(row, "subgroup")
    out = list(found)
    for value in sorted(chosen - rule_values):
        c = best[value]
        if c.row is not None:
            _set_kind(found[c.row], "arm")
            continue
        sentence = index.sentence_of(c.start)
        out.append(
            {
                "n": c.n,
                "text": text[c.start : c.end],
                "start": c.start,
                "end": c.end,
                "kind": "arm",
                "label": None,
                "strength": 0,
                "sentence": sentence,
                "section": index.section_of(c.start),
                "rule": {"kind": ADDED, "label": None, "strength": 0},
            }
        )
    out.sort(key=lambda r: (r["start"], r["end"]))
    return out


__all__ = [
    "ADDED",
    "MODEL_FILE",
    "ArmSizeModel",
    "Candidate",
    "apply_model",
    "decide_values",
    "find_candidates",
    "load_model",
    "value_scores",
]
