"""The pipeline's contract: what each component declares, save/load, and worker processes.

* every evidence component declares what it writes (``assigns``) and what earlier components
  must have written (``requires``), so ``nlp.analyze_pipes()`` shows the data flow;
* a pipeline saved with ``nlp.to_disk`` and read back with ``spacy.load`` gives the same
  ``Evidence`` record;
* ``nlp.pipe(n_process=2)`` gives the same records as one process.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import spacy

from extractor.assemble import evidence_from_doc, extract_many, make_doc
from extractor.nlp import pipeline_label
from extractor.records import Document

EVIDENCE_COMPONENTS = (
    "evidence_sections",
    "evidence_sample_size",
    "evidence_dosing",
    "evidence_results",
    "evidence_entities",
)

#: What the pipeline reads but no component of it declares writing: the caller's inputs (set by
#: ``extractor.assemble.make_doc``) and scispaCy's ``abbreviation_detector``, whose factory
#: declares no ``assigns`` although it writes ``doc._.abbreviations``.
EXTERNAL_INPUTS = {"doc._.title", "doc._.publication_types"}  # set by make_doc, the caller


def test_every_component_declares_what_it_assigns(nlp) -> None:
    for name in EVIDENCE_COMPONENTS:
        meta = nlp.get_pipe_meta(name)
        assert meta.assigns, f"{name} declares no assigns"


def test_analyze_pipes_finds_every_requirement_met(nlp) -> None:
    analysis = nlp.analyze_pipes()
    for name, missing in analysis["problems"].items():
        assert set(missing) <= EXTERNAL_INPUTS, f"{name} requires unmet {missing}"
    # the entity rules read what the earlier components wrote, and say so
    requires = set(nlp.get_pipe_meta("evidence_entities").requires)
    assert {"doc._.sample_sizes", "doc._.results", "doc._.sent_sections", "doc.spans"} <= requires
    assert {"doc._.title", "doc._.publication_types"} <= requires
    assert analysis["problems"]["evidence_entities"]  # the caller's inputs are flagged


def _record(nlp, document: Document):
    return evidence_from_doc(document, nlp(make_doc(nlp, document)), pipeline_label(nlp))


def test_saved_and_loaded_pipeline_gives_the_same_record(
    nlp, seed_document: Document, tmp_path: Path
) -> None:
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == nlp.pipe_names
    assert _record(loaded, seed_document) == _record(nlp, seed_document)


@pytest.fixture(scope="module")
def few_documents(seed_document: Document) -> list[Document]:
    """The seed page, its abstract without section offsets, and its METHODS+RESULTS alone."""
    paragraphs = seed_document.abstract.split("\n\n")
    partial = "\n\n".join(p for p in paragraphs if p.startswith(("METHODS", "RESULTS")))
    return [
        seed_document,
        Document(title=seed_document.title, abstract=seed_document.abstract, source="whole"),
        Document(title="", abstract=partial, source="partial"),
    ]


def test_two_processes_give_the_same_records(nlp, few_documents: list[Document]) -> None:
    one = list(extract_many(few_documents, nlp, batch_size=1, n_process=1))
    two = list(extract_many(few_documents, nlp, batch_size=1, n_process=2))
    assert len(one) == len(few_documents)
    assert two == one


ABBREVIATED = "Intravenous immunoglobulin (IVIg) was given. IVIg was well tolerated."


def _abbreviations(pipeline, text: str) -> list:
    return list(pipeline(text)._.abbreviations)


def test_abbreviation_factory_declares_and_stays_quiet_after_reload(tmp_path: Path) -> None:
    from scispacy import abbreviation  # noqa: F401  (registers "abbreviation_detector")

    from extractor.nlp import abbreviations  # noqa: F401  (registers "evidence_abbreviations")

    plain = spacy.blank("en")
    plain.add_pipe("abbreviation_detector", config={"make_serializable": True})
    ours = spacy.blank("en")
    ours.add_pipe("evidence_abbreviations", name="abbreviation_detector")
    assert ours.get_pipe_meta("abbreviation_detector").assigns == ["doc._.abbreviations"]
    ours.to_disk(tmp_path / "abbr")
    loaded = spacy.load(tmp_path / "abbr")
    for text in (ABBREVIATED, "No abbreviation is defined here."):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scispaCy's own detector does warn (W036)
            expected = _abbreviations(plain, text)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # W036 would raise here
            assert _abbreviations(ours, text) == expected
            assert _abbreviations(loaded, text) == expected
    assert _abbreviations(plain, ABBREVIATED)  # the check above compared something
