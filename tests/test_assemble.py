"""extract_evidence / extract_many: Doc extensions → Evidence records."""

from __future__ import annotations

import json

import pytest
import spacy

from extractor.assemble import extract_evidence, extract_many, format_dose
from extractor.errors import ModelError
from extractor.nlp import build_pipeline
from extractor.records import SPAN_LABELS, Document, Dose, Evidence


@pytest.fixture(scope="module")
def seed_evidence(nlp, seed_document):
    return extract_evidence(seed_document, nlp)


def _assert_offsets(evidence: Evidence) -> int:
    """Every offset-bearing value must quote the abstract exactly; returns how many were checked."""
    abstract = evidence.document.abstract
    checked = 0
    for span in evidence.spans:
        assert span.label in SPAN_LABELS
        assert abstract[span.start : span.end] == span.text, span
        checked += 1
    for arm in evidence.interventions:
        assert abstract[arm.start : arm.end] == arm.name
        for dose in arm.doses:
            assert abstract[dose.start : dose.end] == dose.text, dose
            checked += 1
    for outcome in evidence.outcomes:
        if outcome.start is not None:
            assert abstract[outcome.start : outcome.end] == outcome.name
        for result in outcome.results:
            assert abstract[result.start : result.end] == result.text, result
            checked += 1
    for event in evidence.adverse_events:
        assert abstract[event.start : event.end] == event.text, event
        checked += 1
    pop = evidence.population
    if pop.start is not None:
        assert abstract[pop.start : pop.end] == pop.description
    return checked


def test_assemble_seed_offsets(seed_evidence):
    assert _assert_offsets(seed_evidence) >= 20


def test_assemble_seed_population(seed_evidence):
    pop = seed_evidence.population
    assert pop.n == 12
    assert pop.description == "Twelve patients with histologically confirmed cutaneous LE"
    assert pop.condition == "cutaneous lupus erythematosus"


def test_assemble_seed_intervention_and_doses(seed_evidence):
    (arm,) = seed_evidence.interventions
    assert (arm.name, arm.long_form, arm.role) == (
        "IVIg",
        "intravenous immunoglobulin",
        "intervention",
    )
    loading, maintenance = arm.doses
    assert (loading.amount, loading.unit, loading.per, loading.multiplier, loading.phase) == (
        1,
        "g",
        "kg",
        2,
        "loading",
    )
    assert (
        maintenance.amount,
        maintenance.unit,
        maintenance.per,
        maintenance.frequency,
        maintenance.duration,
        maintenance.phase,
    ) == (400, "mg", "kg", "monthly", "until disease resolution or for 6 months", "maintenance")
    assert loading.route == maintenance.route == "intravenous"


def test_assemble_seed_outcomes(seed_evidence):
    with_results = [o for o in seed_evidence.outcomes if o.results]
    assert len(with_results) == 1
    outcome = with_results[0]
    assert outcome.name == "complete or near complete clearing of their skin disease"
    assert [(r.count, r.threshold) for r in outcome.results] == [
        (5, ">75%"),
        (2, ">50%"),
        (3, "<50%"),
    ]
    names = [o.name for o in seed_evidence.outcomes]
    assert "Disease assessment" in names
    assert "Immunological parameters indicating systemic disease activity" in names


def test_assemble_seed_events_design_conclusion(seed_evidence, seed_document):
    events = [(e.kind, e.name, e.count) for e in seed_evidence.adverse_events]
    assert events == [
        ("withdrawal", "became pregnant", 1),
        ("adverse_event", "acute cutaneous vasculitis", 1),
    ]
    assert seed_evidence.design.startswith("clinical trial")
    conclusion = next(s for s in seed_document.sections if s.label == "CONCLUSIONS")
    assert seed_evidence.conclusion == seed_document.abstract[conclusion.start : conclusion.end]
    assert seed_evidence.id == seed_document.record_id
    assert seed_evidence.pipeline.startswith("evidence-rules/")


def test_assemble_seed_summary(seed_evidence):
    summary = seed_evidence.summary
    assert summary.startswith(
        "Clinical trial of intravenous immunoglobulin (IVIg) in 12 patients with cutaneous "
        "lupus erythematosus."
    )
    assert "1 g/kg ×2 intravenous (loading)" in summary
    assert "400 mg/kg monthly intravenous (maintenance) until disease resolution" in summary
    assert "acute cutaneous vasculitis (n=1)" in summary


