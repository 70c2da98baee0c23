"""Hand-checked dose sentences (written or paraphrased from trial abstracts) with the expected
frequency, route and duration of their first dose; read by ``test_nlp_dosing_sample_precision``.

Each expectation was decided by reading the sentence, not by running the extractor. ``None``
means the sentence does not state that field for the dose.
"""

from __future__ import annotations

# (sentence, {"amount", "unit", "frequency", "route", "duration"}) for the first dose.
SAMPLE: list[tuple[str, dict[str, object]]] = [
    (
        "Patients received metformin 500 mg orally twice daily for 24 weeks.",
        {
            "amount": 500,
            "unit": "mg",
            "frequency": "twice daily",
            "route": "oral",
            "duration": "for 24 weeks",
        },
    ),
    (
        "Liraglutide 1.2 mg was injected subcutaneously once daily for 26 weeks.",
        {
            "amount": 1.2,
            "unit": "mg",
            "frequency": "daily",
            "route": "subcutaneous",
            "duration": "for 26 weeks",
        },
    ),
    (
        "Docetaxel 75 mg/m2 was given by intravenous infusion every 3 weeks until progression.",
        {
            "amount": 75,
            "unit": "mg",
            "frequency": "every 3 weeks",
            "route": "intravenous",
            "duration": "until progression",
        },
    ),
    (
        "Vitamin D3 50,000 IU orally once weekly for 8 weeks.",
        {
            "amount": 50000,
            "unit": "[IU]",
            "frequency": "weekly",
            "route": "oral",
            "duration": "for 8 weeks",
        },
    ),
    (
        "Ranibizumab 0.5 mg intravitreal injections were given monthly for 12 months.",
        {
            "amount": 0.5,
            "unit": "mg",
            "frequency": "monthly",
            "route": "intravitreal",
            "duration": "for 12 months",
        },
    ),
    (
        "Children received amoxicillin 45 mg/kg/day orally in two divided doses for 10 days.",
        {
            "amount": 45,
            "unit": "mg",
            "frequency": "daily",
            "route": "oral",
            "duration": "for 10 days",
        },
    ),
    (
        "Salbutamol 200 μg inhaled as needed was allowed as rescue medication.",
        {
            "amount": 200,
            "unit": "ug",
            "frequency": "as needed",
            "route": "inhaled",
            "duration": None,
        },
    ),
    (
        "Enoxaparin 40 mg subcutaneous injection once daily for 7 days after surgery.",
        {
            "amount": 40,
            "unit": "mg",
            "frequency": "daily",
            "route": "subcutaneous",
            "duration": "for 7 days",
        },
    ),
    (
        "Ceftriaxone 2 g intravenously every 12 hours for 14 days.",
        {
            "amount": 2,
            "unit": "g",
            "frequency": "twice daily",
            "route": "intravenous",
            "duration": "for 14 days",
        },
    ),
    (
        "Methotrexate 15 mg once weekly was continued over 6 months.",
        {
            "amount": 15,
            "unit": "mg",
            "frequency": "weekly",
            "route": None,
            "duration": "over 6 months",
        },
    ),
    (
        "Subjects took atorvastatin 40 mg daily for 12 weeks.",
        {
            "amount": 40,
            "unit": "mg",
            "frequency": "daily",
            "route": None,
            "duration": "for 12 weeks",
        },
    ),
    (
        "Dexamethasone 8 mg iv was given as a single dose before induction.",
        {"amount": 8, "unit": "mg", "frequency": "once", "route": "intravenous", "duration": None},
    ),
    (
        "Omalizumab 300 mg was administered subcutaneously every 4 weeks for 24 weeks.",
        {
            "amount": 300,
            "unit": "mg",
            "frequency": "monthly",
            "route": "subcutaneous",
            "duration": "for 24 weeks",
        },
    ),
    (
        "Morphine 0.1 mg/kg was given intramuscularly every 6 hours as needed.",
        {
            "amount": 0.1,
            "unit": "mg",
            "frequency": "every 6 hours",
            "route": "intramuscular",
            "duration": None,
        },
    ),
    (
        "Tacrolimus 0.1% ointment was applied topically twice daily for 4 weeks.",
        {
            "amount": 0.1,
            "unit": "%",
            "frequency": "twice daily",
            "route": "topical",
            "duration": "for 4 weeks",
        },
    ),
    (
        "Budesonide 400 μg twice daily by inhalation for 12 weeks.",
        {
            "amount": 400,
            "unit": "ug",
            "frequency": "twice daily",
            "route": "inhaled",
            "duration": "for 12 weeks",
        },
    ),
    (
        "Participants were randomized to oral vitamin C 1000 mg per day or placebo for 8 weeks.",
        {
            "amount": 1000,
            "unit": "mg",
            "frequency": "daily",
            "route": "oral",
            "duration": "for 8 weeks",
        },
    ),
    (
        "Insulin glargine was started at 10 units subcutaneously at bedtime.",
        {
            "amount": 10,
            "unit": "U",
            "frequency": "daily",
            "route": "subcutaneous",
            "duration": None,
        },
    ),
    (
        "Ibuprofen 400 mg three times a day for 5 days was compared with paracetamol.",
        {
            "amount": 400,
            "unit": "mg",
            "frequency": "three times daily",
            "route": None,
            "duration": "for 5 days",
        },
    ),
    (
        "Zoledronic acid 5 mg was infused once yearly for three years.",
        {
            "amount": 5,
            "unit": "mg",
            "frequency": "yearly",
            "route": "intravenous",
            "duration": "for three years",
        },
    ),
    (
        "Bevacizumab 7.5 mg/kg every 3 weeks plus chemotherapy for up to 6 cycles.",
        {
            "amount": 7.5,
            "unit": "mg",
            "frequency": "every 3 weeks",
            "route": None,
            "duration": "for up to 6 cycles",
        },
    ),
    (
        "Patients took aspirin 100 mg daily until the end of the study.",
        {
            "amount": 100,
            "unit": "mg",
            "frequency": "daily",
            "route": None,
            "duration": "until the end of the study",
        },
    ),
    (
        "Cholecalciferol 1000 IU/day orally was given during the winter.",
        {"amount": 1000, "unit": "[IU]", "frequency": "daily", "route": "oral", "duration": None},
    ),
    (
        "Patients were given pantoprazole 40 mg intravenously q12h for 72 hours.",
        {
            "amount": 40,
            "unit": "mg",
            "frequency": "twice daily",
            "route": "intravenous",
            "duration": "for 72 hours",
        },
    ),
    (
        "Ketamine 0.5 mg/kg was administered as an intravenous bolus.",
        {"amount": 0.5, "unit": "mg", "frequency": None, "route": "intravenous", "duration": None},
    ),
    (
        "Prednisolone 1 mg/kg/day orally for 4 weeks, then tapered.",
        {
            "amount": 1,
            "unit": "mg",
            "frequency": "daily",
            "route": "oral",
            "duration": "for 4 weeks",
        },
    ),
    (
        "Dexmedetomidine 0.5 µg/kg/h was infused during surgery.",
        {"amount": 0.5, "unit": "ug", "frequency": None, "route": "intravenous", "duration": None},
    ),
    (
        "Magnesium sulphate 4 g by intravenous infusion over 20 minutes.",
        {
            "amount": 4,
            "unit": "g",
            "frequency": None,
            "route": "intravenous",
            "duration": "over 20 minutes",
        },
    ),
    (
        "Fluticasone nasal spray 200 mcg once daily for 2 weeks.",
        {
            "amount": 200,
            "unit": "ug",
            "frequency": "daily",
            "route": "intranasal",
            "duration": "for 2 weeks",
        },
    ),
    (
        "Adalimumab 40 mg every other week subcutaneously for 52 weeks.",
        {
            "amount": 40,
            "unit": "mg",
            "frequency": "every 2 weeks",
            "route": "subcutaneous",
            "duration": "for 52 weeks",
        },
    ),
    (
        "Capecitabine 1000 mg/m² orally twice daily on days 1–14 of each cycle.",
        {
            "amount": 1000,
            "unit": "mg",
            "frequency": "twice daily",
            "route": "oral",
            "duration": None,
        },
    ),
    (
        "Triamcinolone 40 mg intra-articular injection was given once.",
        {
            "amount": 40,
            "unit": "mg",
            "frequency": "once",
            "route": "intra-articular",
            "duration": None,
        },
    ),
    (
        "Sumatriptan 6 mg subcutaneously as required for migraine attacks.",
        {
            "amount": 6,
            "unit": "mg",
            "frequency": "as needed",
            "route": "subcutaneous",
            "duration": None,
        },
    ),
    (
        "Interferon beta 44 μg three times weekly subcutaneously for two years.",
        {
            "amount": 44,
            "unit": "ug",
            "frequency": "three times weekly",
            "route": "subcutaneous",
            "duration": "for two years",
        },
    ),
    (
        "Oral iron 60 mg elemental iron daily over 12 weeks.",
        {
            "amount": 60,
            "unit": "mg",
            "frequency": "daily",
            "route": "oral",
            "duration": "over 12 weeks",
        },
    ),
    (
        "Gentamicin 5 mg/kg IV once daily for 7 days.",
        {
            "amount": 5,
            "unit": "mg",
            "frequency": "daily",
            "route": "intravenous",
            "duration": "for 7 days",
        },
    ),
    (
        "Chlorhexidine 0.12% mouthwash twice a day for 14 days.",
        {
            "amount": 0.12,
            "unit": "%",
            "frequency": "twice daily",
            "route": None,
            "duration": "for 14 days",
        },
    ),
    (
        "Testosterone undecanoate 1000 mg intramuscularly every 12 weeks.",
        {
            "amount": 1000,
            "unit": "mg",
            "frequency": "every 12 weeks",
            "route": "intramuscular",
            "duration": None,
        },
    ),
    (
        "Nicotine patch 21 mg daily for 8 weeks.",
        {
            "amount": 21,
            "unit": "mg",
            "frequency": "daily",
            "route": "transdermal",
            "duration": "for 8 weeks",
        },
    ),
    (
        "Misoprostol 400 μg sublingually was given before surgery.",
        {"amount": 400, "unit": "ug", "frequency": None, "route": "sublingual", "duration": None},
    ),
    (
        "Ondansetron 4 mg i.v. at the end of surgery.",
        {"amount": 4, "unit": "mg", "frequency": None, "route": "intravenous", "duration": None},
    ),
    (
        "Etanercept 50 mg once weekly for 24 weeks.",
        {
            "amount": 50,
            "unit": "mg",
            "frequency": "weekly",
            "route": None,
            "duration": "for 24 weeks",
        },
    ),
    (
        "Oral melatonin 3 mg nightly for 4 weeks improved sleep.",
        {
            "amount": 3,
            "unit": "mg",
            "frequency": "daily",
            "route": "oral",
            "duration": "for 4 weeks",
        },
    ),
    (
        "Letrozole 2.5 mg orally daily for 5 days from cycle day 3.",
        {
            "amount": 2.5,
            "unit": "mg",
            "frequency": "daily",
            "route": "oral",
            "duration": "for 5 days",
        },
    ),
]
