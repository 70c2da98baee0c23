"""evidence_pico_spans (token tags → PICO ents), the models/pico plug-in and its quality gate."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import spacy
from gates import assert_pinned, corpus_digest
from spacy.tokens import Doc
from spacy.training import Example

import extractor.nlp.pico  # noqa: F401  (registers evidence_pico_spans until the entry point is installed)
from extractor.nlp.pico import tag_runs, token_scores

REPO = Path(__file__).resolve().parent.parent
# The trained tagger is committed beside the plug-in point, not in it (see models/README.md).
MODEL = REPO / "models" / "pico-tagger"
EBM_DEV = Path("data") / "ebm_nlp" / "starting_spans" / "dev.txt"

# Evaluation floors for the committed models/pico, scored on the first GATE_DOCS abstracts of
# EBM-NLP dev.txt (token level, fractions). They sit just under the measured figures (see
# models/README.md); raise them when the model improves, never lower them silently.
GATE_DOCS = 100
# Measured 2026-11-25 (models/pico-tagger 0.3.0, wide-context layers, pico-context2.cfg):
# macro 0.6768, P 0.7325, I 0.6270, O 0.6707, span overlap macro 0.7098 (0.2.0 with static
# vectors only: 0.6590, 0.6977, 0.6221, 0.6571, 0.6786; without vectors: 0.6405, 0.6869,
# 0.6015, 0.6331, 0.6650).
# Pinned to the digest of dev.txt, the file the gate scores (tests/gates.py); the figures
# beside the floors were measured on it on 2026-12-03.
EBM_DEV_DIGEST = "a5cae077bb1ced0a"
FLOORS = {
    "token_macro_f": 0.67,  # measured 0.6768
    "token_P_f": 0.725,  # measured 0.7325
    "token_I_f": 0.62,  # measured 0.6270
    "token_O_f": 0.665,  # measured 0.6707
    "span_overlap_macro_f": 0.70,  # measured 0.7098
}


@pytest.fixture(scope="module")
def writer():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("evidence_pico_spans")
    return nlp


def _tagged(nlp, pairs: str) -> Doc:
    words, tags = zip(*(item.rsplit("/", 1) for item in pairs.split()), strict=True)
    return Doc(nlp.vocab, words=list(words), tags=list(tags))


def _ents(nlp, pairs: str) -> list[tuple[str, str]]:
    doc = _tagged(nlp, pairs)
    for _name, proc in nlp.pipeline:
        doc = proc(doc)
    return [(e.text, e.label_) for e in doc.ents]


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        (
            "Sixty/P patients/P with/P asthma/P received/N budesonide/I ./N",
            [("Sixty patients with asthma", "POPULATION"), ("budesonide", "INTERVENTION")],
        ),
        # a one-token gap inside a phrase is bridged ...
        (
            "adults/P with/N type/P 2/P diabetes/P",
            [("adults with type 2 diabetes", "POPULATION")],
        ),
        # ... but not a sentence end, and not two tokens
        (
            "pain/O ./N Pain/O scores/O",
            [("pain", "OUTCOME"), ("Pain scores", "OUTCOME")],
        ),
        (
            "metformin/I or/N the/N placebo/I",
            [("metformin", "INTERVENTION"), ("placebo", "INTERVENTION")],
        ),
        # different labels never merge; edge punctuation is trimmed, closing brackets kept
        (
            "aspirin/I ,/I (/N mortality/O )/O",
            [("aspirin", "INTERVENTION"), ("mortality )", "OUTCOME")],
        ),
        ("The/N study/N ./N", []),
        # stop-word-only fragments are dropped
        ("pain/O or/P their/P ./N", [("pain", "OUTCOME")]),
    ],
)
def test_nlp_pico_spans_from_tags(writer, pairs, expected):
    assert _ents(writer, pairs) == expected


def test_nlp_pico_tag_runs():
    assert tag_runs(["N", "P", "P", "N", "I", "O", "O"], "PIO") == [
        ("P", 1, 3),
        ("I", 4, 5),
        ("O", 5, 7),
    ]


def test_nlp_pico_token_scores(writer):
    gold = _tagged(writer, "a/P b/P c/N d/I e/O")
    pred = _tagged(writer, "a/P b/N c/I d/I e/O")
    scores = token_scores([Example(pred, gold)])
    assert scores["pico_token_p_p"] == 1.0
    assert scores["pico_token_p_r"] == 0.5
    assert scores["pico_token_i_p"] == 0.5
    assert scores["pico_token_o_f"] == 1.0
    f_p, f_i = 2 / 3, 2 / 3
    assert scores["pico_token_f"] == pytest.approx((f_p + f_i + 1.0) / 3)


# --- the committed model ---------------------------------------------------------------------


def test_nlp_pico_model_loads_with_spacy_load():
    nlp = spacy.load(MODEL)
    assert nlp.pipe_names == ["pico_tagger", "pico_spans"]
    tagger: Any = nlp.get_pipe("pico_tagger")
    assert set(tagger.labels) == {"N", "P", "I", "O"}
    assert tagger.none_bias > 0  # calibrated at export


@pytest.fixture(scope="module")
def nlp_with_model(tmp_path_factory):
    """The evidence pipeline with the committed tagger placed at the plug-in point."""
    from extractor.nlp import build_pipeline

    models = tmp_path_factory.mktemp("models")
    (models / "pico").symlink_to(MODEL, target_is_directory=True)
    return build_pipeline(models_dir=models)


def test_nlp_pico_plugin_components(nlp_with_model):
    names = nlp_with_model.pipe_names
    assert "pico_tagger" in names
    assert "pico_spans" in names
    assert names.index("pico_spans") == names.index("evidence_entities") - 1
    assert nlp_with_model.meta["name"] == "evidence-rules+pico"


def test_nlp_pico_plugin_seed_spans(nlp_with_model, seed_document):
    """Model first: every model span is kept; rule spans win only where things are named."""
    from extractor.assemble import extract_evidence, make_doc
    from extractor.nlp.entities import _ELEMENT
    from extractor.nlp.model_spans import naming_spans

    doc = nlp_with_model(make_doc(nlp_with_model, seed_document))
    spans = list(doc.spans["evidence"])
    model = {(s.start_char, s.end_char, s.label_) for s in spans if s.id_ == "model"}
    assert model, "the model adds spans"
    ents = {(e.start_char, e.end_char, e.label_) for e in doc.ents}
    assert model <= ents
    # all of them: an ent the rules found too keeps the rule's provenance
    assert ents <= {(s.start_char, s.end_char, s.label_) for s in spans}
    record = extract_evidence(seed_document, nlp_with_model)
    named = naming_spans(record.spans)
    rules = [s for s in named if s.source != "model"]
    assert {s for s in record.spans if s.source != "model"} == set(rules)
    dropped = set(record.spans) - set(named)
    assert dropped, "some model spans overlap a rule span of their element or are cut-offs"
    for m in (s for s in named if s.source == "model"):
        for r in rules:
            if _ELEMENT.get(r.label) == _ELEMENT.get(m.label):
                assert not (r.start < m.end and m.start < r.end), (m.text, r.text)
    # the rules' reading of the treatment stands (the model alone reads "therapy" etc.)
    assert any(s.text == "IVIg" and s.label == "INTERVENTION" for s in rules)


def test_nlp_pico_plugin_keeps_the_seed_record(nlp, nlp_with_model, seed_document):
    """Plugging the model in leaves the rule-built record of the seed as it is."""
    from extractor.assemble import extract_evidence

    rules_only = extract_evidence(seed_document, nlp)
    with_model = extract_evidence(seed_document, nlp_with_model)
    assert with_model.interventions == rules_only.interventions  # IVIg, both doses, no g/kgx2
    assert with_model.population == rules_only.population
    assert with_model.design == rules_only.design
    assert with_model.adverse_events == rules_only.adverse_events
    named = {o.name: o.results for o in rules_only.outcomes}
    for outcome in with_model.outcomes:
        if outcome.name in named:
            assert outcome.results == named[outcome.name]
    assert sum(len(o.results) for o in with_model.outcomes) == sum(
        len(o.results) for o in rules_only.outcomes
    )


def test_nlp_pico_plugin_scispacy_tokenizer_source():
    """The components source into a blank pipeline with scispaCy's tokenizer and tag its tokens."""
    from scispacy.custom_tokenizer import combined_rule_tokenizer

    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # scispaCy's regex, as in nlp/pipeline.py
        nlp.tokenizer = combined_rule_tokenizer(nlp)
    nlp.add_pipe("sentencizer")
    pico = spacy.load(MODEL)
    # add_pipe(source=...) never copies the vocab's vectors; the tagger's static vectors
    # (looked up by ORTH, see extractor/training/vectors.py) must come along.
    nlp.vocab.vectors = pico.vocab.vectors
    for name in pico.pipe_names:
        nlp.add_pipe(name, source=pico)
    doc = nlp("Forty children with otitis media received amoxicillin for 10 days.")
    assert all(t.tag_ in {"N", "P", "I", "O"} for t in doc)


