"""The chemical/disease NER (issue 12): BC5CDR readers, training, the vectors guard, the
evaluate command and the quality gate of the shipped ``models/ner``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy
import pytest
import spacy
from click.testing import CliRunner
from gates import assert_pinned, corpus_digest
from spacy.tokens import Span

from extractor.cli import cli
from extractor.errors import ExtractorError, ModelError
from extractor.training.bc5cdr import (
    BC5CDR_IOB_DIR,
    IOB_FILES,
    NCBI_IOB_DIR,
    PUBTATOR_DIR,
    PUBTATOR_FILES,
    ReadStats,
    detect_format,
    iter_iob,
    iter_pubtator,
    read_iob,
    read_pubtator,
)
from extractor.training.ner import (
    load_ner,
    pipeline_tokenizer,
    source_ner,
    train_ner,
    vectors_from,
    vectors_signature,
    vectors_vocab,
)
from extractor.training.ner_consistency import make_consistent
from extractor.training.ner_eval import evaluate_ner, format_ner_table

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "models" / "ner"
PICO = REPO / "models" / "pico-tagger"  # holds the static vectors table models/ner needs
DEV = PUBTATOR_DIR / PUBTATOR_FILES["dev"]
TRAIN = PUBTATOR_DIR / PUBTATOR_FILES["train"]

# Quality gate: the shipped model on the first GATE_DOCS BC5CDR dev abstracts, entity-level
# exact F1 against the gold widened to the evidence pipeline's tokens ("aligned"; the strict
# character-offset figure is capped by the ~10 % of mentions inside a longer token).
# IN-SAMPLE: the shipped model was trained on BC5CDR train + dev (the figures chosen on dev
# with the train-only model are in models/README.md), so this gate catches a broken or
# mis-loaded model, not overfitting. Pinned to the dev file's digest (tests/gates.py).
GATE_DOCS = 100
# Measured on 2026-12-03 (models/ner 0.1.0); the train-only model scored 0.821 aligned micro on
# the same slice.
BC5CDR_DEV_DIGEST = "597877692082465d"
FLOORS = {
    "aligned_micro_f": 0.98,  # measured 0.9922
    "aligned_chemical_f": 0.98,  # measured 0.9952
    "aligned_disease_f": 0.975,  # measured 0.9887
    "exact_micro_f": 0.89,  # measured 0.9014 (mentions inside a longer token cannot match)
}


@pytest.fixture(scope="module")
def tokenizer():
    return pipeline_tokenizer()


# --- readers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("split", "chemicals", "diseases"),
    [("train", 5203, 4182), ("dev", 5347, 4244)],
)
def test_training_ner_pubtator_counts(shared_file, tokenizer, split, chemicals, diseases):
    """The published mention counts of BC5CDR; every offset points at its mention's text."""
    path = shared_file(str(PUBTATOR_DIR / PUBTATOR_FILES[split]))
    documents = list(iter_pubtator(path))
    assert len(documents) == 500
    labels = [m.label for d in documents for m in d.mentions]
    assert labels.count("CHEMICAL") == chemicals
    assert labels.count("DISEASE") == diseases
    for document in documents:
        for m in document.mentions:
            assert document.text[m.start : m.end] == m.text
    stats = ReadStats()
    docs = read_pubtator(path, tokenizer, limit=50, stats=stats)
    assert stats.documents == 50 and len(docs) == 50
    assert stats.mentions == sum(len(d.mentions) for d in documents[:50])
    # widened mentions start/end on token boundaries and cover the gold text
    for doc, document in zip(docs, documents[:50], strict=True):
        assert doc.text == document.text
        gold = {(m.start, m.end) for m in document.mentions}
        for ent in doc.ents:
            assert any(ent.start_char <= s and e <= ent.end_char for s, e in gold)
    assert 0 < stats.misaligned < 0.15 * stats.mentions  # "X-induced" is one scispaCy token


def test_training_ner_pubtator_first_abstract(shared_file, tokenizer):
    path = shared_file(str(TRAIN))
    document = next(iter_pubtator(path))
    assert document.pmid == "227508"
    assert document.text.startswith("Naloxone reverses the antihypertensive effect of clonidine. ")
    doc = read_pubtator(path, tokenizer, limit=1)[0]
    assert (doc.ents[0].text, doc.ents[0].label_) == ("Naloxone", "CHEMICAL")
    assert doc.user_data["pmid"] == "227508"


