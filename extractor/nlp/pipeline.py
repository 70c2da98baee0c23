"""Build the evidence pipeline: blank English + scispaCy tokenizer + rule components.

::

    tokenizer            scispacy combined_rule_tokenizer
    sentences            scispacy pysbd_sentencizer (or spaCy's rule "sentencizer")
    abbreviation_detector  scispacy, serializable (plain dicts)
    evidence_sections    sections.py
    evidence_sample_size sample_size.py (+ sample_size_arms/_cues/_total, arm_sizes_model)
    evidence_dosing      dosing.py
    evidence_results     results.py
    [ner model]          sourced from <models_dir>/ner (CHEMICAL/DISEASE; with a PICO model)
    evidence_ner_spans   ner_spans.py: the entities into doc.spans["evidence"]
    [pico model]         sourced from <models_dir>/pico (else pico-tagger) when present
    evidence_entities    entities.py (+ population, interventions, arm_names, outcomes,
                         phrases, model_spans, events, design)
"""

from __future__ import annotations

import logging
import threading
import warnings
from pathlib import Path

import spacy
from spacy.language import Language

from ..errors import ExtractorError, ModelError
from ..pipeline_id import PIPELINE_NAME, PIPELINE_VERSION, ner_folder, pico_folder
from ..settings import Settings, get_settings
from . import (  # noqa: F401  (register factories)
    abbreviations,
    dosing,
    entities,
    ner_spans,
    results,
    sample_size,
    sections,
)
from .common import register_extensions

log = logging.getLogger("extractor.nlp")


_lock = threading.Lock()
_cache: dict[str, Language] = {}


def _add_sentences(nlp: Language, sentencizer: str) -> None:
    if sentencizer == "pysbd":
        try:  # lazy: pysbd, for this optional sentencizer only (start-up time)
            import pysbd  # noqa: F401
            from scispacy import custom_sentence_segmenter  # noqa: F401
        except ImportError:
            sentencizer = "rule"
        else:
            nlp.add_pipe("pysbd_sentencizer")
            return
    if sentencizer != "rule":
        raise ModelError(f"unknown sentencizer {sentencizer!r} (use 'pysbd' or 'rule')")
    nlp.add_pipe("sentencizer")


def _source_pico(nlp: Language, path: Path) -> list[str]:
    """Add every trainable component of the saved pipeline at ``path`` before the entities."""
    try:
        pico = spacy.load(path)
    except Exception as exc:  # spaCy raises many kinds (OSError, ValueError, config errors)
        raise ModelError(f"cannot load PICO model: {exc}", source=str(path)) from exc
    # add_pipe(source=...) never copies vocab.vectors; a tok2vec with static vectors needs them
    if pico.vocab.vectors.shape[0] and not nlp.vocab.vectors.shape[0]:
        nlp.vocab.vectors = pico.vocab.vectors
    added: list[str] = []
    for name in pico.pipe_names:
        if name in nlp.pipe_names:
            continue
        new_name = f"pico_{name}" if not name.startswith("pico") else name
        nlp.add_pipe(name, name=new_name, source=pico, before="evidence_entities")
        added.append(new_name)
    if not added:
        raise ModelError("PICO model has no components to add", source=str(path))
    return added


def _source_ner(nlp: Language, path: Path, *, before: str) -> None:
    """Add the chemical/disease model and the component that keeps its entities as spans.

    The model is saved without a vectors table: it runs on the PICO tagger's, already in
    ``nlp.vocab`` (checked by :func:`extractor.training.ner.load_ner`).
    """
    from ..training.ner import source_ner  # lazy: only with a NER model (start-up time)

    name = source_ner(nlp, path, before=before)
    nlp.add_pipe("evidence_ner_spans", after=name)


