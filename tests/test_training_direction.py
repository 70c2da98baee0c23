"""The direction trainer (extractor/training/direction.py): a smoke run on a tiny slice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from extractor.nlp.direction import LABELS, classify_direction, load_direction_model
from extractor.training.direction import collect_examples, fit_direction_model, train_direction


def test_training_direction_collect_and_fit(shared_dir: Path) -> None:
    examples = collect_examples(shared_dir, split="train")
    assert len(examples) > 500
    assert {ex.label for ex in examples} == set(LABELS)
    model = fit_direction_model(examples[:120], l2=10.0)
    assert model.weights and len(model.bias) == 3
    again = fit_direction_model(examples[:120], l2=10.0)
    assert again.to_json() == model.to_json()  # deterministic
    label, confidence = classify_direction(
        examples[0].sentence,
        intervention=examples[0].intervention,
        comparator=examples[0].comparator,
        outcome=examples[0].outcome,
        model=model,
    )
    assert label in LABELS and 0 < confidence <= 1


def test_training_direction_smoke(shared_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "models" / "direction" / "direction.json"
    summary = train_direction(
        shared_dir, output, l2_grid=(30.0,), limit=150, dev_limit=40, force=True
    )
    assert summary["train_examples"] == 150
    assert summary["written"] == str(output)
    assert set(summary["dev_rules"]) == {"macro_f1", "accuracy", "f1"}
    data = json.loads(output.read_text(encoding="utf-8"))
    assert data["meta"]["l2"] == 30.0
    assert load_direction_model(tmp_path / "models") is not None


def test_training_direction_not_written_unless_better(shared_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "direction.json"
    summary = train_direction(shared_dir, output, l2_grid=(1000.0,), limit=20, dev_limit=30)
    assert summary["beats_rules_on_dev"] is False
    assert summary["written"] is None and not output.exists()


def test_training_direction_bad_shared_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "extractor.training.direction", "--shared", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: Evidence Inference data missing")
    assert len(proc.stderr.strip().splitlines()) == 1
