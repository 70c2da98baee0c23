"""evidence_sections: headings found or given, every sentence labelled."""

from __future__ import annotations

import pytest


def _labels(doc):
    return [(doc.text[s:e].strip()[:25], label) for s, e, label in doc._.sent_sections]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "BACKGROUND: Little is known.\n\nMETHODS: We did a trial.\n\nCONCLUSION: It works.",
            [
                ["BACKGROUND", "Little is known."],
                ["METHODS", "We did a trial."],
                ["CONCLUSIONS", "It works."],
            ],
        ),
        (
            "ABSTRACT.OBJECTIVES:\nTo test X.\n\nABSTRACT.RESULTS:\nX worked.",
            [["OBJECTIVE", "To test X."], ["RESULTS", "X worked."]],
        ),
        (
            "Aims: To test X. Materials and Methods: We gave X.",
            [["OBJECTIVE", "To test X."], ["METHODS", "We gave X."]],
        ),
        ("We saw NO effect: none at all. Results were poor.", []),
        (
            "SAMPLE: Ten mice.\n\nRESULTS: All lived.",
            [["SAMPLE", "Ten mice."], ["RESULTS", "All lived."]],
        ),
    ],
)
def test_nlp_sections_detects_inline_headings(nlp, text, expected):
    doc = nlp(text)
    got = [[label, doc.text[s:e]] for label, s, e in doc._.doc_sections]
    assert got == expected


def test_nlp_sections_labels_every_sentence(nlp):
    text = "BACKGROUND: First. Second one.\n\nRESULTS: Third. Fourth."
    doc = nlp(text)
    labelled = [(t, lab) for t, lab in _labels(doc) if lab]
    assert labelled == [
        ("First.", "BACKGROUND"),
        ("Second one.", "BACKGROUND"),
        ("Third.", "RESULTS"),
        ("Fourth.", "RESULTS"),
    ]
    assert len(doc._.sent_sections) == len(list(doc.sents))


def test_nlp_sections_given_sections_are_used(nlp):
    text = "Intro text here. Methods text here. Results text here."
    doc = nlp.make_doc(text)
    doc._.doc_sections = [["METHODS", 17, 35], ["RESULTS", 36, len(text)]]
    doc = nlp(doc)
    assert [lab for _s, _e, lab in doc._.sent_sections] == [None, "METHODS", "RESULTS"]


def test_nlp_sections_body_starts_a_sentence_without_full_stop(nlp):
    text = "METHODS: we gave drug X\n\nRESULTS: it worked"
    doc = nlp(text)
    starts = {s.start_char for s in doc.sents}
    assert text.index("it worked") in starts
    assert text.index("we gave") in starts


def test_nlp_sections_unstructured_abstract_has_no_labels(nlp):
    doc = nlp("We gave drug X to mice. It worked well.")
    assert doc._.doc_sections == []
    assert all(label is None for _s, _e, label in doc._.sent_sections)


def test_nlp_sections_seed(nlp, seed_document):
    from extractor.assemble import make_doc

    doc = nlp(make_doc(nlp, seed_document))
    by_label = {}
    for s, e, label in doc._.sent_sections:
        by_label.setdefault(label, []).append(doc.text[s:e].strip())
    assert by_label["METHODS"][0].startswith("Twelve patients with histologically")
    assert len(by_label["RESULTS"]) == 2
    assert by_label["CONCLUSIONS"][0].startswith("Overall, therapy was well tolerated")


def test_nlp_sections_use_the_cleaners_heading_map():
    """One heading map (the cleaner's); the tagger only keeps the parts of the methods apart."""
    from extractor.clean.sections import (
        HEADING_LABELS,
        KNOWN_HEADINGS,
        METHODS_PARTS,
        normalise_label,
    )
    from extractor.nlp.sections import SectionTagger

    assert all(HEADING_LABELS[heading] == "METHODS" for heading in METHODS_PARTS)
    for heading in KNOWN_HEADINGS:
        expected = METHODS_PARTS.get(heading, normalise_label(heading))
        assert SectionTagger.label_of(heading.title()) == expected
    assert SectionTagger.label_of("Background and aims") == "BACKGROUND"
    assert SectionTagger.label_of("Patients") == "PARTICIPANTS"
    assert SectionTagger.label_of("Sample") is None


def test_nlp_sections_methods_parts_and_other_known_headings(nlp):
    text = (
        "Design: A trial. Patients: Ten adults. Main outcome measures: Pain.\n\n"
        "Results: Less pain. Trial registration: NCT01."
    )
    doc = nlp(text)
    assert [label for label, _s, _e in doc._.doc_sections] == [
        "DESIGN",
        "PARTICIPANTS",
        "OUTCOMES",
        "RESULTS",
        "TRIAL REGISTRATION",
    ]
