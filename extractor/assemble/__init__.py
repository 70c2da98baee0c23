"""Doc → ``Evidence``: the only place that reads the pipeline's Doc extensions.

:func:`extract_evidence` runs the pipeline on one ``Document``; :func:`extract_many` streams
many through ``nlp.pipe``. Both hand the caller's section boundaries, title and publication
types to the components (``doc._.doc_sections``, ``doc._.title``, ``doc._.publication_types``)
and turn what the components found into frozen records whose offsets index
``Document.abstract`` (``abstract[start:end] == text`` for every span, dose, result and event).

Interventions are named by their abbreviation when the abstract defines one (``name="IVIg"``,
``long_form="intravenous immunoglobulin"``), else by their first mention.

One module per part of the record: ``spans`` (span records, sentence lookup),
``interventions`` (arms, doses, arm sizes), ``population``, ``result_arms`` (the arm of each
per-arm figure), ``outcomes`` (results by outcome, directions) and ``summary``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from ..errors import ExtractorError, InputError, ModelError
from ..nlp.common import doc_text
from ..nlp.direction import load_direction_model
from ..nlp.model_spans import naming_spans
from ..nlp.pipeline import get_pipeline, pipeline_label
from ..records import AdverseEvent, Document, Evidence
from ..settings import MAX_ABSTRACT_CHARS
from .arms import build_arms
from .comparisons import build_comparisons
from .outcomes import UNNAMED_OUTCOME as UNNAMED_OUTCOME
from .outcomes import _directions, _outcomes
from .population import _population, _sample_noun
from .result_arms import _result_arms as _result_arms
from .spans import _sentence_of as _sentence_of
from .spans import _spans, trim_model_edges
from .summary import format_dose, summarize


def make_doc(nlp: Language, document: Document) -> Doc:
    """Tokenise ``document.abstract`` and attach the inputs the components read.

    Raises:
        InputError: the abstract is longer than ``MAX_ABSTRACT_CHARS``.
    """
    if len(document.abstract) > MAX_ABSTRACT_CHARS:
        raise InputError(
            f"abstract too long: {len(document.abstract):,} characters (at most "
            f"{MAX_ABSTRACT_CHARS:,}); is it a full text or several records run together?",
            source=document.source or None,
        )
    doc = nlp.make_doc(document.abstract)
    doc.user_data["evidence.text"] = document.abstract  # = doc.text; see nlp.common.doc_text
    doc._.doc_sections = [[s.label, s.start, s.end] for s in document.sections] or None
    doc._.title = document.title
    doc._.publication_types = list(document.publication_types)
    return doc


def extract_evidence(document: Document, nlp: Language | None = None) -> Evidence:
    """Run the pipeline on one document and build its ``Evidence`` record.

    Args:
        document: a cleaned document; offsets in the result index ``document.abstract``.
        nlp: a pipeline from :func:`extractor.nlp.build_pipeline` (default: the shared one).

    Raises:
        ModelError: the pipeline failed on this document.
    """
    nlp = nlp or get_pipeline()
    try:
        doc = nlp(make_doc(nlp, document))
    except ExtractorError:
        raise
    except Exception as exc:  # any component failure becomes one clear error for this item
        raise ModelError(f"pipeline failed: {exc}", source=document.source or None) from exc
    return evidence_from_doc(document, doc, pipeline_label(nlp))


def extract_many(
    documents: Iterable[Document],
    nlp: Language | None = None,
    *,
    batch_size: int = 32,
    n_process: int = 1,
) -> Iterator[Evidence]:
    """Stream ``Evidence`` records for many documents through ``nlp.pipe``.

    Args:
        documents: cleaned documents, in any number.
        nlp: a pipeline (default: the shared one).
        batch_size: documents per ``nlp.pipe`` batch.
        n_process: worker processes for ``nlp.pipe`` (extension values are plain data).

    Yields:
        One ``Evidence`` per document, in input order.

    Raises:
        ModelError: the pipeline failed.
    """
    nlp = nlp or get_pipeline()
    label = pipeline_label(nlp)
    pairs = ((make_doc(nlp, d), d) for d in documents)
    try:
        for doc, document in nlp.pipe(
            pairs, as_tuples=True, batch_size=batch_size, n_process=n_process
        ):
            yield evidence_from_doc(document, doc, label)
    except ExtractorError:
        raise
    except Exception as exc:
        raise ModelError(f"pipeline failed: {exc}") from exc


# --- Doc → records ---------------------------------------------------------------------------


def evidence_from_doc(document: Document, doc: Doc, pipeline: str = "") -> Evidence:
    """Build the ``Evidence`` record from a processed ``Doc`` of ``document.abstract``."""
    text = doc_text(doc)
    sentences: list[list[Any]] = doc._.sent_sections or [[0, len(text), None]]
    starts = [int(r[0]) for r in sentences]
    spans = _spans(doc, sentences, starts)
    named = naming_spans(trim_model_edges(spans))  # the record keeps every span; these name
    interventions = build_arms(doc, named, starts)
    population = _population(doc, named)
    rows = list(doc._.results or [])
    result_arms = _result_arms(text, rows, starts, interventions)  # once: outcomes + comparisons
    outcomes = _outcomes(doc, named, starts, interventions, result_arms)
    direction_model = _direction_model_once()
    outcomes = _directions(text, outcomes, interventions, sentences, model=direction_model)
    comparisons = build_comparisons(
        text,
        [(int(r[0]), int(r[1]), r[2]) for r in sentences],
        named,
        interventions,
        rows,
        result_arms,
        model=direction_model,
    )
    events = tuple(
        AdverseEvent(
            text=e["text"],
            start=e["start"],
            end=e["end"],
            name=e.get("name"),
            count=e.get("count"),
            kind=e.get("kind", "adverse_event"),
        )
        for e in doc._.adverse_events or []
    )
    conclusion = (doc._.conclusion or {}).get("text")
    evidence = Evidence(
        id=document.record_id,
        document=document,
        population=population,
        interventions=interventions,
        outcomes=outcomes,
        adverse_events=events,
        comparisons=comparisons,
        design=doc._.design,
        conclusion=conclusion,
        spans=spans,
        pipeline=pipeline,
    )
    summary = summarize(evidence, sample_noun=_sample_noun(doc))
    return Evidence(**{**_fields(evidence), "summary": summary})


def _direction_model_once() -> Callable[[], Any]:
    """The direction model (``False``: none, rules only), looked up at the first call only:
    each lookup reads the settings, and a record classifies many sentences."""
    found: list[Any] = []

    def model() -> Any:
        if not found:
            found.append(load_direction_model() or False)
        return found[0]

    return model


def _fields(evidence: Evidence) -> dict[str, Any]:
    return {name: getattr(evidence, name) for name in Evidence.__dataclass_fields__}


__all__ = [
    "evidence_from_doc",
    "extract_evidence",
    "extract_many",
    "format_dose",
    "make_doc",
    "summarize",
]
