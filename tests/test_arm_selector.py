"""The learned arm selector: decisions, features, the shipped model, and a training smoke test."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.errors import ModelError
from extractor.nlp.arm_features import candidate_features
from extractor.nlp.arm_selector import MODEL_FILE, ArmSelector, load_selector
from extractor.nlp.arms import ArmGroup, ArmNamer, Mention


def _selector(threshold: float = 0.5, pair: float = 0.3) -> ArmSelector:
    return ArmSelector({"good": 3.0, "weak": 0.0, "bad": -3.0}, 0.0, threshold, pair)


def test_choose_keeps_probable_arms_then_a_likely_pair_then_the_best() -> None:
    sel = _selector()
    assert sel.choose(["a", "b", "c"], [["good"], ["bad"], ["good"]]) == ["a", "c"]
    # one sure arm and a second above the pair threshold: both (most trials have two arms)
    assert sel.choose(["a", "b"], [["good"], ["weak"]]) == ["a", "b"]
    # nothing sure: still the most probable candidate
    assert sel.choose(["a", "b"], [["bad"], ["weak"]]) == ["b"]
    assert sel.choose(["a", "b", "c"], [["good"], ["good"], ["good"]], cap=2) == ["a", "b"]
    assert sel.choose([], []) == []


def test_selector_round_trips(tmp_path: Path) -> None:
    sel = _selector()
    path = tmp_path / "sel.json"
    sel.save(path)
    assert load_selector(path) == sel
    assert load_selector(tmp_path / "missing.json") is None
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(ModelError, match="arm selector"):
        load_selector(broken)


def test_shipped_selector_loads_and_prefers_named_drug_arms() -> None:
    model = load_selector()
    assert model is not None, f"{MODEL_FILE} missing"
    assert 0 < model.threshold < 1 and model.meta["train_articles"] > 500
    text = (
        "Alfentanil versus remifentanil. Patients were randomised to the alfentanil group or "
        "the remifentanil group. Nausea was more frequent in the remifentanil group (P=0.045)."
    )
    groups = []
    for key in ("alfentanil", "remifentanil", "surgery"):
        group = ArmGroup(key)
        for start in range(len(text)):
            if text.lower().startswith(key, start):
                group.mentions.append(
                    Mention(start, start + len(key), key, "INTERVENTION", "model", "RESULTS")
                )
        groups.append(group)
    groups[2].mentions.append(Mention(0, 1, "surgery", "INTERVENTION", "model", "BACKGROUND"))
    features = candidate_features(groups, text, "Alfentanil versus remifentanil", ArmNamer([]))
    assert features == candidate_features(
        groups, text, "Alfentanil versus remifentanil", ArmNamer([])
    )
    chosen = model.choose([g.key for g in groups], features)
    assert chosen[:2] == ["alfentanil", "remifentanil"] or chosen[:2] == [
        "remifentanil",
        "alfentanil",
    ]


def test_training_smoke(shared_dir: Path, shared_file, tmp_path: Path) -> None:
    shared_file("data/evidence_inference/prompts_merged.csv")  # scipy: a dev dependency
    from extractor.training.arm_selector import train

    out = tmp_path / "arm_selector.json"
    summary = train(shared_dir, output=out, limit=12, quiet=True)
    model = load_selector(out)
    assert model is not None and model.weights
    assert summary["train_articles"] == 12 and summary["dev_articles"] == 12