def test_assemble_seed_spans_have_provenance(seed_evidence):
    labels = {s.label for s in seed_evidence.spans}
    assert {
        "POPULATION",
        "CONDITION",
        "SAMPLE_SIZE",
        "INTERVENTION",
        "DOSE",
        "OUTCOME",
        "RESULT",
        "ADVERSE_EVENT",
    } <= labels
    assert all(s.source for s in seed_evidence.spans)
    dose_spans = [s for s in seed_evidence.spans if s.label == "DOSE"]
    assert [(s.text, s.section, s.source) for s in dose_spans] == [
        ("1 g/kgx2", "METHODS", "evidence_dosing"),
        ("400 mg/kg monthly", "METHODS", "evidence_dosing"),
    ]


def test_assemble_seed_json_round_trip(seed_evidence):
    data = json.loads(seed_evidence.to_json())
    assert Evidence.from_dict(data) == seed_evidence


def test_assemble_extract_many_matches_single(nlp, seed_document):
    other = Document(
        title="Metformin versus placebo in type 2 diabetes",
        abstract=(
            "We randomized 120 adults with type 2 diabetes to metformin 500 mg twice daily "
            "(n = 60) or placebo (n = 60) for 24 weeks. HbA1c fell by 1.1% (p < 0.001). "
            "Four patients developed diarrhoea. In conclusion, metformin lowers HbA1c."
        ),
        pmid="123",
    )
    many = list(extract_many([seed_document, other], nlp, batch_size=1))
    assert many[0] == extract_evidence(seed_document, nlp)
    ev = many[1]
    assert ev.id == "pmid:123"
    _assert_offsets(ev)
    assert ev.population.n == 120
    arms = {(i.name, i.role, i.n) for i in ev.interventions}
    assert arms == {("metformin", "intervention", 60), ("placebo", "placebo", 60)}
    metformin = next(i for i in ev.interventions if i.name == "metformin")
    assert [(d.amount, d.frequency, d.duration) for d in metformin.doses] == [
        (500, "twice daily", "for 24 weeks")
    ]
    assert ev.conclusion == "In conclusion, metformin lowers HbA1c."
    assert [(e.name, e.count) for e in ev.adverse_events] == [("diarrhoea", 4)]


def test_assemble_empty_abstract(nlp):
    ev = extract_evidence(Document(title="", abstract=""), nlp)
    assert (ev.spans, ev.interventions, ev.outcomes, ev.population.n) == ((), (), (), None)


@pytest.mark.parametrize(
    ("dose", "expected"),
    [
        (
            Dose(
                amount=20,
                unit="mg",
                text="",
                start=0,
                end=0,
                amount_max=40,
                per="day",
                frequency="daily",
                route="oral",
            ),
            "20–40 mg/day oral",
        ),
        (Dose(amount=0.5, unit="g", text="", start=0, end=0, phase="single"), "0.5 g (single)"),
    ],
)
def test_assemble_format_dose(dose, expected):
    assert format_dose(dose) == expected


def test_assemble_pipeline_without_models_is_rules_only(tmp_path):
    nlp = build_pipeline(models_dir=tmp_path)
    assert nlp.pipe_names[-5:] == [
        "evidence_sections",
        "evidence_sample_size",
        "evidence_dosing",
        "evidence_results",
        "evidence_entities",
    ]
    assert nlp.meta["name"] == "evidence-rules"


def test_assemble_pipeline_sources_pico_model(tmp_path):
    pico = spacy.blank("en")
    ruler = pico.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "INTERVENTION", "pattern": [{"LOWER": "zinc"}]},
            {"label": "OUTCOME", "pattern": [{"LOWER": "linear"}, {"LOWER": "growth"}]},
        ]
    )
    pico.to_disk(tmp_path / "pico")
    nlp = build_pipeline(models_dir=tmp_path)
    assert (
        nlp.pipe_names.index("pico_entity_ruler") == nlp.pipe_names.index("evidence_entities") - 1
    )
    text = "Children were given zinc daily and linear growth was recorded."
    ev = extract_evidence(Document(title="", abstract=text), nlp)
    found = {(s.label, s.text, s.source) for s in ev.spans}
    # the model's span where the rules found nothing; the rules' own where both did
    assert ("OUTCOME", "linear growth", "model") in found
    assert ("INTERVENTION", "zinc", "model") not in found
    assert any(label == "INTERVENTION" and t == "zinc" for label, t, _ in found)
    assert "linear growth" in [o.name for o in ev.outcomes]
    assert ev.pipeline == "evidence-rules+pico/0.2.0"


def test_assemble_pipeline_bad_pico_model(tmp_path):
    (tmp_path / "pico").mkdir()
    with pytest.raises(ModelError):
        build_pipeline(models_dir=tmp_path)
