"""The reference example end to end: the seed page → the exact evidence record.

The whole record is pinned in ``tests/golden/seed.json`` (rewrite it only with
``pytest --update-golden`` after checking the diff); the values the project was specified
with are also asserted one by one so that a regenerated golden file cannot hide a regression.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from extractor import extract

GOLDEN = Path(__file__).parent / "golden" / "seed.json"
# UI and legal lines that appear around the abstract on abstract-reader sites.
BOILERPLATE = re.compile(
    r"add (dis)?like|saved papers|full text links|mobile app|log(ging)? ?in|copyright|"
    r"privacy|terms of use|webmd|cme credits|related resources|1-tap access",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def seed_record(seed_path: Path, nlp: Any) -> dict[str, Any]:
    record = extract(str(seed_path), nlp=nlp).to_dict()
    record["document"]["source"] = seed_path.name  # independent of where the repo lives
    return record


def test_golden_seed_matches_file(seed_record: dict[str, Any], update_golden: bool) -> None:
    if update_golden:
        GOLDEN.write_text(json.dumps(seed_record, ensure_ascii=False, indent=2) + "\n", "utf-8")
    assert seed_record == json.loads(GOLDEN.read_text("utf-8"))


def test_golden_seed_population(seed_record: dict[str, Any]) -> None:
    pop = seed_record["population"]
    assert pop["n"] == 12
    assert "cutaneous lupus erythematosus" in pop["condition"]


def test_golden_seed_intervention_and_doses(seed_record: dict[str, Any]) -> None:
    (arm,) = seed_record["interventions"]
    assert arm["name"] == "IVIg" and arm["long_form"].lower() == "intravenous immunoglobulin"
    loading, maintenance = arm["doses"]
    assert (loading["amount"], loading["unit"], loading["per"]) == (1, "g", "kg")
    assert (loading["multiplier"], loading["phase"]) == (2, "loading")
    assert (maintenance["amount"], maintenance["unit"], maintenance["per"]) == (400, "mg", "kg")
    assert maintenance["frequency"] == "monthly" and maintenance["phase"] == "maintenance"
    assert maintenance["duration"] == "until disease resolution or for 6 months"


def test_golden_seed_results(seed_record: dict[str, Any]) -> None:
    results = [r for o in seed_record["outcomes"] for r in o["results"]]
    assert [(r["count"], r["threshold"]) for r in results] == [
        (5, ">75%"),
        (2, ">50%"),
        (3, "<50%"),
    ]


def test_golden_seed_events_design_conclusion(seed_record: dict[str, Any]) -> None:
    names = {(e["kind"], e["name"]) for e in seed_record["adverse_events"]}
    assert ("adverse_event", "acute cutaneous vasculitis") in names
    assert seed_record["design"].startswith("clinical trial")
    assert seed_record["conclusion"].startswith("Overall, therapy was well tolerated")
    assert seed_record["document"]["publication_types"] == ["Clinical Trial", "Journal Article"]


def test_golden_seed_no_boilerplate_anywhere(seed_record: dict[str, Any]) -> None:
    text = json.dumps(seed_record, ensure_ascii=False)
    assert not BOILERPLATE.search(text), BOILERPLATE.search(text)


def test_golden_seed_offsets_index_the_abstract(seed_record: dict[str, Any]) -> None:
    abstract = seed_record["document"]["abstract"]
    items = list(seed_record["spans"])
    items += [d for i in seed_record["interventions"] for d in i["doses"]]
    items += [r for o in seed_record["outcomes"] for r in o["results"]]
    items += seed_record["adverse_events"]
    labels = {s["label"] for s in seed_record["spans"]}
    assert {"POPULATION", "CONDITION", "SAMPLE_SIZE", "INTERVENTION", "DOSE", "RESULT"} <= labels
    for item in items:
        assert abstract[item["start"] : item["end"]] == item["text"]
