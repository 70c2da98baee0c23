"""Effect direction: did the intervention significantly increase, decrease or not change an outcome?

Two public functions, both plain Python over strings (no ``Doc`` needed, a few µs a sentence):

* :func:`classify_direction` labels one sentence ``increased`` / ``decreased`` /
  ``no difference`` (intervention relative to comparator) with a confidence;
* :func:`find_direction` picks, in an abstract, the sentence that states the effect on one
  outcome (word overlap with the outcome name + significance/comparison cues, results and
  conclusions sections preferred) and classifies it.

The rules read their cues from ``patterns/direction.jsonl`` (no difference, significance, up,
down, comparison markers, generic arm wording, magnitude and change words). The subject of the
sentence decides the sign: "placebo led to higher pain scores than X" is a *decrease* for X, so
when the comparator is named before the intervention the direction is flipped. Words of the
outcome's own name are no cues ("weight loss", "reduction of migraine days"); a magnitude word
next to a change word is composed ("greater reduction" is down); a significant sentence without
wording is decided by the arms' figures ("13.6% in the control arm and 6.6% in the intervention
arm"), and a table row given as evidence ("Cortisol\\n302±79\\n442±67\\n0.00") by its first two
value lines and the p-value on the last.

When ``<models_dir>/direction/direction.json`` exists (a multinomial logistic regression over
:func:`model_features`: the rules' findings plus the sentence's words, trained by
:mod:`extractor.training.direction`), its label is used instead of the rule label. Without the
file the rules alone decide. Either way it is plain Python, well under a millisecond a sentence.
"""

from __future__ import annotations

import json
import math
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ModelError
from .common import load_patterns, strip_span

LABELS = ("increased", "decreased", "no difference")
MODEL_DIR_NAME = "direction"
MODEL_FILE_NAME = "direction.json"
MODEL_FORMAT = "direction-logreg/1"

_STOP = frozenset(
    [
        "a", "an", "and", "or", "the", "of", "in", "on", "at", "to", "for", "with", "by", "from",
        "as", "is", "are", "was", "were", "be", "been", "than", "vs", "versus", "group", "groups",
        "patients", "patient", "subjects", "participants", "mean", "total", "level", "levels",
        "rate", "rates", "score", "scores", "number", "after", "before", "during", "between",
        "among", "who", "which", "that", "this", "these", "those", "its", "their", "use", "using",
        "used", "received", "receiving", "treated", "treatment", "plus", "alone",
    ]
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*|\d+(?:\.\d+)?")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])|\n+")
_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(%|percent)?")
_NEGATED = re.compile(
    r"(?:\b(?:not|no|never|nor|without|neither)|n[’']t)\s+(?:(?!but\b|however\b)\w+\s+){0,2}$",
    re.I,
)
#: "not … significant" with up to four words between ("did not reveal any statistically").
_NEGATED_SIG = re.compile(
    r"(?:\b(?:not|no|never|nor|without|neither)|n[’']t)\s+(?:(?!but\b|however\b)\w+\s+){0,4}$",
    re.I,
)
#: A table row: the outcome's name, one line per arm, the p-value last ("<0.05††").
_TABLE_P = re.compile(r"^\s*[<≤=]?\s*(0?[.·]\d+|0|1(?:[.·]0+)?)\b[^\n\d]*$")

_lock = threading.Lock()
_models: dict[str, Any] = {}


# --- cues ------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _cues(directory: str | None = None) -> dict[str, list[tuple[re.Pattern[str], float]]]:
    rows = load_patterns("direction", Path(directory) if directory else None)
    out: dict[str, list[tuple[re.Pattern[str], float]]] = {}
    for row in rows:
        try:
            regex = re.compile(str(row["pattern"]), re.I)
        except (KeyError, re.error) as exc:
            raise ModelError(f"bad direction pattern {row!r}: {exc}") from exc
        out.setdefault(str(row["kind"]), []).append((regex, float(row.get("weight", 1))))
    return out


