"""extractor.training: EBM-NLP reading, a tiny training run and the evaluation metrics."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

import extractor.nlp.pico  # noqa: F401  (registers evidence_pico_spans until the entry point is installed)
from extractor.errors import ExtractorError
from extractor.training.ebm_nlp import guess_spaces, iter_ebm_documents, read_ebm_nlp
from extractor.training.evaluate import evaluate_pico, format_table, span_scores
from extractor.training.train import PLAIN_CONFIG, train_pico

SAMPLE = """-DOCSTART- -111- O O

Aspirin NN i
versus IN N
placebo NN i
in IN N
adults NNS p
( ( p
n NN p
= SYM p
40 CD p
) ) p
. . N

Pain NN o
fell VBD N
. . N

-DOCSTART- -222- O O

Mortality NN o
was VBD N
lower JJR N
. . N

"""


@pytest.fixture()
def sample_file(tmp_path: Path) -> Path:
    path = tmp_path / "sample.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def test_training_read_ebm_nlp(sample_file):
    docs = read_ebm_nlp(sample_file)
    assert [d.user_data["pmid"] for d in docs] == ["111", "222"]
    assert docs[0].text == "Aspirin versus placebo in adults (n = 40). Pain fell."
    assert [t.tag_ for t in docs[0]][:5] == ["I", "N", "I", "N", "P"]
    assert read_ebm_nlp(sample_file, limit=1)[0].user_data["pmid"] == "111"


@pytest.mark.parametrize(
    ("words", "text"),
    [
        (["a", ",", "b", "."], "a, b."),
        (["(", "n", "=", "3", ")", "%"], "(n = 3)%"),
        (["double", "-", "blind", "trial"], "double-blind trial"),
    ],
)
def test_training_guess_spaces(words, text):
    spaces = guess_spaces(words)
    assert "".join(w + (" " if s else "") for w, s in zip(words, spaces, strict=True)) == text


def test_training_bad_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("-DOCSTART- -1- O O\n\nword NN x\n", encoding="utf-8")
    with pytest.raises(ExtractorError, match="unknown label"):
        list(iter_ebm_documents(path))


def test_training_span_scores():
    pred = ["P", "P", "N", "I", "I", "O"]
    gold = ["P", "P", "N", "I", "N", "O"]
    scores = span_scores([(pred, gold)])
    assert scores["exact"]["P"]["f"] == 1.0
    assert scores["exact"]["I"]["f"] == 0.0  # "I I" vs "I": boundaries differ
    assert scores["overlap"]["I"]["f"] == 1.0
    assert scores["exact"]["macro"]["f"] == pytest.approx(2 / 3)


def test_training_smoke(shared_dir, tmp_path, sample_file):
    """A handful of steps on a few abstracts writes a loadable, scorable pipeline."""
    out = train_pico(
        shared_dir,
        tmp_path / "pico",
        config=PLAIN_CONFIG,
        max_steps=6,
        n_docs=8,
        dev_docs=4,
        build_dir=tmp_path / "build",
        overrides={"training.eval_frequency": 3, "vars.norm_rows": 1000},
    )
    assert out == tmp_path / "pico"
    nlp = spacy.load(out)
    assert nlp.pipe_names == ["pico_tagger", "pico_spans"]
    assert nlp.meta["name"] == "pico"
    assert nlp.config["paths"]["train"] is None
    assert not (out / "model-best").exists()
    doc = nlp("Forty adults with asthma received budesonide.")
    assert all(t.tag_ in {"N", "P", "I", "O"} for t in doc)
    assert nlp.config["components"]["pico_tagger"]["factory"] == "evidence_pico_tagger"
    # the none bias moves every token off N (or onto it) without retraining
    for bias, check in ((100.0, lambda tag: tag != "N"), (-100.0, lambda tag: tag == "N")):
        biased = spacy.load(out, config={"components": {"pico_tagger": {"none_bias": bias}}})
        assert all(check(t.tag_) for t in biased("Forty adults with asthma received budesonide."))
    assert evaluate_pico(out, sample_file, skip=1)["documents"] == 1
    result = evaluate_pico(out, sample_file)
    assert result["documents"] == 2
    assert result["tokens"] == 18
    assert set(result["token"]) == {"P", "I", "O", "macro"}
    assert 0.0 <= result["token"]["macro"]["f"] <= 1.0
    assert "token F1" in format_table(result)


def test_training_smoke_shipped_config(shared_dir, tmp_path, sample_file):
    """The shipped config (static vectors + wide-context layers) trains, saves and reloads."""
    import numpy

    from extractor.training.train import DEFAULT_CONFIG

    vectors = spacy.blank("en")
    rng = numpy.random.default_rng(0)
    for word in ("patients", "asthma", "budesonide", "placebo", "adults", "pain", "the", "with"):
        vectors.vocab.set_vector(word, rng.standard_normal(16).astype("float32"))
    vectors.to_disk(tmp_path / "vectors")
    out = train_pico(
        shared_dir,
        tmp_path / "pico",
        config=DEFAULT_CONFIG,
        max_steps=4,
        n_docs=6,
        dev_docs=3,
        build_dir=tmp_path / "build",
        overrides={
            "training.eval_frequency": 2,
            "vars.norm_rows": 1000,
            "paths.vectors": str(tmp_path / "vectors"),
        },
    )
    nlp = spacy.load(out)
    tok2vec = nlp.config["components"]["pico_tagger"]["model"]["tok2vec"]
    assert tok2vec["@architectures"].startswith("evidence.ContextTok2Vec")
    assert nlp.vocab.vectors.n_keys == 8 and nlp.vocab.vectors.shape[1] == 16
    text = "Forty adults with asthma received budesonide or placebo."
    first = [t.tag_ for t in nlp(text)]
    assert all(tag in {"N", "P", "I", "O"} for tag in first)
    assert [t.tag_ for t in spacy.load(out)(text)] == first  # weights saved and restored
    assert evaluate_pico(out, sample_file)["documents"] == 2


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("evaluate", ["models/pico-tagger", "{missing}"]),
        ("benchmark", ["{missing}", "--n", "2"]),
        ("arm_sizes", ["--shared", "{missing}", "--output", "{out}"]),
    ],
)
def test_training_entry_points_bad_input_one_line(tmp_path, module, args):
    """``python -m extractor.training.X`` with a missing file: one error line, exit 1, no output."""
    import subprocess
    import sys

    from extractor.training.train import REPO

    missing, out = tmp_path / "missing.txt", tmp_path / "out.json"
    argv = [a.format(missing=missing, out=out) for a in args]
    proc = subprocess.run(
        [sys.executable, "-m", f"extractor.training.{module}", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert str(missing) in lines[0]
    assert not out.exists()
