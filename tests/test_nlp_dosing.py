"""evidence_dosing: amounts, units, per, multiplier, frequency, route, duration, phase."""

from __future__ import annotations

import pytest
from gates import assert_pinned, data_digest
from nlp_rows import quoted_rows

#: Per-field precision floor on the hand-checked sample, pinned to the sample's digest
#: (tests/gates.py).
SAMPLE_DIGEST = "02a82532f4af1d8b"
SAMPLE_FLOOR = 0.90  # measured 1.0 for each: frequency 39/39, route 37/37, duration 31/31

SEED_METHODS = (
    "Twelve patients with histologically confirmed cutaneous LE were given IVIg, with starting "
    "doses of 1 g/kgx2, followed by 400 mg/kg monthly until disease resolution or for 6 months."
)


def _doses(nlp, text):
    return quoted_rows(nlp, text, "doses")


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
                {"amount": 30, "unit": "ug", "text": "30 or 60 μg"},
                {"amount": 60, "unit": "ug", "text": "30 or 60 μg"},
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
                {"amount": 75, "per": "m2", "frequency": "every 3 weeks"},
                {"amount": 5, "unit": "mg", "frequency": "twice daily"},
            ],
        ),
        (
            "Insulin glargine 10 IU subcutaneously at bedtime.",
            [{"amount": 10, "unit": "[IU]", "route": "subcutaneous", "frequency": "daily"}],
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prednisone 20 to 40 mg daily.", [(20, 40, "mg", None)]),
        (
            "Groups got 0.5, 1 and 2 mg/kg.",
            [(0.5, None, "mg", "kg"), (1, None, "mg", "kg"), (2, None, "mg", "kg")],
        ),
        (
            "Doses of 0.2, 1, 5, 25, 100, 300 and 600 mg or placebo.",
            [(a, None, "mg", None) for a in (0.2, 1, 5, 25, 100, 300, 600)],
        ),
        (
            "Cyclophosphamide 600 mg/m2 or 750 mg/m² every 3 weeks.",
            [(600, None, "mg", "m2"), (750, None, "mg", "m2")],
        ),
        ("Ciclosporin 5 mg/kg/day.", [(5, None, "mg", "kg/day")]),
        ("Remifentanil 0.1 µg/kg/min.", [(0.1, None, "ug", "kg/min")]),
        ("Heparin 80 IU/kg bolus.", [(80, None, "[IU]", "kg")]),
        ("Vitamin C 500 mg per day.", [(500, None, "mg", "day")]),
        (
            "Fentanyl 2 mcg/kg and sufentanil 0.2 micrograms/kg.",
            [(2, None, "ug", "kg"), (0.2, None, "ug", "kg")],
        ),
        ("Zinc 2,5 mg daily.", [(2.5, None, "mg", None)]),
        (
            "Budesonide/formoterol 160/4.5 μg two inhalations.",
            [(160, None, "ug", None), (4.5, None, "ug", None)],
        ),
        ("Saline 500 ml was infused.", [(500, None, "mL", None)]),
        ("Oxytocin 10 units im.", [(10, None, "U", None)]),
    ],
)
def test_nlp_dosing_amount_forms(nlp, text, expected):
    doses = _doses(nlp, text)
    assert [(d["amount"], d["amount_max"], d["unit"], d["per"]) for d in doses] == expected


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Amlodipine 5 mg twice daily.", "frequency", "twice daily"),
        ("Cefazolin 1 g q12h.", "frequency", "twice daily"),
        ("Paclitaxel 175 mg/m2 every 3 weeks.", "frequency", "every 3 weeks"),
        ("Alendronate 70 mg once weekly.", "frequency", "weekly"),
        ("Adalimumab 40 mg biweekly.", "frequency", "every 2 weeks"),
        ("Zoledronate 5 mg once yearly.", "frequency", "yearly"),
        ("Metformin 850 mg for 12 weeks.", "duration", "for 12 weeks"),
        ("Letrozole 2.5 mg over 6 months.", "duration", "over 6 months"),
        ("Erlotinib 150 mg daily until progression.", "duration", "until progression"),
        ("Ondansetron 8 mg orally.", "route", "oral"),
        ("Morphine 5 mg given intravenously.", "route", "intravenous"),
        ("Iron sucrose 200 mg by intravenous infusion.", "route", "intravenous"),
        ("Enoxaparin 40 mg by subcutaneous injection.", "route", "subcutaneous"),
        ("Bevacizumab 1.25 mg intravitreal.", "route", "intravitreal"),
        ("Adalimumab 40 mg every other week subcutaneously.", "route", "subcutaneous"),
        ("Tacrolimus 0.1% ointment twice daily.", "unit", "%"),
        ("Tacrolimus 0.1% ointment twice daily.", "route", "topical"),
        ("Titration from 25 mg up to 100 mg daily.", "phase", "titration"),
        ("A loading dose of 600 mg clopidogrel.", "phase", "loading"),
    ],
)
def test_nlp_dosing_context_fields(nlp, text, field, value):
    assert _doses(nlp, text)[0][field] == value


@pytest.mark.parametrize(
    "text",
    [
        "Serum ferritin rose to 120 ng/mL and creatinine was 1.1 mg/dL.",
        "Plasma remifentanil was kept at 4 ng/ml.",
        "Glucose 120 to 300 mg per dl at baseline.",
        "HbA1c fell by 0.5% in the liraglutide group.",
        "Anaesthesia used 1% lidocaine.",
        "Phase IV trial; week 12 IV results.",
    ],
)
def test_nlp_dosing_concentrations_are_not_doses(nlp, text):
    assert _doses(nlp, text) == []


def test_nlp_dosing_sample_precision(nlp):
    """Per-field precision over the hand-checked sample in ``tests/dosing_sample.py``."""
    from dosing_sample import SAMPLE

    assert_pinned("dosing sample", SAMPLE_DIGEST, data_digest(SAMPLE))
    assert len(SAMPLE) >= 40
    right: dict[str, int] = {}
    said: dict[str, int] = {}
    for text, expected in SAMPLE:
        doses = _doses(nlp, text)
        assert doses, text
        first = doses[0]
        assert (first["amount"], first["unit"]) == (expected["amount"], expected["unit"]), text
        for field in ("frequency", "route", "duration"):
            if first[field] is not None:
                said[field] = said.get(field, 0) + 1
                right[field] = right.get(field, 0) + (first[field] == expected[field])
    precision = {f: right.get(f, 0) / said[f] for f in said}
    assert all(p >= SAMPLE_FLOOR for p in precision.values()), precision
    assert set(precision) == {"frequency", "route", "duration"}