@lru_cache(maxsize=4096)
def _hits(kind: str, text: str) -> tuple[tuple[int, int, float], ...]:
    """``(start, end, weight)`` of every ``kind`` cue in ``text`` (cached: one abstract's
    sentences are read once per outcome and arm pair)."""
    return tuple(
        (m.start(), m.end(), weight)
        for regex, weight in _cues().get(kind, [])
        for m in regex.finditer(text)
    )


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _content(text: str) -> list[str]:
    return [w for w in _words(text) if w not in _STOP and (len(w) > 2 or w.isupper())]


def _stem(word: str) -> str:
    return word[:5] if len(word) > 5 else word


@lru_cache(maxsize=1024)
def _word_stems(sentence: str) -> tuple[tuple[int, int, str], ...]:
    """``(start, end, stem)`` of every word of ``sentence`` (cached per sentence)."""
    return tuple((m.start(), m.end(), _stem(m.group(0).lower())) for m in _WORD.finditer(sentence))


@lru_cache(maxsize=1024)
def _phrase_stems(phrase: str) -> frozenset[str]:
    """The stems :func:`_mentions` looks for: content words of ``phrase`` but figures."""
    return frozenset(_stem(w) for w in _content(phrase) if not w.replace(".", "").isdigit())


def _mentions(sentence: str, phrase: str | None) -> list[tuple[int, int]]:
    """Spans in ``sentence`` of the words of ``phrase`` (prefix-matched, stopwords out)."""
    if not phrase:
        return []
    wanted = _phrase_stems(phrase)
    if not wanted:
        return []
    return [(start, end) for start, end, stem in _word_stems(sentence) if stem in wanted]


