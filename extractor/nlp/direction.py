"""Effect direction: did the intervention significantly increase, decrease or not change an outcome?

Two public functions, both plain Python over strings (no ``Doc`` needed, a few µs a sentence):

* :func:`classify_direction` labels one sentence ``increased`` / ``decreased`` /
  ``no difference`` (intervention relative to comparator) with a confidence;
* :func:`find_direction` picks, in an abstract, the sentence that states the effect on one
  outcome (word overlap with the outcome name + significance/comparison cues, results and
  conclusions sections preferred) and classifies it.

The rules read their cues from ``patterns/direction.jsonl`` (no difference, significance, up,
down, comparison markers). The subject of the sentence decides the sign: "placebo led to higher
pain scores than X" is a *decrease* for X, so when the comparator is named before the
intervention the direction is flipped.

When ``<models_dir>/direction`` holds a spaCy ``textcat`` pipeline (see
:func:`featurize` and ``extractor/evaluation/direction.py``) its scores are used instead of the
rule label: the model reads the sentence with the arms masked as ``INTV``/``COMP`` plus the
rules' findings as extra tokens, so it learns when to trust them. Without the folder the
rules alone decide.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ModelError
from .common import load_patterns

LABELS = ("increased", "decreased", "no difference")
MODEL_DIR_NAME = "direction"
#: textcat category names (spaCy labels) ↔ our labels.
MODEL_LABELS = {
    "INCREASED": "increased",
    "DECREASED": "decreased",
    "NO_DIFFERENCE": "no difference",
}

_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "than",
        "vs",
        "versus",
        "group",
        "groups",
        "patients",
        "patient",
        "subjects",
        "participants",
        "mean",
        "total",
        "level",
        "levels",
        "rate",
        "rates",
        "score",
        "scores",
        "number",
        "after",
        "before",
        "during",
        "between",
        "among",
        "who",
        "which",
        "that",
        "this",
        "these",
        "those",
        "its",
        "their",
        "use",
        "using",
        "used",
        "received",
        "receiving",
        "treated",
        "treatment",
        "plus",
        "alone",
    ]
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*|\d+(?:\.\d+)?")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])|\n+")
_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(%|percent)?")
_NEGATED = re.compile(r"\b(?:not|no|never|nor|without|neither)\s+(?:\w+\s+){0,2}$", re.I)

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


def _hits(kind: str, text: str) -> list[tuple[int, int, float]]:
    return [
        (m.start(), m.end(), weight)
        for regex, weight in _cues().get(kind, [])
        for m in regex.finditer(text)
    ]


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _content(text: str) -> list[str]:
    return [w for w in _words(text) if w not in _STOP and (len(w) > 2 or w.isupper())]


def _stem(word: str) -> str:
    return word[:5] if len(word) > 5 else word


def _mentions(sentence: str, phrase: str | None) -> list[tuple[int, int]]:
    """Spans in ``sentence`` of the words of ``phrase`` (prefix-matched, stopwords out)."""
    if not phrase:
        return []
    wanted = {_stem(w) for w in _content(phrase) if not w.replace(".", "").isdigit()}
    if not wanted:
        return []
    return [
        (m.start(), m.end())
        for m in _WORD.finditer(sentence)
        if _stem(m.group(0).lower()) in wanted
    ]


def _arm_order(
    sentence: str, intervention: str | None, comparator: str | None
) -> tuple[int | None, int | None]:
    """First positions of the intervention and comparator, words shared by both not counted."""

    shared = {_stem(w) for w in _content(intervention or "")} & {
        _stem(w) for w in _content(comparator or "")
    }

    def first(phrase: str | None) -> int | None:
        for start, end in _mentions(sentence, phrase):
            if _stem(sentence[start:end].lower()) not in shared:
                return start
        return None

    return first(intervention), first(comparator)


# --- classification --------------------------------------------------------------------------


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
    sig = sum(w for s, _, w in sig_hits if not _NEGATED.search(sentence[max(0, s - 30) : s]))
    up = down = 0.0
    cues: list[tuple[int, str]] = []
    for kind in ("up", "down"):
        for s, _, w in _hits(kind, sentence):
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


def _numeric_direction(sentence: str, flip: bool) -> str:
    """Significant but no wording: compare the first two figures ("20.5% versus 44.5%")."""
    values = [float(m.group(1)) for m in _NUMBER.finditer(sentence) if m.group(2)]
    if len(values) < 2:
        values = [float(m.group(1)) for m in _NUMBER.finditer(sentence)]
        values = [v for v in values if v >= 1 and not 1900 <= v <= 2100]
    if len(values) < 2 or values[0] == values[1]:
        return "increased"
    up = values[0] > values[1]
    if flip:
        up = not up
    return "increased" if up else "decreased"


def featurize(
    sentence: str,
    *,
    intervention: str | None = None,
    comparator: str | None = None,
    outcome: str | None = None,
    features: dict[str, Any] | None = None,
) -> str:
    """The text the direction model reads: arms masked, rule findings appended as tokens.

    ``"Pain was lower with X than placebo"`` (X vs placebo) →
    ``"pain was lower with INTV than COMP __DOWN __RULE_decreased"``.
    """
    feats = features or rule_features(
        sentence, intervention=intervention, comparator=comparator, outcome=outcome
    )
    spans = sorted(
        [(s, e, "INTV") for s, e in _mentions(sentence, intervention)]
        + [(s, e, "COMP") for s, e in _mentions(sentence, comparator)]
        + [(s, e, "OUTC") for s, e in _mentions(sentence, outcome)]
    )
    parts: list[str] = []
    pos = 0
    for start, end, tag in spans:
        if start < pos:
            continue
        parts.append(sentence[pos:start])
        parts.append(f" {tag} ")
        pos = end
    parts.append(sentence[pos:])
    masked = "".join(parts).lower().replace("intv", "INTV").replace("comp", "COMP")
    masked = masked.replace("outc", "OUTC")
    extra = [f"__RULE_{feats['label'].replace(' ', '_')}"]
    for key in ("nodiff", "sig", "up", "down"):
        if feats[key]:
            extra.append(f"__{key.upper()}")
    if feats["flip"]:
        extra.append("__FLIP")
    if _RESPECTIVELY.search(sentence):
        extra.append("__RESP")
    return masked + " " + " ".join(extra)


@lru_cache(maxsize=8)
def _model_key(models_dir: str) -> str:
    return str((Path(models_dir) / MODEL_DIR_NAME).resolve())


def load_direction_model(models_dir: Path | None = None) -> Any | None:
    """The trained direction textcat at ``<models_dir>/direction``, or ``None`` when absent.

    Raises:
        ModelError: the folder exists but cannot be loaded.
    """
    if models_dir is None:
        from ..settings import get_settings

        models_dir = get_settings().models_dir
    key = _model_key(str(models_dir))
    with _lock:
        if key not in _models:
            if not (Path(key) / "meta.json").is_file():
                _models[key] = None
            else:
                import spacy

                try:
                    _models[key] = spacy.load(key)
                except Exception as exc:  # spaCy raises many kinds (OSError, config errors)
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
        outcome: the outcome name (only used as a feature for the model).
        model: a loaded direction model, ``False`` for rules only, ``None`` (default) for the
            model in ``Settings.models_dir`` when there is one.

    Returns:
        ``(label, confidence)`` with label ``increased``, ``decreased`` or ``no difference``.
    """
    feats = rule_features(
        sentence, intervention=intervention, comparator=comparator, outcome=outcome
    )
    nlp: Any = load_direction_model() if model is None else (model or None)
    if nlp is None:
        return feats["label"], feats["confidence"]
    text = featurize(
        sentence,
        intervention=intervention,
        comparator=comparator,
        outcome=outcome,
        features=feats,
    )
    cats = nlp(text).cats
    best = max(cats, key=cats.get)
    return MODEL_LABELS.get(best, feats["label"]), round(float(cats[best]), 3)


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


@lru_cache(maxsize=4096)
def _cue_score(sentence: str) -> float:
    """The outcome-independent part of :func:`score_sentence` (cached: one abstract's
    sentences are scored once per outcome)."""
    score = 0.0
    if _hits("sig", sentence) or _hits("nodiff", sentence):
        score += 1.0
    if _hits("up", sentence) or _hits("down", sentence) or _hits("than", sentence):
        score += 0.5
    if re.search(r"\bp\s*[<=>≤≥]", sentence, re.I):
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
        # trim so the returned span is the sentence without surrounding blanks
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
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
    "classify_direction",
    "featurize",
    "find_direction",
    "load_direction_model",
    "rule_features",
    "score_sentence",
    "split_sentences",
]
