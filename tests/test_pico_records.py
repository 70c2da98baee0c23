"""`evidence evaluate pico-records`: the records' P/I/O spans scored end to end on EBM-NLP."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from gates import assert_pinned, corpus_digest
from test_nlp_pico import EBM_DEV, EBM_DEV_DIGEST

from extractor.cli import cli
from extractor.evaluation.pico_records import (
    document_text,
    predicted_tags,
    score_records,
    token_offsets,
)
from extractor.training.ebm_nlp import EbmDocument

# Measured 2026-12-03 on the first 100 dev abstracts, default pipeline (model-first spans):
# macro 0.648 (P 0.691, I 0.612, O 0.641); before model-first (rules won every overlap and
# cut-off model spans were dropped from the record): macro 0.52.
FLOORS = {"macro": 0.63, "P": 0.67, "I": 0.59, "O": 0.62}


def _record(abstract: str, spans: list[tuple[str, int, int]], title: str = "") -> dict:
    return {
        "document": {"title": title, "abstract": abstract},
        "spans": [{"label": label, "start": a, "end": b} for label, a, b in spans],
    }


def test_token_offsets_walk_the_text_and_survive_changed_tokens() -> None:
    words = ["Forty", "children", "(", "n", "=", "40", ")", "got", "amoxicillin", "."]
    text = "Forty children (n = 40) got amoxicillin."
    offsets = token_offsets(words, text)
    assert [text[o[0] : o[1]] for o in offsets if o] == words
    # a token the cleaner rewrote is lost, the next ones are still found
    changed = token_offsets(["a", "β-blocker", "was", "given"], "a beta-blocker was given")
    assert changed[1] is None and changed[2:] == [(15, 18), (19, 24)]


def test_predicted_tags_map_labels_and_prefer_outcomes() -> None:
    words = ["Forty", "children", "got", "amoxicillin", "for", "otitis", "pain", "."]
    text = document_text(words)
    assert text == "Forty children got amoxicillin for otitis pain."
    spans = [
        ("SAMPLE_SIZE", 0, 14),
        ("INTERVENTION", 19, 30),
        ("CONDITION", 35, 41),
        ("OUTCOME", 35, 46),  # outcome wins over the condition it covers
        ("RESULT", 0, 46),  # not a PICO label: ignored
    ]
    tags, lost = predicted_tags(words, _record(text, spans))
    assert (tags, lost) == (["P", "P", "N", "I", "N", "O", "O", "N"], 0)


def test_predicted_tags_shift_spans_past_a_split_title() -> None:
    words = ["Aspirin", "trial", ".", "Aspirin", "cut", "pain", "."]
    record = _record("Aspirin cut pain.", [("INTERVENTION", 0, 7)], title="Aspirin trial.")
    tags, _ = predicted_tags(words, record)
    assert tags == ["N", "N", "N", "I", "N", "N", "N"]


def test_a_document_without_a_record_scores_as_predicted_none() -> None:
    doc = EbmDocument("1", ["Pain", "fell", "."], ["O", "N", "N"])
    result = score_records([doc], {})
    assert result["no_record"] == 1
    assert result["token"]["O"]["r"] == 0.0


def test_pico_records_gate(shared_dir: Path, tmp_path: Path) -> None:
    """Quality gate: default pipeline end to end (text files → evidence batch → records)."""
    dev = shared_dir / EBM_DEV
    assert_pinned("EBM-NLP dev", EBM_DEV_DIGEST, corpus_digest(shared_dir, [dev]))
    args = ["evaluate", "pico-records", str(dev), "--limit", "100", "--json"]
    result = CliRunner().invoke(cli, [*args, "--keep", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["documents"] == 100 and (tmp_path / "records.jsonl").is_file()
    assert report["no_record"] <= 2  # title-only entries: "no abstract-like prose"
    measured = {k: report["token"][k]["f"] for k in FLOORS}
    low = {k: (round(v, 4), FLOORS[k]) for k, v in measured.items() if v < FLOORS[k]}
    assert not low, f"below the quality floors (measured, floor): {low}"


def test_pico_records_bad_file_is_one_error_line(tmp_path: Path) -> None:
    """An empty or binary FILE: one line on stderr, exit 1, no batch run."""
    empty, binary = tmp_path / "empty.txt", tmp_path / "binary.txt"
    empty.write_bytes(b"")
    binary.write_bytes(b"-DOCSTART- -1- O O\n\x80\xff\xfe token\n")
    for path, message in ((empty, "no abstracts in"), (binary, "not an EBM-NLP token file")):
        result = CliRunner().invoke(cli, ["evaluate", "pico-records", str(path)])
        assert result.exit_code == 1
        assert result.output.count("\n") == 1 and message in result.output, result.output
    assert not list(tmp_path.glob("*.db"))
