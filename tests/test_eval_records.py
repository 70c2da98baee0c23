"""Records against the reviewer's question: `evidence evaluate records` and the PMC3591547 trial.

The gate runs the dev split end to end (files in through the batch path, records out) with the
shipped default pipeline; the report split is frozen — its article-id digest is pinned here, so
a change of split (or of the prompts that count) is seen, not silently re-scored.
"""

from __future__ import annotations

from pathlib import Path

from gates import assert_pinned, corpus_digest

from extractor.evaluation.direction import Prompt
from extractor.evaluation.records import (
    MATCH_F1,
    abst_path,
    evaluate_records,
    name_f1,
    report_digest,
    score_prompt,
    split_prompts,
)
from extractor.records import Comparison, Document, Evidence, Intervention, Quote

#: sha256 of the sorted report-split PMC ids with evidence in the abstract (frozen split).
REPORT_DIGEST = "cf21e7385825e002"
#: Dev split, default pipeline (measured 0.6224 / 0.9441 / 0.3497 / 0.2657 with the learned arm
#: selector, outcome phrasings and direction fixes; 0.6294 / 0.9301 / 0.2867 / 0.2028 with rule
#: arm selection). Raised when the records improve; never lowered silently. Pinned to the digest
#: of the dev files scored (the two prompt tables and the dev abstracts, tests/gates.py); the
#: figures beside the floors were measured on them on 2026-12-03.
DEV_DIGEST = "b267547a77bb4120"
FLOORS = {
    "intervention_found": 0.60,  # measured 0.6224
    "outcome_found": 0.92,  # measured 0.9441
    "triple_matched": 0.33,  # measured 0.3497
    "answered": 0.25,  # measured 0.2657
}


def test_name_f1_ignores_doses_and_arm_words() -> None:
    assert name_f1("cilostazol group (50 mg for 2 weeks, 100 mg for 6 weeks)", "cilostazol") == 1
    assert name_f1("nausea and vomiting", "incidence of nausea and vomiting") >= MATCH_F1
    assert name_f1("placebo", "metformin") == 0
    assert name_f1("", "x") == 0


def _prompt(label: str) -> Prompt:
    return Prompt(
        prompt_id="1",
        pmcid="1",
        outcome="nausea and vomiting",
        intervention="Remifentanil",
        comparator="Alfentanil",
        label=label,
        evidence="",
        in_abstract=True,
    )


def _record(direction: str | None) -> Evidence:
    text = "Nausea was more frequent with Remifentanil than Alfentanil."
    return Evidence(
        id="x",
        document=Document(title="", abstract=text),
        interventions=(
            Intervention("Alfentanil", 46, 56),
            Intervention("Remifentanil", 30, 42, role="comparator"),
        ),
        comparisons=(
            Comparison(
                "Alfentanil",
                "Remifentanil",
                "nausea and vomiting",
                direction,
                Quote(text, 0, len(text)),
            ),
        ),
    )


def test_score_prompt_reads_a_comparison_either_way_round() -> None:
    # The record states Alfentanil vs Remifentanil "decreased": Remifentanil vs Alfentanil is
    # "increased" — the prompt's question, answered.
    assert score_prompt(_prompt("increased"), _record("decreased")) == {
        "intervention_found": True,
        "outcome_found": True,
        "triple_matched": True,
        "answered": True,
    }
    wrong = score_prompt(_prompt("increased"), _record("increased"))
    assert wrong["triple_matched"] and not wrong["answered"]
    assert not score_prompt(_prompt("no difference"), _record(None))["answered"]
    assert score_prompt(_prompt("no difference"), _record("no_difference"))["answered"]
    assert not any(score_prompt(_prompt("increased"), None).values())


def test_report_split_is_frozen(shared_dir: Path, shared_file) -> None:
    shared_file("data/evidence_inference/prompts_merged.csv")
    assert_pinned("Evidence Inference report split", REPORT_DIGEST, report_digest(shared_dir))
    dev = {p.pmcid for p in split_prompts(shared_dir, "dev")}
    train = {p.pmcid for p in split_prompts(shared_dir, "train")}
    report = {p.pmcid for p in split_prompts(shared_dir, "report")}
    assert dev and train and report
    assert not (dev & report or train & report or dev & train)


def test_records_gate_on_dev(shared_dir: Path, shared_file) -> None:
    prompts = shared_file("data/evidence_inference/prompts_merged.csv")
    files = [prompts, prompts.parent / "v2_annotations.csv"]
    files += [abst_path(shared_dir, p.pmcid) for p in split_prompts(shared_dir, "dev")]
    assert_pinned("Evidence Inference dev (records)", DEV_DIGEST, corpus_digest(shared_dir, files))
    report = evaluate_records(shared_dir, split="dev")
    assert report["records"] == report["articles"]
    for key, floor in FLOORS.items():
        assert report["scores"][key] >= floor, (key, report["scores"])


def test_pmc3591547_reads_as_the_trial(shared_dir: Path, shared_file) -> None:
    """Alfentanil vs Remifentanil in 40 elderly patients: each arm with its own doses, and
    nausea/vomiting more frequent with Remifentanil (30%) than Alfentanil (5%), P=0.045."""
    from extractor import extract

    path = shared_file("data/evidence_inference/abstracts/PMC3591547.abst")
    assert path == abst_path(shared_dir, "3591547")
    record = extract(str(path))
    arms = {a.name: a for a in record.interventions}
    assert set(arms) == {"Alfentanil", "Remifentanil"}
    assert {d.text for d in arms["Alfentanil"].doses} == {"10 μg/kg", "1 μg/kg/min"}
    assert {d.text for d in arms["Remifentanil"].doses} == {"0.5 μg/kg", "0.1 μg/kg/min"}
    assert record.population.n == 40
    names = {o.name.casefold() for o in record.outcomes}
    assert not names & {"data", "the time", "during recovery"}
    (ponv,) = [c for c in record.comparisons if "nausea" in c.outcome]
    more_with_remi = (ponv.intervention, ponv.direction) in {
        ("Remifentanil", "increased"),
        ("Alfentanil", "decreased"),
    }
    assert more_with_remi, ponv
    assert ponv.p_value == "P=0.045"
    by_arm = {r.arm: r.percent for r in ponv.results if r.arm}
    assert by_arm == {"Remifentanil": 30, "Alfentanil": 5}
    assert record.document.abstract[ponv.evidence.start : ponv.evidence.end] == ponv.evidence.text
