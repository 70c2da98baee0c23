"""The PICO model's components: ``evidence_pico_tagger`` and ``evidence_pico_spans``.

The trained PICO model (``models/pico``) is a per-token tagger (``pico_tagger``, factory
``evidence_pico_tagger``: spaCy's ``tagger`` plus a calibrated bias against the ``N`` tag) that
sets ``token.tag_`` to ``N`` (none), ``P`` (participants), ``I`` (interventions) or ``O``
(outcomes), the EBM-NLP token labels. ``evidence_pico_spans`` turns maximal runs of one tag into
``doc.ents``:

* two runs of the same tag separated by at most ``max_gap`` untagged tokens are merged when
  the gap holds no sentence-level punctuation ("patients with [the] disease");
* punctuation at either edge of a span is trimmed ("metformin ," → "metformin") and spans of
  stop words and punctuation only ("or", "their") are dropped;
* existing ents with other labels are kept where they do not overlap.

``evidence_entities`` then copies these ents into ``doc.spans["evidence"]`` with
``source = "model"``. The component also scores the token-level metric of EBM-NLP (per-class
F1 of P, I, O and their macro average), which training uses to pick the best model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy
from spacy.language import Language
from spacy.pipeline.tagger import Tagger
from spacy.pipeline.tagger import default_model_config as _tagger_model_config
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import filter_spans
from thinc.api import Config, Model

from . import context  # noqa: F401  (registers evidence.ContextTok2Vec.v1 for the model config)

DEFAULT_LABELS = {"P": "POPULATION", "I": "INTERVENTION", "O": "OUTCOME"}
# Untagged tokens that must not be bridged when merging two runs.
_HARD_BREAKS = {".", ";", ":", "?", "!"}


def tag_runs(tags: list[str], keep: Iterable[str]) -> list[tuple[str, int, int]]:
    """Maximal runs ``(tag, start, end)`` of the same tag, for tags in ``keep``."""
    wanted = set(keep)
    runs: list[tuple[str, int, int]] = []
    start = 0
    for i in range(1, len(tags) + 1):
        if i == len(tags) or tags[i] != tags[start]:
            if tags[start] in wanted:
                runs.append((tags[start], start, i))
            start = i
    return runs


def token_scores(
    examples: Iterable[Example], tags: Iterable[str] = ("P", "I", "O")
) -> dict[str, Any]:
    """Token-level precision, recall and F1 per PICO tag and the macro F1 (EBM-NLP metric).

    For each tag, a token is a positive when it carries that tag; predicted tags come from
    ``example.predicted``, gold tags from ``example.reference`` aligned to the predicted tokens
    (identical tokens when the Docs were built from the EBM-NLP words).
    """
    tags = tuple(tags)
    tp = dict.fromkeys(tags, 0)
    fp = dict.fromkeys(tags, 0)
    fn = dict.fromkeys(tags, 0)
    for eg in examples:
        if len(eg.predicted) == len(eg.reference):
            gold_tags = [t.tag_ for t in eg.reference]
        else:
            gold_tags = [g or "" for g in eg.get_aligned("TAG", as_string=True)]
        for pred, g in zip(eg.predicted, gold_tags, strict=True):
            p = pred.tag_
            if p == g:
                if p in tp:
                    tp[p] += 1
            else:
                if p in fp:
                    fp[p] += 1
                if g in fn:
                    fn[g] += 1
    scores: dict[str, Any] = {}
    f1s = []
    for tag in tags:
        prec = tp[tag] / (tp[tag] + fp[tag]) if tp[tag] + fp[tag] else 0.0
        rec = tp[tag] / (tp[tag] + fn[tag]) if tp[tag] + fn[tag] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        key = tag.lower()
        scores[f"pico_token_{key}_p"] = prec
        scores[f"pico_token_{key}_r"] = rec
        scores[f"pico_token_{key}_f"] = f1
        f1s.append(f1)
    scores["pico_token_f"] = sum(f1s) / len(f1s) if f1s else 0.0
    return scores


class PicoSpanWriter:
    """Write PICO ``doc.ents`` from the per-token tags set by the PICO tagger."""

    def __init__(
        self,
        nlp: Language,
        name: str = "evidence_pico_spans",
        *,
        labels: dict[str, str] | None = None,
        max_gap: int = 1,
        trim_punct: bool = True,
    ) -> None:
        self.name = name
        self.labels = dict(labels or DEFAULT_LABELS)
        self.max_gap = max_gap
        self.trim_punct = trim_punct

    def spans(self, doc: Doc) -> list[Span]:
        """The PICO spans of ``doc`` (not yet set on it)."""
        tags = [t.tag_ for t in doc]
        runs = tag_runs(tags, self.labels)
        merged: list[list[Any]] = []
        for tag, start, end in runs:
            if merged:
                last = merged[-1]
                gap = doc[last[2] : start]
                if (
                    last[0] == tag
                    and len(gap) <= self.max_gap
                    and not any(t.text in _HARD_BREAKS or t.is_sent_start for t in gap)
                    and not doc[start].is_sent_start
                ):
                    last[2] = end
                    continue
            merged.append([tag, start, end])
        out = []
        for tag, start, end in merged:
            if self.trim_punct:
                while start < end and doc[start].is_punct and doc[start].text not in "([":
                    start += 1
                while end > start and doc[end - 1].is_punct and doc[end - 1].text not in ")]%":
                    end -= 1
            if end > start and not all(t.is_stop or t.is_punct for t in doc[start:end]):
                out.append(Span(doc, start, end, label=self.labels[tag]))
        return out

    def __call__(self, doc: Doc) -> Doc:
        new = self.spans(doc)
        ours = set(self.labels.values())
        others = [e for e in doc.ents if e.label_ not in ours]
        # Model spans win over other ents they overlap; filter_spans keeps the longer one.
        doc.ents = filter_spans(new + others) if others else new
        return doc

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        """Token-level P/I/O scores of the tags (see :func:`token_scores`)."""
        return token_scores(examples, self.labels)


@Language.factory(
    "evidence_pico_spans",
    assigns=["doc.ents"],
    requires=["token.tag"],
    default_config={"labels": None, "max_gap": 1, "trim_punct": True},
    default_score_weights={
        "pico_token_f": 1.0,
        "pico_token_p_f": 0.0,
        "pico_token_i_f": 0.0,
        "pico_token_o_f": 0.0,
    },
)
def make_pico_spans(
    nlp: Language, name: str, labels: dict[str, str] | None, max_gap: int, trim_punct: bool
) -> PicoSpanWriter:
    """Build the span writer.

    Args:
        labels: token tag → span label (default ``P``/``I``/``O`` →
            ``POPULATION``/``INTERVENTION``/``OUTCOME``).
        max_gap: bridge at most this many untagged tokens between two runs of one tag.
        trim_punct: trim punctuation at span edges (brackets and ``%`` are kept where they close).
    """
    return PicoSpanWriter(nlp, name, labels=labels, max_gap=max_gap, trim_punct=trim_punct)


class PicoTagger(Tagger):
    """spaCy's ``Tagger`` with a bias against the none tag at prediction time.

    The tagger's scores are logits; ``none_bias`` is subtracted from the ``N`` column before
    the argmax, which trades a little precision for recall on P, I and O. Trained with bias 0,
    the bias is then calibrated on dev abstracts
    (:func:`extractor.training.train.calibrate_none_bias`) and stored in the saved config, so
    it can be changed without retraining.
    """

    def __init__(
        self,
        vocab: Any,
        model: Model,
        name: str = "pico_tagger",
        *,
        overwrite: bool = False,
        scorer: Any = None,
        neg_prefix: str = "!",
        label_smoothing: float = 0.0,
        none_bias: float = 0.0,
        none_label: str = "N",
    ) -> None:
        super().__init__(
            vocab,
            model,
            name,
            overwrite=overwrite,
            scorer=scorer,
            neg_prefix=neg_prefix,
            label_smoothing=label_smoothing,
        )
        self.none_bias = none_bias
        self.none_label = none_label

    def _scores2guesses(self, scores: Sequence[Any]) -> list[Any]:
        if not self.none_bias or self.none_label not in self.labels:
            return super()._scores2guesses(scores)
        column = list(self.labels).index(self.none_label)
        guesses = []
        for doc_scores in scores:
            shifted = self.model.ops.to_numpy(doc_scores).copy()
            shifted[:, column] -= self.none_bias
            guesses.append(numpy.asarray(shifted.argmax(axis=1)))
        return guesses


@Language.factory(
    "evidence_pico_tagger",
    assigns=["token.tag"],
    default_config={
        "model": Config().from_str(_tagger_model_config)["model"],
        "overwrite": False,
        "scorer": {"@scorers": "spacy.tagger_scorer.v1"},
        "neg_prefix": "!",
        "label_smoothing": 0.0,
        "none_bias": 0.0,
        "none_label": "N",
    },
    default_score_weights={"tag_acc": 1.0},
)
def make_pico_tagger(
    nlp: Language,
    name: str,
    model: Model,
    overwrite: bool,
    scorer: Any,
    neg_prefix: str,
    label_smoothing: float,
    none_bias: float,
    none_label: str,
) -> PicoTagger:
    """Build the PICO tagger: spaCy's tagger whose ``N`` logit is lowered by ``none_bias``."""
    return PicoTagger(
        nlp.vocab,
        model,
        name,
        overwrite=overwrite,
        scorer=scorer,
        neg_prefix=neg_prefix,
        label_smoothing=label_smoothing,
        none_bias=none_bias,
        none_label=none_label,
    )