@pytest.mark.parametrize(
    ("folder", "split", "sentences", "entities"),
    [
        (BC5CDR_IOB_DIR, "train", 4560, 9385),
        (BC5CDR_IOB_DIR, "dev", 4581, 9593),
        (NCBI_IOB_DIR, "train", 5424, 5134),
        (NCBI_IOB_DIR, "dev", 923, 787),
    ],
)
def test_training_ner_iob_counts(shared_file, folder, split, sentences, entities):
    path = shared_file(str(folder / IOB_FILES[split]))
    docs = read_iob(path, spacy.blank("en").vocab)
    assert len(docs) == sentences
    assert sum(len(d.ents) for d in docs) == entities
    words, _ = next(iter_iob(path))
    assert [t.text for t in docs[0]] == words
    assert detect_format(path) == "iob"


def test_training_ner_bad_files(tmp_path):
    bad_offsets = tmp_path / "bad.PubTator.txt"
    bad_offsets.write_text("1|t|Aspirin.\n1|a|Pain.\n1\t0\t4\tAspirin\tChemical\tD1\n\n")
    with pytest.raises(ExtractorError, match="do not point at 'Aspirin'"):
        list(iter_pubtator(bad_offsets))
    bad_tag = tmp_path / "bad.tsv"
    bad_tag.write_text("Aspirin\tB-Drug\n")
    with pytest.raises(ExtractorError, match="unknown tag 'B-Drug'"):
        list(iter_iob(bad_tag))
    neither = tmp_path / "x.txt"
    neither.write_text("hello world\n")
    with pytest.raises(ExtractorError, match="neither a PubTator file"):
        detect_format(neither)
    with pytest.raises(ExtractorError, match="cannot read"):
        list(iter_pubtator(tmp_path / "missing.txt"))


def test_training_ner_iob_repairs_stray_inside_tag(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("the\tO\npain\tI-Disease\nof\tO\nLi\tB-Chemical\n")
    doc = read_iob(path, spacy.blank("en").vocab)[0]
    assert [(e.text, e.label_) for e in doc.ents] == [("pain", "DISEASE"), ("Li", "CHEMICAL")]


def test_training_ner_consistency():
    nlp = spacy.blank("en")
    doc = nlp("sinusoidal obstruction syndrome ( SOS ) . SOS and rubella ; rubella .")
    doc.ents = [Span(doc, 0, 3, "DISEASE"), Span(doc, 9, 10, "DISEASE")]
    make_consistent(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("sinusoidal obstruction syndrome", "DISEASE"),
        ("SOS", "DISEASE"),
        ("SOS", "DISEASE"),
        ("rubella", "DISEASE"),
        ("rubella", "DISEASE"),
    ]


# --- training, export, the vectors guard ------------------------------------------------------


def _tiny_vectors(path: Path, seed: int) -> Path:
    nlp = spacy.blank("en")
    rng = numpy.random.default_rng(seed)
    for word in ("naloxone", "clonidine", "hypertensive", "the", "of", "rats", "and"):
        nlp.vocab.set_vector(word, rng.standard_normal(8).astype("float32"))
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="module")
def smoke_model(shared_dir, tmp_path_factory):
    """A few steps on a few abstracts with a tiny vectors table (seconds)."""
    tmp = tmp_path_factory.mktemp("ner")
    vectors = _tiny_vectors(tmp / "vectors", 0)
    out = train_ner(
        shared_dir,
        tmp / "ner",
        vectors=vectors,
        max_steps=3,
        n_docs=6,
        dev_docs=3,
        build_dir=tmp / "build",
        overrides={"vars.norm_rows": 500, "vars.width": 16, "vars.hidden_width": 16},
    )
    return out, vectors, tmp


def test_training_ner_smoke(smoke_model):
    out, vectors, _ = smoke_model
    assert not (out / "vocab").exists()  # the vectors table is not stored twice
    meta = json.loads((out / "meta.json").read_text())
    assert meta["evidence_vectors"] == vectors_signature(vectors_from(vectors))
    assert meta["training_data"] == "BC5CDR train + dev (PubTator and IOB tokenisations)"
    nlp = load_ner(out, vectors_vocab(vectors))
    assert nlp.pipe_names == ["ner", "ner_consistency"]
    assert set(nlp.get_pipe("ner").labels) == {"CHEMICAL", "DISEASE"}
    assert nlp.config["paths"]["train"] is None
    doc = nlp.get_pipe("ner")(pipeline_tokenizer(nlp.vocab)("Naloxone reverses clonidine."))
    assert all(e.label_ in {"CHEMICAL", "DISEASE"} for e in doc.ents)


def test_training_ner_vectors_guard(smoke_model):
    out, _, tmp = smoke_model
    with pytest.raises(ModelError, match="needs the evidence static vectors"):
        load_ner(out, spacy.blank("en").vocab)
    other = _tiny_vectors(tmp / "other", 1)
    with pytest.raises(ModelError, match="not the one the NER model was trained with"):
        load_ner(out, vectors_vocab(other))
    with pytest.raises(ModelError, match=r"meta\.json"):
        load_ner(tmp, vectors_vocab(other))


