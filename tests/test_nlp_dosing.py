"""evidence_dosing: amounts, units, per, multiplier, frequency, route, duration, phase."""

from __future__ import annotations

import pytest

SEED_METHODS = (
    "Twelve patients with histologically confirmed cutaneous LE were given IVIg, with starting "
    "doses of 1 g/kgx2, followed by 400 mg/kg monthly until disease resolution or for 6 months."
)


def _doses(nlp, text):
    doc = nlp(text)
    for row in doc._.doses:
        assert doc.text[row["start"] : row["end"]] == row["text"]
    return doc._.doses


def _subset(row, expected):
    return {k: row.get(k) for k in expected}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            SEED_METHODS,
            [
                {
                    "amount": 1,
                    "unit": "g",
                    "per": "kg",
                    "multiplier": 2,
                    "phase": "loading",
                    "frequency": None,
                    "duration": None,
                    "text": "1 g/kgx2",
                },
                {
                    "amount": 400,
                    "unit": "mg",
                    "per": "kg",
                    "multiplier": None,
                    "frequency": "monthly",
                    "duration": "until disease resolution or for 6 months",
                    "phase": "maintenance",
                    "text": "400 mg/kg monthly",
                },
            ],
        ),
        (
            "Patients received pramlintide 30 or 60 μg (n = 714) or placebo (n = 537).",
            [
                {"amount": 30, "unit": "μg", "text": "30 or 60 μg"},
                {"amount": 60, "unit": "μg", "text": "30 or 60 μg"},
            ],
        ),
        (
            "Docetaxel 5 mg/m2 iv every 3 weeks for 12 weeks.",
            [
                {
                    "amount": 5,
                    "unit": "mg",
                    "per": "m2",
                    "route": "intravenous",
                    "frequency": "every 3 weeks",
                    "duration": "for 12 weeks",
                }
            ],
        ),
        (
            "Prednisolone 20-40 mg/day orally.",
            [
                {
                    "amount": 20,
                    "amount_max": 40,
                    "unit": "mg",
                    "per": "day",
                    "route": "oral",
                    "frequency": "daily",
                }
            ],
        ),
        (
            "Metformin 500 mg twice daily for 24 weeks.",
            [
                {
                    "amount": 500,
                    "unit": "mg",
                    "frequency": "twice daily",
                    "multiplier": None,
                    "duration": "for 24 weeks",
                    "text": "500 mg twice daily",
                }
            ],
        ),
        (
            "Docetaxel 75 mg/m² q3w plus prednisone 5 mg bid.",
            [
                {"amount": 75, "per": "m²", "frequency": "every 3 weeks"},
                {"amount": 5, "unit": "mg", "frequency": "twice daily"},
            ],
        ),
        (
            "Insulin glargine 10 IU subcutaneously at bedtime.",
            [{"amount": 10, "unit": "IU", "route": "subcutaneous", "frequency": "daily"}],
        ),
        (
            "Volunteers received a single dose of 100 mg codeine.",
            [{"amount": 100, "phase": "single"}],
        ),
        (
            "The dose was titrated up to 10 mg three times daily over 12 weeks.",
            [
                {
                    "amount": 10,
                    "phase": "titration",
                    "frequency": "three times daily",
                    "duration": "over 12 weeks",
                }
            ],
        ),
        ("IVIg 1 g/kg x 2 was infused.", [{"amount": 1, "per": "kg", "multiplier": 2}]),
        ("Vitamin D 50,000 IU every two weeks.", [{"amount": 50000, "frequency": "every 2 weeks"}]),
        (
            "Salbutamol 2.5 mg nebulised as needed.",
            [{"amount": 2.5, "route": "inhaled", "frequency": "as needed"}],
        ),
    ],
)
def test_nlp_dosing_parses(nlp, text, expected):
    doses = _doses(nlp, text)
    assert [_subset(d, e) for d, e in zip(doses, expected, strict=False)] == expected
    assert len(doses) == len(expected)


@pytest.mark.parametrize(
    "text",
    [
        "Fasting glucose was 5.6 mmol/L and LDL 120 mg/dL.",
        "Twelve patients lost 3 kg over 12 weeks.",
        "Five groups of 12 patients were compared.",
    ],
)
def test_nlp_dosing_ignores_non_doses(nlp, text):
    assert _doses(nlp, text) == []


def test_nlp_dosing_route_from_abbreviation_long_form(nlp):
    text = (
        "The role of intravenous immunoglobulin (IVIg) is unclear. "
        "Patients were given IVIg, with starting doses of 2 g/kg."
    )
    doses = _doses(nlp, text)
    assert [(d["amount"], d["route"], d["phase"]) for d in doses] == [(2, "intravenous", "loading")]


def test_nlp_dosing_spans_and_sentence_index(nlp):
    doc = nlp("We did a trial. Patients took aspirin 100 mg daily.")
    assert [s.text for s in doc.spans["evidence"] if s.label_ == "DOSE"] == ["100 mg daily"]
    assert doc._.doses[0]["sentence"] == 1
