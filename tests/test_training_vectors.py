"""extractor.training.vectors: which text the static vectors see, and a tiny reproducible build."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.training import vectors as vec

# a dev abstract of 120 tokens, all marked "zzdev..."
DEV_SENTENCE = " ".join(f"zzdev{i}" for i in range(120))


def _ebm(words: str, pmid: str) -> str:
    lines = [f"-DOCSTART- -{pmid}- O O"] + [f"{w} NN N" for w in words.split()]
    return "\n".join(lines) + "\n\n"


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A miniature ``shared/`` folder with one file per corpus, dev and test files included."""
    data = tmp_path / "data"
    ebm = data / "ebm_nlp" / "starting_spans"
    ebm.mkdir(parents=True)
    train = "children with asthma received budesonide or placebo for twelve weeks ."
    (ebm / "fold0_train.txt").write_text(_ebm(train, "111") * 3, encoding="utf-8")
    (ebm / "dev.txt").write_text(_ebm(DEV_SENTENCE, "999"), encoding="utf-8")
    (ebm / "test.txt").write_text(_ebm("zztestonly words", "998"), encoding="utf-8")
    ei = data / "evidence_inference" / "abstracts"
    ei.mkdir(parents=True)
    (ei / "PMC1.abst").write_text(
        "TITLE: \nBudesonide in children\n\nABSTRACT.METHODS:\n"
        "Sixty children (aged 5-12 years) received budesonide 200 µg/day or placebo.\n",
        encoding="utf-8",
    )
    # a copy of the dev abstract under another id: left out by its 8-grams
    (ei / "PMC2.abst").write_text(f"ABSTRACT.RESULTS:\n{DEV_SENTENCE}\n", encoding="utf-8")
    brat = data / "pico_corpus" / "brat"
    brat.mkdir(parents=True)
    (brat / "123.txt").write_text("Women received Budesonide. Budesonide helped.", "utf-8")
    (brat / "123.ann").write_text("T1\tintervention 15 25\tBudesonide\n", "utf-8")
    (brat / "999.txt").write_text("zzdevpmid text under a dev PMID", "utf-8")
    pubtator = data / "bc5cdr" / "pubtator"
    pubtator.mkdir(parents=True)
    (pubtator / "CDR_TrainingSet.PubTator.txt").write_text(
        "5|t|Naloxone reverses clonidine.\n5|a|In rats, clonidine lowered blood pressure.\n"
        "5\t0\t8\tNaloxone\tChemical\tD009270\n\n",
        encoding="utf-8",
    )
    (pubtator / "CDR_TestSet.PubTator.txt").write_text("6|t|zztestonly title\n", "utf-8")
    ncbi = data / "ncbi_disease" / "iob"
    ncbi.mkdir(parents=True)
    (ncbi / "train.tsv").write_text("Identification\tO\nof\tO\nAPC2\tO\n\n", "utf-8")
    (ncbi / "test.tsv").write_text("zztestonly\tO\n\n", "utf-8")
    return tmp_path


def test_training_vectors_source_files_never_dev_or_test(shared):
    files = vec.source_files(shared)
    names = {p.name for paths in files.values() for p in paths}
    assert "dev.txt" not in names
    assert not any("test" in name.lower() for name in names)
    assert {"fold0_train.txt", "PMC1.abst", "123.txt", "train.tsv"} <= names
    assert "123.ann" not in names
    assert [p.name for p in files["bc5cdr"]] == ["CDR_TrainingSet.PubTator.txt"]


def test_training_vectors_corpus_leaves_out_dev_text(shared, tmp_path):
    stats = vec.write_corpus(shared, tmp_path / "corpus.txt")
    text = (tmp_path / "corpus.txt").read_text(encoding="utf-8")
    assert "zzdev" not in text  # dev.txt itself, and its copy in PMC2
    assert "zzdevpmid" not in text  # a document under a dev PMID
    assert "zztestonly" not in text
    assert "abstract.methods" not in text and "title" not in text.split()
    assert "budesonide 200 µg/day or placebo ." in text  # tokens lower-cased, "." apart
    assert "( aged 5-12 years )" in text
    assert "in rats , clonidine lowered blood pressure ." in text
    assert stats["evidence_inference"] == {"documents": 1, "dev_copies": 1, "tokens": 17}
    assert stats["pico_corpus"]["dev_copies"] == 1


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "A double-blind, placebo-controlled trial.",
            ["a", "double-blind", ",", "placebo-controlled", "trial", "."],
        ),
        (
            "p < 0.05 (n = 20); 5 mg/kg +/- 2",
            ["p", "<", "0.05", "(", "n", "=", "20", ")", ";", "5", "mg/kg", "+/-", "2"],
        ),
        ("the patient's HbA1c", ["the", "patient", "'s", "hba1c"]),
    ],
)
def test_training_vectors_tokenize_like_ebm_nlp(text, tokens):
    assert [t.lower() for t in vec.tokenize_text(text)] == tokens


def test_training_vectors_build_is_reproducible(shared, tmp_path):
    import spacy

    settings = {"dim": 8, "min_count": 1, "max_rows": 500, "epochs": 2}
    first = vec.build_vectors(shared, tmp_path / "a", **settings)
    second = vec.build_vectors(shared, tmp_path / "b", **settings)
    assert first["rows"] == second["rows"] <= 500
    a = spacy.load(tmp_path / "a" / "model").vocab.vectors
    b = spacy.load(tmp_path / "b" / "model").vocab.vectors
    assert a.shape == (first["rows"], 8)
    assert (a.data == b.data).all()
    assert list(a.keys()) == list(b.keys())
    assert a.attr == spacy.attrs.ORTH  # LOWER is not saved (spaCy 3.8): casings are keys
    # a casing seen twice ("Budesonide") is a key of the lower-case row; one seen once is not
    strings = a.strings
    assert a.find(key="Budesonide") == a.find(key="budesonide") >= 0
    assert a.find(key="budesonide") == a.find(key=strings["budesonide"])
    assert a.find(key="naloxone") >= 0 > a.find(key="Naloxone")
    assert first["keys"] > first["rows"]
    assert not any(a.strings[k].startswith("zzdev") for k in a.key2row)