def test_nlp_pico_quality_gate(shared_dir):
    """Evaluation gate: the committed model on the first GATE_DOCS dev abstracts."""
    from extractor.training.evaluate import evaluate_pico

    assert_pinned("EBM-NLP dev", EBM_DEV_DIGEST, corpus_digest(shared_dir, [shared_dir / EBM_DEV]))
    result = evaluate_pico(MODEL, shared_dir / EBM_DEV, limit=GATE_DOCS)
    measured = {
        "token_macro_f": result["token"]["macro"]["f"],
        **{f"token_{tag}_f": result["token"][tag]["f"] for tag in "PIO"},
        "span_overlap_macro_f": result["span"]["overlap"]["macro"]["f"],
    }
    low = {k: (round(measured[k], 4), floor) for k, floor in FLOORS.items() if measured[k] < floor}
    assert not low, f"below the quality floors (measured, floor): {low}"


@pytest.mark.parametrize(
    ("phrase", "fragment"),
    [
        ("alveolar and", True),
        ("22.81", True),
        ("of two-hand coordination", True),
        ("Exploratory effect sizes (Cohen", True),
        ("fluid milk, and yogurt) versus nondairy products (one serving/day", True),
        ("plasma heparin-binding protein levels", False),
        ("time to return to normal daily activities", False),
        ("mean SBP or DBP", False),
    ],
)
def test_model_fragments_are_dropped(phrase: str, fragment: bool) -> None:
    from extractor.nlp.entities import _fragment

    assert _fragment(phrase) is fragment