def test_training_ner_source_into_pipeline(smoke_model):
    out, vectors, _ = smoke_model
    nlp = spacy.blank("en")
    nlp.tokenizer = pipeline_tokenizer(nlp.vocab)
    nlp.vocab.vectors = vectors_from(vectors)
    nlp.add_pipe("sentencizer")
    last = source_ner(nlp, out, before="sentencizer")
    assert last == "ner_bc5cdr_consistency"
    assert nlp.pipe_names == ["ner_bc5cdr", "ner_bc5cdr_consistency", "sentencizer"]
    doc = nlp("Naloxone reverses the antihypertensive effect of clonidine in rats.")
    assert all(e.label_ in {"CHEMICAL", "DISEASE"} for e in doc.ents)


def test_training_ner_evaluate_smoke(smoke_model, shared_file):
    out, vectors, _ = smoke_model
    result = evaluate_ner(out, shared_file(str(DEV)), vectors=vectors, limit=3)
    assert result["documents"] == 3 and result["format"] == "pubtator"
    assert set(result["exact"]) == {"CHEMICAL", "DISEASE", "micro"}
    assert result["exact"]["micro"]["n_gold"] > 20
    assert 0.0 <= result["aligned"]["micro"]["f"] <= 1.0
    assert "aligned micro" in format_ner_table(result)


# --- the command line -------------------------------------------------------------------------


@pytest.mark.parametrize("file", [DEV, NCBI_IOB_DIR / IOB_FILES["dev"]])
def test_training_ner_cli_evaluate(smoke_model, shared_file, file):
    out, vectors, _ = smoke_model
    args = ["evaluate", "ner", str(shared_file(str(file))), "--model", str(out)]
    args += ["--vectors", str(vectors), "--limit", "5", "--json"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["documents"] == 5
    assert {"CHEMICAL", "DISEASE", "micro"} <= set(report["exact"])
    table = CliRunner().invoke(cli, args[:-1])
    assert table.exit_code == 0 and "exact micro" in table.stdout


def test_training_ner_cli_errors(smoke_model, tmp_path):
    out, _, _ = smoke_model
    text = tmp_path / "x.txt"
    text.write_text("not annotations\n")
    result = CliRunner().invoke(cli, ["evaluate", "ner", str(text), "--model", str(out)])
    assert result.exit_code == 1
    assert "neither a PubTator file" in result.stderr and "Traceback" not in result.stderr
    # the model without its vectors: one clear line
    result = CliRunner().invoke(
        cli, ["evaluate", "ner", str(text), "--model", str(out), "--vectors", str(tmp_path)]
    )
    assert result.exit_code == 1 and "Traceback" not in result.stderr


# --- the shipped model ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    if not MODEL.is_dir():
        pytest.fail("models/ner is missing: run `evidence train ner`")
    return load_ner(MODEL, vectors_vocab(PICO))


def test_training_ner_shipped_without_vectors(shipped):
    assert not (MODEL / "vocab").exists()
    size = sum(p.stat().st_size for p in MODEL.rglob("*") if p.is_file())
    assert size < 12_000_000
    assert shipped.meta["evidence_vectors"]["shape"] == [45586, 128]


def test_training_ner_cli_subprocess(shared_file):
    """`evidence evaluate ner` as a real process, on the shipped model."""
    import subprocess
    import sys

    file = shared_file(str(DEV))
    args = ["evaluate", "ner", str(file), "--model", str(MODEL), "--limit", "2", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "extractor", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["documents"] == 2


def test_training_ner_quality_gate(shared_dir, shipped):
    """Evaluation gate (in-sample, see FLOORS): the first GATE_DOCS dev abstracts."""
    assert_pinned("BC5CDR dev", BC5CDR_DEV_DIGEST, corpus_digest(shared_dir, [shared_dir / DEV]))
    result = evaluate_ner(shipped, shared_dir / DEV, limit=GATE_DOCS)
    measured = {
        "aligned_micro_f": result["aligned"]["micro"]["f"],
        "aligned_chemical_f": result["aligned"]["CHEMICAL"]["f"],
        "aligned_disease_f": result["aligned"]["DISEASE"]["f"],
        "exact_micro_f": result["exact"]["micro"]["f"],
    }
    low = {k: (round(measured[k], 4), floor) for k, floor in FLOORS.items() if measured[k] < floor}
    assert not low, f"below the quality floors (measured, floor): {low}"