@lru_cache(maxsize=2048)
def _arm_mentions(
    sentence: str, intervention: str | None, comparator: str | None
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Start offsets of the intervention's and the comparator's mentions in ``sentence``.

    Words shared by both arms are not counted. An arm not named by its own words is looked for
    by generic wording ("the control group", "placebo", "non-X"; "the intervention group")
    unless that wording belongs to the other arm.
    """
    i_words = _stems(intervention or "")
    c_words = _stems(comparator or "")
    shared = i_words & c_words

    def named(phrase: str | None) -> list[int]:
        if not phrase:
            return []
        wanted = _phrase_stems(phrase) - shared
        return [start for start, _, stem in _word_stems(sentence) if stem in wanted]

    def generic(kind: str, other: frozenset[str]) -> list[int]:
        return [s for s, e, _ in _hits(kind, sentence) if not _stems(sentence[s:e]) & other]

    i_at = named(intervention) or generic("arm_intv", c_words)
    c_at = named(comparator) or generic("arm_comp", i_words)
    return tuple(sorted(i_at)), tuple(sorted(c_at))


def _arm_order(
    sentence: str, intervention: str | None, comparator: str | None
) -> tuple[int | None, int | None]:
    """First positions of the intervention and comparator (see :func:`_arm_mentions`)."""
    i_at, c_at = _arm_mentions(sentence, intervention, comparator)
    return (i_at[0] if i_at else None), (c_at[0] if c_at else None)


_NOT_VALUE = re.compile(r"(?:\bp|\bci|\bor|\bhr|\brr|\bn|[±=<>≤≥/:–-]|\bto|\bof)\s*$", re.I)


def _main_values(sentence: str) -> list[tuple[int, float]]:
    """``(offset, value)`` of the figures outside brackets that are not p-values, CIs, counts'
    denominators or years: the arms' values in "13.6% in the control arm and 6.6% ..."."""
    out: list[tuple[int, float]] = []
    depth = 0
    pos = 0
    for m in _NUMBER.finditer(sentence):
        chunk = sentence[pos : m.start()]
        depth = max(
            0, depth + chunk.count("(") + chunk.count("[") - chunk.count(")") - chunk.count("]")
        )
        pos = m.start()
        value = float(m.group(1))
        if depth or _NOT_VALUE.search(sentence[max(0, m.start() - 6) : m.start()]):
            continue
        if not m.group(2) and 1900 <= value <= 2100:
            continue
        out.append((m.start(), value))
    return out


def _table_values(sentence: str) -> tuple[float, float, float] | None:
    """``(first arm, second arm, p)`` of a table row given as the evidence ("Cortisol\\n302±79\\n
    442±67\\n0.00"): the first figure of the first two value lines and the last line's p."""
    lines = [ln.strip() for ln in sentence.split("\n") if ln.strip()]
    if len(lines) < 4:
        return None
    p = _TABLE_P.match(lines[-1].split("/")[0])
    values = []
    for line in lines[1:-1]:
        m = _NUMBER.search(line.replace("·", "."))
        if m and not line[: m.start()].strip(" -−–"):
            sign = -1.0 if line[: m.start()].strip() in ("-", "−", "–") else 1.0
            values.append(sign * float(m.group(1)))
    if p is None or len(values) < 2 or values[0] == values[1]:
        return None
    return values[0], values[1], float(p.group(1).replace("·", "."))


def _value_direction(sentence: str, intervention: str | None, comparator: str | None) -> str | None:
    """``increased``/``decreased`` from the two arms' figures, or ``None`` when they cannot be
    told apart: "respectively" pairs figures with arms in mention order, otherwise each of the
    first two figures goes to the nearest arm mention."""
    i_at, c_at = _arm_mentions(sentence, intervention, comparator)
    values = _main_values(sentence)
    if not i_at or not c_at or len(values) < 2:
        return None
    (p1, v1), (p2, v2) = values[:2]
    if v1 == v2:
        return None
    if _RESPECTIVELY.search(sentence):
        first_is_intv = i_at[0] < c_at[0]
    else:

        def arm(pos: int) -> str:
            di = min(abs(pos - a) for a in i_at)
            dc = min(abs(pos - a) for a in c_at)
            return "i" if di < dc else "c"

        a1, a2 = arm(p1), arm(p2)
        if a1 == a2:
            return None
        first_is_intv = a1 == "i"
    up = v1 > v2 if first_is_intv else v2 > v1
    return "increased" if up else "decreased"


_LINK = frozenset(["of", "in", "the", "a", "an", "on"])
_COMPOSE_GAP = 40


def _outcome_word(sentence: str, start: int, end: int, outcome_stems: frozenset[str]) -> bool:
    """Whether the cue at ``start:end`` is a word of the outcome's own name ("weight loss",
    "reduction of migraine days"), i.e. it and a neighbour (across of/in/the) are outcome words."""
    if _stem(sentence[start:end].lower()) not in outcome_stems:
        return False
    before = [w for w in _words(sentence[max(0, start - 40) : start]) if w not in _LINK][-1:]
    after = [w for w in _words(sentence[end : end + 40]) if w not in _LINK][:1]
    return any(_stem(w) in outcome_stems for w in before + after)


def _direction_cues(sentence: str, outcome: str | None) -> list[tuple[int, str, float]]:
    """``(start, "up"|"down", weight)`` per direction cue of ``sentence``.

    Words of the outcome's own name are no cues, and a magnitude word next to a change word
    counts once, composed: "greater reduction" is down, "less weight gain" is down, "smaller
    decrease" is up.
    """
    o_stems = _stems(outcome) if outcome else frozenset()
    hits = [
        (s, e, kind, w)
        for kind in ("up", "down")
        for s, e, w in _hits(kind, sentence)
        if not (o_stems and _outcome_word(sentence, s, e, o_stems))
    ]
    mags = [
        (s, e, 1 if k == "more" else -1) for k in ("more", "less") for s, e, _ in _hits(k, sentence)
    ]
    changes = [
        (s, e, 1 if k == "change_up" else -1)
        for k in ("change_up", "change_down")
        for s, e, _ in _hits(k, sentence)
    ]
    used: set[int] = set()
    out: list[tuple[int, str, float]] = []
    for cs, ce, csign in changes:
        for ms, me, msign in mags:
            gap = cs - me if ms < cs else ms - ce
            if (
                0 <= gap <= _COMPOSE_GAP
                and ms not in used
                and ";" not in sentence[min(me, ce) : max(ms, cs)]
            ):
                used.update((ms, cs))
                out.append((min(ms, cs), "up" if csign * msign > 0 else "down", 2.0))
                break
    out.extend((s, kind, w) for s, _, kind, w in hits if s not in used)
    return sorted(out)


def rule_features(
    sentence: str,
    *,
    intervention: str | None = None,
    comparator: str | None = None,
    outcome: str | None = None,
) -> dict[str, Any]:
    """What the rules see in ``sentence``: cue scores, arm order and the rule label.

    Returns:
        ``{"nodiff", "sig", "up", "down": float, "flip": bool, "label": str, "confidence":
        float}``; ``up``/``down`` count cues not negated, after the flip by arm order.
    """
    nodiff = sum(w for _, _, w in _hits("nodiff", sentence))
    sig_hits = _hits("sig", sentence)
    # "not significant" is both a sig and a nodiff cue: keep only the sig cues not negated.
    sig = sum(w for s, _, w in sig_hits if not _NEGATED_SIG.search(sentence[max(0, s - 45) : s]))
    table = _table_values(sentence)
    if table is not None and table[2] <= 0.05:
        sig += 2.0
    up = down = 0.0
    cues: list[tuple[int, str]] = []
    for s, kind, w in _direction_cues(sentence, outcome):
        if _NEGATED.search(sentence[max(0, s - 25) : s]):
            continue
        cues.append((s, kind))
        if kind == "up":
            up += w
        else:
            down += w
    named = _mentions(sentence, outcome)
    if up and down and named:
        # Both directions worded ("success was lower and complications higher"): the cue
        # nearest the outcome's words decides.
        _, kind = min((min(abs(s - a) for a, _ in named), k) for s, k in cues)
        up, down = (1.0, 0.0) if kind == "up" else (0.0, 1.0)
    i_pos, c_pos = _arm_order(sentence, intervention, comparator)
    # The subject is the first arm named outside a "than / compared with / versus" phrase:
    # "Compared with placebo, X reduced ..." keeps X as the subject.
    markers = [e for _, e, _ in _hits("than", sentence)]

    def after_marker(pos: int | None) -> bool:
        return pos is not None and any(0 <= pos - e <= 40 for e in markers)

    if after_marker(c_pos):
        flip = False
    elif after_marker(i_pos):
        flip = c_pos is not None
    else:
        flip = c_pos is not None and (i_pos is None or c_pos < i_pos)
    if flip:
        up, down = down, up
    if nodiff > sig or (nodiff and not sig):
        label, conf = "no difference", 0.6 + 0.1 * min(nodiff - sig, 3)
    elif up > down:
        label, conf = "increased", 0.55 + 0.1 * min(up - down, 3) + (0.1 if sig else 0.0)
    elif down > up:
        label, conf = "decreased", 0.55 + 0.1 * min(down - up, 3) + (0.1 if sig else 0.0)
    elif sig:
        by_value = _value_direction(sentence, intervention, comparator)
        if table is not None:
            label, conf = ("increased" if table[0] > table[1] else "decreased"), 0.5
        elif by_value is not None:
            label, conf = by_value, 0.5
        else:
            label, conf = _numeric_direction(sentence, flip), 0.4
    else:
        label, conf = "no difference", 0.35
    return {
        "nodiff": nodiff,
        "sig": sig,
        "up": up,
        "down": down,
        "flip": flip,
        "label": label,
        "confidence": round(min(conf, 0.95), 3),
    }


_CONFIDENCE = re.compile(r"\b9[059](?:\s*%|\s*percent)\s*(?:CI|confidence)", re.I)


def _numeric_direction(sentence: str, flip: bool) -> str:
    """Significant but no wording: compare the first two figures ("20.5% versus 44.5%")."""
    values = [float(m.group(1)) for m in _NUMBER.finditer(sentence) if m.group(2)]
    if len(values) < 2:
        # every figure but p values, confidence levels and years ("0.5 and 1.6 days (p=0.008)")
        masked = _P_VALUE.sub(" ", _CONFIDENCE.sub(" ", sentence))
        values = [float(m.group(1)) for m in _NUMBER.finditer(masked)]
        values = [v for v in values if not 1900 <= v <= 2100]
    if len(values) < 2 or values[0] == values[1]:
        return "increased"
    up = values[0] > values[1]
    if flip:
        up = not up
    return "increased" if up else "decreased"


# --- the learned model ----------------------------------------------------------------------

_P_VALUE = re.compile(r"\bp\s*(?:value)?\s*(<=|>=|[<=>≤≥])\s*(0?[.·]\d+|1(?:[.·]0+)?|0)\b", re.I)
_WITHIN = re.compile(
    r"\b(?:both\s+groups|each\s+group|all\s+groups|within\s+(?:each\s+|both\s+)?groups?|"
    r"from\s+baseline|compared\s+(?:with|to)\s+baseline|pre-?treatment|over\s+time)\b",
    re.I,
)
_BETWEEN = re.compile(r"\bbetween\s+(?:the\s+)?(?:two\s+|three\s+)?(?:groups|arms)\b", re.I)
_LETTERS = re.compile(r"[A-Za-z][A-Za-z\-]*")


def model_features(
    sentence: str,
    *,
    intervention: str | None = None,
    comparator: str | None = None,
    outcome: str | None = None,
    features: dict[str, Any] | None = None,
) -> list[str]:
    """The binary features the direction model reads: the rules' findings, crossed with the
    rule label where that is what matters (p-values, table rows, within-group wording), the
    arms' figures, and the sentence's lower-cased words.

    Swapping ``intervention`` and ``comparator`` swaps what the arm-aware features say, so a
    model trained with swapped copies (labels flipped) stays symmetric.
    """
    feats = features or rule_features(
        sentence, intervention=intervention, comparator=comparator, outcome=outcome
    )
    label = feats["label"]
    out = {f"rule={label}", f"rule={label}|conf={round(feats['confidence'], 1)}"}
    for key in ("nodiff", "sig", "up", "down"):
        out.add(f"{key}={min(int(feats[key]), 6)}")
    if feats["up"] and feats["down"]:
        out.add("updown")
    if feats["flip"]:
        out.add("flip")
    if _RESPECTIVELY.search(sentence):
        out.add("respectively")
    if "\n" in sentence:
        out.add(f"table|{label}")
    out.add(f"values={_value_direction(sentence, intervention, comparator)}|{label}")
    i_at, c_at = _arm_mentions(sentence, intervention, comparator)
    out.add(f"arms={int(bool(i_at))}{int(bool(c_at))}")
    pvals = []
    for m in _P_VALUE.finditer(sentence):
        pvals.append((m.group(1), float(m.group(2).replace("·", "."))))
    if pvals:
        sig = any(v < 0.05 or (op in "<≤" and v <= 0.05) for op, v in pvals)
        ns = any(v >= 0.05 and op not in "<≤" for op, v in pvals)
        out.add(f"p={int(sig)}{int(ns)}|{label}")
    else:
        out.add(f"p=none|{label}")
    if _WITHIN.search(sentence):
        out.add(f"within|{label}")
    if _BETWEEN.search(sentence):
        out.add(f"between|{label}")
    out.update(f"w={w.lower()}" for w in _LETTERS.findall(sentence))
    return sorted(out)


class DirectionModel:
    """A multinomial logistic regression over :func:`model_features` (plain Python at use).

    Args:
        weights: feature → one weight per label of ``labels``.
        bias: one per label.
        labels: the label order (``LABELS``).
        meta: training figures, config and provenance (kept in the JSON file).
    """

    __slots__ = ("bias", "labels", "meta", "weights")

    def __init__(
        self,
        weights: dict[str, list[float]],
        bias: list[float],
        labels: tuple[str, ...] = LABELS,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.weights = weights
        self.bias = bias
        self.labels = labels
        self.meta = meta or {}

    def probabilities(self, features: list[str]) -> dict[str, float]:
        """Softmax scores per label for one example's features."""
        z = list(self.bias)
        for name in features:
            row = self.weights.get(name)
            if row is not None:
                z = [a + b for a, b in zip(z, row, strict=True)]
        top = max(z)
        exp = [math.exp(v - top) for v in z]
        total = sum(exp)
        return {lab: e / total for lab, e in zip(self.labels, exp, strict=True)}

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "labels": list(self.labels),
            "bias": [round(b, 6) for b in self.bias],
            "weights": {k: [round(v, 6) for v in row] for k, row in sorted(self.weights.items())},
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DirectionModel:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a {MODEL_FORMAT} model: {data.get('format')!r}")
        labels = tuple(str(x) for x in data["labels"])
        if set(labels) != set(LABELS):
            raise ValueError(f"unexpected labels {labels!r}")
        weights = {str(k): [float(x) for x in v] for k, v in data["weights"].items()}
        return cls(weights, [float(x) for x in data["bias"]], labels, dict(data.get("meta", {})))


@lru_cache(maxsize=8)
def _model_path(models_dir: str) -> str:
    return str((Path(models_dir) / MODEL_DIR_NAME / MODEL_FILE_NAME).resolve())


def load_direction_model(models_dir: Path | None = None) -> DirectionModel | None:
    """The trained direction model ``<models_dir>/direction/direction.json``, or ``None``.

    Loaded once per path and cached.

    Raises:
        ModelError: the file exists but is not a direction model.
    """
    if models_dir is None:
        from ..settings import get_settings

        models_dir = get_settings().models_dir
    key = _model_path(str(models_dir))
    with _lock:
        if key not in _models:
            path = Path(key)
            if not path.is_file():
                _models[key] = None
            else:
                try:
                    _models[key] = DirectionModel.from_json(
                        json.loads(path.read_text(encoding="utf-8"))
                    )
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    raise ModelError(f"cannot load direction model: {exc}", source=key) from exc
        return _models[key]


def classify_direction(
    sentence: str,
    *,
    intervention: str | None = None,
    comparator: str | None = None,
    outcome: str | None = None,
    model: Any | bool | None = None,
) -> tuple[str, float]:
    """Label the effect a sentence states for the intervention relative to the comparator.

    Args:
        sentence: the evidence sentence.
        intervention, comparator: the arms as named by the caller (free text; words are
            prefix-matched, so "Liraglutide (1.2 mg)" finds "liraglutide").
        outcome: the outcome name (its own words are no direction cues: "weight loss").
        model: a :class:`DirectionModel`, ``False`` for rules only, ``None`` (default) for the
            model in ``Settings.models_dir`` when there is one.

    Returns:
        ``(label, confidence)`` with label ``increased``, ``decreased`` or ``no difference``.
    """
    feats = rule_features(
        sentence, intervention=intervention, comparator=comparator, outcome=outcome
    )
    learned: Any = load_direction_model() if model is None else (model or None)
    if learned is None:
        return feats["label"], feats["confidence"]
    probs = learned.probabilities(
        model_features(
            sentence,
            intervention=intervention,
            comparator=comparator,
            outcome=outcome,
            features=feats,
        )
    )
    best = max(probs, key=lambda lab: probs[lab])
    return best, round(float(probs[best]), 3)


# --- locating the sentence -------------------------------------------------------------------


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Cheap sentence spans (full stop + capital, or a line break), whitespace trimmed."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in [*_SENT.finditer(text), None]:
        end = m.start() if m else len(text)
        chunk = text[pos:end]
        left = len(chunk) - len(chunk.lstrip())
        right = len(chunk.rstrip())
        if right > left:
            out.append((pos + left, pos + right))
        pos = m.end() if m else len(text)
    return out


@lru_cache(maxsize=4096)
def _stems(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _content(text))


_P_CUE = re.compile(r"\bp\s*[<=>≤≥]", re.I)


@lru_cache(maxsize=4096)
def _cue_score(sentence: str) -> float:
    """The outcome-independent part of :func:`score_sentence` (cached: one abstract's
    sentences are scored once per outcome)."""
    score = 0.0
    if _hits("sig", sentence) or _hits("nodiff", sentence):
        score += 1.0
    if _hits("up", sentence) or _hits("down", sentence) or _hits("than", sentence):
        score += 0.5
    if _P_CUE.search(sentence):
        score += 0.5
    return score


def score_sentence(
    sentence: str,
    outcome: str,
    intervention: str | None = None,
    comparator: str | None = None,
    section: str | None = None,
) -> float:
    """How likely ``sentence`` states the effect on ``outcome`` (0 when it does not name it)."""
    wanted = _stems(outcome)
    if not wanted:
        return 0.0
    overlap = len(wanted & _stems(sentence)) / len(wanted)
    if overlap == 0:
        return 0.0
    score = 3.0 * overlap + _cue_score(sentence)
    i_pos, c_pos = _arm_order(sentence, intervention, comparator)
    score += 0.3 * ((i_pos is not None) + (c_pos is not None))
    label = (section or "").upper()
    if label.startswith(("RESULT", "FINDING", "OUTCOME")):
        score += 1.0
    elif label.startswith(("CONCLU", "INTERPRET")):
        score += 0.6
    elif label.startswith(("BACKGROUND", "INTRO", "OBJECT", "AIM", "PURPOSE", "METHOD", "DESIGN")):
        score -= 1.5
    if len(sentence) > 600:
        score -= 1.0
    return score


def find_direction(
    text: str,
    outcome: str,
    intervention: str | None = None,
    comparator: str | None = None,
    *,
    sentences: list[tuple[int, int, str | None]] | None = None,
    min_score: float = 2.5,
    model: Any | bool | None = None,
) -> tuple[str, str, int, int] | None:
    """Find the sentence of ``text`` that states the effect on ``outcome`` and classify it.

    Args:
        text: the abstract (offsets index it).
        outcome, intervention, comparator: as named in the record or the prompt.
        sentences: ``(start, end, section)`` per sentence (e.g. ``doc._.sent_sections``);
            default: a cheap split of ``text`` without sections.
        min_score: the least :func:`score_sentence` accepted (about "names most of the outcome
            and states a comparison").
        model: as for :func:`classify_direction`.

    Returns:
        ``(label, sentence, start, end)`` with ``text[start:end] == sentence``, or ``None``.
    """
    spans = sentences if sentences is not None else [(s, e, None) for s, e in split_sentences(text)]
    best: tuple[float, int, int] | None = None
    for start, end, section in spans:
        start, end = max(0, int(start)), min(len(text), int(end))
        # the returned span is the sentence without surrounding blanks
        start, end = strip_span(text, start, end)
        if end <= start:
            continue
        score = score_sentence(text[start:end], outcome, intervention, comparator, section)
        if score >= min_score and (best is None or score > best[0]):
            best = (score, start, end)
    if best is None:
        return None
    _, start, end = best
    sentence = text[start:end]
    label, _ = classify_direction(
        sentence, intervention=intervention, comparator=comparator, outcome=outcome, model=model
    )
    return label, sentence, start, end


__all__ = [
    "LABELS",
    "DirectionModel",
    "classify_direction",
    "find_direction",
    "load_direction_model",
    "model_features",
    "rule_features",
    "score_sentence",
    "split_sentences",
]
