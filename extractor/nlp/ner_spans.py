"""``evidence_ner_spans``: the chemical/disease model's entities as record spans.

The NER model (``models/ner``, trained on BC5CDR by ``evidence train ner``) writes
``CHEMICAL`` and ``DISEASE`` entities to ``doc.ents``; the PICO span writer that runs after it
writes ``doc.ents`` too and would drop every chemical inside an intervention phrase. This
component moves the entities into ``doc.spans["evidence"]`` (provenance ``model``) and clears
``doc.ents``, so both readings are kept: "metformin" is a ``CHEMICAL`` inside the
``INTERVENTION`` "metformin 500 mg twice daily". The record builder names arms from chemicals
(a drug is an arm; a setting such as "surgery" or "home" is not a chemical) and fills
``population.condition`` from diseases.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from .common import add_spans

#: The labels of the chemical/disease model.
NER_LABELS = ("CHEMICAL", "DISEASE")


class NerSpans:
    """Copy ``CHEMICAL``/``DISEASE`` ents into the evidence span group, then clear the ents."""

    def __init__(self, name: str = "evidence_ner_spans") -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        items = [
            (ent.start_char, ent.end_char, ent.label_, "model")
            for ent in doc.ents
            if ent.label_ in NER_LABELS
        ]
        add_spans(doc, items)
        doc.ents = []
        return doc


@Language.factory(
    "evidence_ner_spans",
    assigns=["doc.spans", "doc.ents"],
    requires=["doc.ents"],
)
def make_ner_spans(nlp: Language, name: str) -> NerSpans:
    """The component that moves the NER model's entities into ``doc.spans["evidence"]``."""
    return NerSpans(name)
