"""In-domain pretraining of the PICO tagger's encoder (``spacy pretrain``, characters objective).

No pretrained transformer or tok2vec may be downloaded, so the encoder is pretrained here, as
med7 did, on the same unlabelled text the static vectors come from
(:func:`extractor.training.vectors.iter_text_documents`: EBM-NLP training folds, Evidence
Inference articles, PICO-Corpus, BC5CDR and NCBI-disease text; EBM-NLP ``dev.txt`` and any
document that repeats a dev abstract left out). The objective predicts the first and last four
characters of each word from the encoder's output (``spacy.PretrainCharacters.v1``), which
teaches the context layers without any labels; training then starts from those weights
(``[initialize] init_tok2vec``).

Command line::

    python -m extractor.training.pretrain --output build/pretrain --epochs 1
    # then: python -m extractor.training.train --config models/configs/pico-context2.cfg \
    #   --set paths.vectors=build/vectors/model \
    #   --set paths.init_tok2vec=build/pretrain/model-last.bin --build build/pico-pre
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from ..errors import ExtractorError
from .vectors import DEFAULT_OUTPUT as VECTORS_OUTPUT
from .vectors import is_dev_copy, iter_text_documents, read_dev_index

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO / "models" / "configs" / "pico-context2.cfg"
DEFAULT_OUTPUT = REPO / "build" / "pretrain"
#: spaCy's pretraining reader skips texts over 500 tokens; paragraphs are cut below that.
CHUNK = 400

PRETRAINING = """
[pretraining]
max_epochs = {epochs}
dropout = 0.2
n_save_every = null
n_save_epoch = null
component = "pico_tagger"
layer = "tok2vec"
corpus = "corpora.pretrain"

[pretraining.batcher]
@batchers = "spacy.batch_by_words.v1"
size = 3000
discard_oversize = false
tolerance = 0.2
get_length = null

[pretraining.objective]
@architectures = "spacy.PretrainCharacters.v1"
maxout_pieces = 3
hidden_size = 300
n_characters = 4

[pretraining.optimizer]
@optimizers = "Adam.v1"
beta1 = 0.9
beta2 = 0.999
L2_is_weight_decay = true
L2 = 0.01
grad_clip = 1.0
use_averages = true
eps = 1e-8
learn_rate = 0.001

[corpora.pretrain]
@readers = "spacy.JsonlCorpus.v1"
path = ${{paths.raw_text}}
min_length = 5
max_length = 500
limit = 0
"""


def write_raw_text(shared_dir: Path, path: Path, *, max_words: int | None = None) -> dict[str, Any]:
    """Write the unlabelled text as spaCy pretraining JSONL (``{"text": ...}`` a line).

    Tokens are joined by spaces (the tokens of :func:`extractor.training.vectors.tokenize_text`,
    close to EBM-NLP's), paragraphs cut into pieces of at most :data:`CHUNK` tokens.
    """
    dev = read_dev_index(shared_dir)
    words = lines = left_out = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for document in iter_text_documents(shared_dir):
            if is_dev_copy(document, dev):
                left_out += 1
                continue
            for paragraph in document.paragraphs:
                for start in range(0, len(paragraph), CHUNK):
                    piece = paragraph[start : start + CHUNK]
                    if len(piece) < 5:
                        continue
                    out.write(json.dumps({"text": " ".join(piece)}) + "\n")
                    words += len(piece)
                    lines += 1
            if max_words is not None and words >= max_words:
                break
    return {"lines": lines, "words": words, "dev_copies_left_out": left_out}


def pretrain_config(config: Path, path: Path, *, epochs: int) -> Path:
    """The training config with a ``[pretraining]`` section for the PICO tagger's encoder."""
    try:
        text = Path(config).read_text(encoding="utf-8")
    except OSError as exc:
        raise ExtractorError(f"cannot read {config}: {exc}") from exc
    # The training config has an empty [pretraining]; spaCy reads the first one.
    text = text.replace("[pretraining]\n", "", 1).replace(
        "[paths]\n", "[paths]\nraw_text = null\n", 1
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + PRETRAINING.format(epochs=epochs), encoding="utf-8")
    return path


def pretrain(
    shared_dir: Path,
    output: Path = DEFAULT_OUTPUT,
    *,
    config: Path = DEFAULT_CONFIG,
    vectors: Path = VECTORS_OUTPUT / "model",
    epochs: int = 1,
    max_words: int | None = None,
) -> Path:
    """Pretrain the encoder; returns the weights file of the last epoch (``model-last.bin``).

    Raises:
        ExtractorError: ``spacy pretrain`` failed or the vectors are missing.
    """
    if not (Path(vectors) / "vocab" / "vectors").is_file():
        raise ExtractorError(
            f"no static vectors at {vectors}: run python -m extractor.training.vectors first"
        )
    output = Path(output)
    raw = output / "raw_text.jsonl"
    stats = write_raw_text(shared_dir, raw, max_words=max_words)
    cfg = pretrain_config(config, output / "pretrain.cfg", epochs=epochs)
    weights = output / "weights"
    started = time.perf_counter()
    from spacy.training.pretrain import pretrain as spacy_pretrain  # lazy: spaCy
    from spacy.util import load_config

    from ..nlp import pico  # noqa: F401  (registers the tagger's factory and architectures)

    overrides = {"paths.raw_text": str(raw), "paths.vectors": str(vectors)}
    raw_config = load_config(cfg, overrides=overrides, interpolate=False)
    weights.mkdir(parents=True, exist_ok=True)
    raw_config.to_disk(weights / "config.cfg")
    try:
        spacy_pretrain(raw_config.interpolate(), weights, silent=False)
    except Exception as exc:  # spaCy raises many types; one clear line for the user
        raise ExtractorError(f"spacy pretrain failed: {exc}") from exc
    last = sorted(weights.glob("model*.bin"), key=lambda p: p.stat().st_mtime)
    if not last:
        raise ExtractorError(f"spacy pretrain wrote no weights under {weights}")
    stats["seconds"] = round(time.perf_counter() - started, 1)
    (output / "stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
    return last[-1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--vectors", type=Path, default=VECTORS_OUTPUT / "model")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-words", type=int, default=None)
    args = parser.parse_args(argv)
    path = pretrain(
        args.shared,
        args.output,
        config=args.config,
        vectors=args.vectors,
        epochs=args.epochs,
        max_words=args.max_words,
    )
    print(path)


if __name__ == "__main__":
    main()