def build_pipeline(*, models_dir: Path | None = None, sentencizer: str = "rule") -> Language:
    """Build the evidence pipeline.

    The pipeline is ``spacy.blank("en")`` with scispaCy's ``combined_rule_tokenizer``, a sentence
    splitter, scispaCy's ``abbreviation_detector`` and the five rule components
    ``evidence_sections``, ``evidence_sample_size``, ``evidence_dosing``, ``evidence_results`` and
    ``evidence_entities``.

    **Plug-in point for a trained PICO model:** when ``<models_dir>/pico`` exists it must be a
    spaCy pipeline saved with ``nlp.to_disk`` whose components write ``POPULATION``,
    ``INTERVENTION``, ``COMPARATOR``, ``OUTCOME`` (or ``CONDITION``) spans to
    ``doc.spans["evidence"]`` or to ``doc.ents``. Its components (its own tok2vec included) are
    sourced into this pipeline just before ``evidence_entities``, which copies PICO ``doc.ents``
    into the span group and adds its rule spans beside the model's. When the folder is absent
    the pipeline is rules only. See ``models/README.md``.

    Args:
        models_dir: folder with trained pipelines (default: ``Settings.models_dir``).
        sentencizer: ``"rule"`` (default: spaCy's punctuation sentencizer; the section tagger
            adds breaks at headings and after glued full stops such as "mmol/L.") or
            ``"pysbd"`` (scispaCy's pysbd_sentencizer: slightly better on odd punctuation but
            about half the speed — 45 vs 96 abstracts/s measured; falls back to the rule one
            when pysbd is missing).

    Returns:
        The ready pipeline; ``nlp.meta["name"]``/``["version"]`` name it.

    Raises:
        ModelError: scispaCy is missing, or the PICO model cannot be loaded.
    """
    register_extensions()
    try:  # not at the top: a missing scispacy is a ModelError here, not an ImportError on import
        from scispacy import abbreviation  # noqa: F401  (registers "abbreviation_detector")
        from scispacy.custom_tokenizer import combined_rule_tokenizer
    except ImportError as exc:
        raise ModelError(f"scispacy is required: {exc}") from exc
    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        # scispaCy's infix regex makes Python warn "Possible set union" (a FutureWarning about
        # future regex syntax, harmless for the pattern as written); keep it off users' stderr.
        warnings.simplefilter("ignore", FutureWarning)
        nlp.tokenizer = combined_rule_tokenizer(nlp)
    _add_sentences(nlp, sentencizer)
    # scispaCy's detector, made serializable and kept quiet about its empty matcher (W036) by its
    # config, so a pipeline saved and loaded again behaves the same (abbreviations.py).
    nlp.add_pipe("evidence_abbreviations", name="abbreviation_detector")
    for name in (
        "evidence_sections",
        "evidence_sample_size",
        "evidence_dosing",
        "evidence_results",
        "evidence_entities",
    ):
        nlp.add_pipe(name)
    models_dir = models_dir if models_dir is not None else get_settings().models_dir
    pico_path = pico_folder(Path(models_dir))
    sourced: list[str] = []
    if pico_path is not None:
        sourced = _source_pico(nlp, pico_path)
    ner_path = ner_folder(Path(models_dir))
    with_ner = bool(sourced) and ner_path is not None
    if with_ner:
        _source_ner(nlp, ner_path, before=sourced[0])  # type: ignore[arg-type]
    nlp.meta["name"] = PIPELINE_NAME + ("+pico" if sourced else "") + ("+ner" if with_ner else "")
    nlp.meta["version"] = PIPELINE_VERSION
    return nlp


def get_pipeline(*, models_dir: Path | None = None) -> Language:
    """The shared pipeline for ``models_dir`` (default ``Settings.models_dir``), built once.

    Raises:
        ModelError: as :func:`build_pipeline`.
    """
    folder = Path(models_dir) if models_dir is not None else get_settings().models_dir
    key = str(folder.resolve())
    with _lock:
        if key not in _cache:
            _cache[key] = build_pipeline(models_dir=folder)
            log.info("pipeline from %s: %s", folder, ", ".join(_cache[key].pipe_names))
        return _cache[key]


def pipeline_for(settings: Settings) -> Language:
    """The shared pipeline for ``settings.models_dir`` (see :func:`get_pipeline`).

    Raises:
        ModelError: the pipeline cannot be loaded, whatever spaCy raised (a broken model
            folder raises many kinds of errors); other ``ExtractorError`` pass unchanged.
    """
    try:
        return get_pipeline(models_dir=settings.models_dir)
    except ExtractorError:
        raise
    except Exception as exc:  # spaCy raises many kinds of errors on a broken model dir
        raise ModelError(f"cannot load the NLP pipeline: {exc}") from exc


def pipeline_label(nlp: Language) -> str:
    """A short ``name/version`` string for ``Evidence.pipeline``."""
    return f"{nlp.meta.get('name', PIPELINE_NAME)}/{nlp.meta.get('version', PIPELINE_VERSION)}"
