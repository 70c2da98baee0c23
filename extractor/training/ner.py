"""Train, export and load the chemical/disease NER model (BC5CDR → ``models/ner``).

* :func:`write_ner_docbins` turns the shared BC5CDR PubTator files (tokenised like the evidence
  pipeline, :mod:`.bc5cdr`), plus the same abstracts as the BC5CDR IOB files tokenise them and
  optionally NCBI-disease, into DocBins;
* :func:`train_ner` runs spaCy's training loop with ``models/configs/ner.cfg`` and exports the
  result with :func:`export_ner`;
* :func:`export_ner` saves the pipeline **without its static vectors table** (the same table
  ``models/pico-tagger`` ships, 23 MB, is not stored twice) and records the table's shape and
  digest in ``meta.json`` (``evidence_vectors``);
* :func:`load_ner` / :func:`source_ner` load it onto a vocab that already holds that table and
  raise :class:`~extractor.errors.ModelError` when the table is missing or another one;
* :func:`extractor.training.ner_eval.evaluate_ner` scores entity-level exact P/R/F1 per type
  and micro on a PubTator or IOB file.

Command line::

    python -m extractor.training.ner          # train + dev, FINAL_STEPS steps -> models/ner
    python -m extractor.training.ner --train-only --build build/ner-h --output build/ner-h/export
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy
import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import DocBin
from spacy.vectors import Vectors
from spacy.vocab import Vocab
from thinc.api import Config

from ..errors import ConfigError, ModelError
from . import ner_consistency  # noqa: F401  (registers evidence_ner_consistency for spacy.load)
from .bc5cdr import (
    BC5CDR_IOB_DIR,
    IOB_FILES,
    NCBI_IOB_DIR,
    PUBTATOR_DIR,
    PUBTATOR_FILES,
    ReadStats,
    iter_pubtator,
    read_iob,
    read_pubtator,
    scispacy_tokenizer,
)

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO / "models" / "configs" / "ner.cfg"
DEFAULT_BUILD = REPO / "build" / "ner"
DEFAULT_OUTPUT = REPO / "models" / "ner"
DEFAULT_VECTORS = REPO / "build" / "vectors" / "model"
MODEL_NAME = "ner_bc5cdr"
MODEL_VERSION = "0.1.0"
META_KEY = "evidence_vectors"
# The shipped model: trained on BC5CDR train + dev for this many steps. The train-only model was
# best on dev at step 2,500 (≈ 1.1 M words, 4.9 passes over its 225 k); train + dev has 449 k words
# a pass, and 4.9 passes end near step 3,600 (batches grow to 1,000 words by step 2,303).
FINAL_STEPS = 3600


# --- data -------------------------------------------------------------------------------------


def pipeline_tokenizer(vocab: Vocab | None = None) -> Tokenizer:
    """scispaCy's tokenizer (the evidence pipeline's) on ``vocab`` (default: a new English one)."""
    nlp = spacy.blank("en", vocab=vocab if vocab is not None else True)
    return scispacy_tokenizer(nlp)


def write_ner_docbins(
    shared_dir: Path,
    build_dir: Path,
    *,
    with_dev: bool = False,
    iob_view: bool = True,
    ncbi: bool = False,
    n_docs: int | None = None,
    dev_docs: int | None = None,
) -> dict[str, Any]:
    """Write ``train.spacy`` and ``dev.spacy`` under ``build_dir``.

    Args:
        shared_dir: the shared folder holding ``data/bc5cdr``.
        build_dir: where to write the DocBins (git-ignored, e.g. ``build/ner``).
        with_dev: add the BC5CDR dev abstracts to the training DocBin (the final model).
        iob_view: also train on the same abstracts as the BC5CDR IOB files tokenise them
            (sentences; hyphens, slashes and brackets split off), a second view of the same
            annotations (+0.3 ents F on dev, see models/README.md).
        ncbi: add NCBI-disease training sentences (DISEASE only; everything else ``O``).
        n_docs: use at most this many BC5CDR training abstracts (and ten times as many IOB
            sentences), for smoke tests.
        dev_docs: use at most this many dev abstracts in ``dev.spacy`` (the training DocBin
            gets all of them with ``with_dev``).

    Returns:
        ``{"train": path, "dev": path, "stats": {"train": {...}, "dev": {...}}}``.
    """
    shared_dir = Path(shared_dir)
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = pipeline_tokenizer()
    folder = shared_dir / PUBTATOR_DIR
    train_stats, dev_stats = ReadStats(), ReadStats()
    train = read_pubtator(
        folder / PUBTATOR_FILES["train"], tokenizer, limit=n_docs, stats=train_stats
    )
    dev_limit = None if with_dev else dev_docs
    dev = read_pubtator(folder / PUBTATOR_FILES["dev"], tokenizer, limit=dev_limit, stats=dev_stats)
    if with_dev:
        train = train + dev
    sentences = None if n_docs is None else 10 * n_docs
    if iob_view:
        for split in ("train", "dev") if with_dev else ("train",):
            path = shared_dir / BC5CDR_IOB_DIR / IOB_FILES[split]
            train += read_iob(path, tokenizer.vocab, limit=sentences)
    if ncbi:
        path = shared_dir / NCBI_IOB_DIR / IOB_FILES["train"]
        train += read_iob(path, tokenizer.vocab, limit=sentences)
    dev = dev[:dev_docs] if dev_docs is not None else dev
    paths = {"train": build_dir / "train.spacy", "dev": build_dir / "dev.spacy"}
    for key, docs in (("train", train), ("dev", dev)):
        DocBin(attrs=["ORTH", "SPACY", "ENT_IOB", "ENT_TYPE"], docs=docs).to_disk(paths[key])
    return {**paths, "stats": {"train": train_stats.as_dict(), "dev": dev_stats.as_dict()}}


# --- vectors guard ----------------------------------------------------------------------------


def vectors_signature(vectors: Vectors) -> dict[str, Any]:
    """Shape, key count, name and a short sha256 of a vectors table (rows and key → row map)."""
    sha = hashlib.sha256()
    sha.update(numpy.ascontiguousarray(vectors.data, dtype="float32").tobytes())
    keys = sorted((int(k), int(r)) for k, r in vectors.key2row.items())
    sha.update(numpy.asarray(keys, dtype="uint64").tobytes())
    return {
        "shape": [int(n) for n in vectors.shape],
        "keys": len(keys),
        "name": vectors.name,
        "digest": sha.hexdigest()[:16],
    }


def check_vectors(vocab: Vocab, expected: dict[str, Any], *, source: str) -> None:
    """Raise :class:`ModelError` unless ``vocab`` holds the vectors table ``expected`` describes."""
    vectors = vocab.vectors
    if not vectors.shape[0]:
        raise ModelError(
            "the NER model needs the evidence static vectors table in the vocab "
            f"({expected.get('name')}, {expected.get('shape')}); copy models/pico-tagger's "
            "vocab.vectors into it first",
            source=source,
        )
    found = vectors_signature(vectors)
    if any(found[k] != expected.get(k) for k in ("shape", "keys", "digest")):
        raise ModelError(
            f"the vocab's vectors table is not the one the NER model was trained with "
            f"(found {found}, expected {expected})",
            source=source,
        )


# --- export and load --------------------------------------------------------------------------


def export_ner(
    trained_dir: Path,
    output_dir: Path,
    *,
    consistency: bool = True,
    extra_meta: dict[str, Any] | None = None,
) -> Path:
    """Save a trained NER pipeline to ``output_dir`` without its vectors table.

    The table's signature goes into ``meta.json`` under ``evidence_vectors`` so
    :func:`load_ner` can refuse another table. The training paths are blanked in the config.
    With ``consistency`` the rule component ``evidence_ner_consistency`` (abbreviations and
    repeated mentions, :mod:`.ner_consistency`) is added after the ``ner``.

    Raises:
        ModelError: ``trained_dir`` is not a loadable NER pipeline with static vectors.
    """
    try:
        nlp = spacy.load(trained_dir)
    except Exception as exc:  # spaCy raises many kinds (OSError, ValueError, config errors)
        raise ModelError(
            f"cannot load trained NER pipeline: {exc}", source=str(trained_dir)
        ) from exc
    if "ner" not in nlp.pipe_names or not nlp.vocab.vectors.shape[0]:
        raise ModelError("not an NER pipeline with static vectors", source=str(trained_dir))
    if consistency and "ner_consistency" not in nlp.pipe_names:
        nlp.add_pipe("evidence_ner_consistency", name="ner_consistency", after="ner")
    signature = vectors_signature(nlp.vocab.vectors)
    nlp.meta.update(
        name=MODEL_NAME,
        version=MODEL_VERSION,
        description=(
            "Chemical and disease NER (CHEMICAL, DISEASE doc.ents) trained on BC5CDR; needs the "
            "evidence static vectors table in its vocab (load with extractor.training.ner."
            "load_ner). See models/README.md."
        ),
    )
    nlp.meta[META_KEY] = signature
    nlp.meta.update(extra_meta or {})
    # Neither the table (models/pico-tagger holds it) nor the vocab's strings (every training
    # token; the labels live in the ner's moves) are saved: to_disk without "vocab".
    nlp.vocab.vectors = Vectors(shape=(0, 0), name=signature["name"])
    output_dir = Path(output_dir)
    if output_dir.exists():
        shutil.rmtree(output_dir)
    nlp.to_disk(output_dir, exclude=["vocab"])
    config = Config().from_disk(output_dir / "config.cfg", interpolate=False)
    for key in ("train", "dev", "vectors", "init_tok2vec"):
        config["paths"][key] = None
    config.to_disk(output_dir / "config.cfg")
    return output_dir


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        meta: dict[str, Any] = json.loads((Path(path) / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the NER model's meta.json: {exc}", source=str(path)) from exc
    if META_KEY not in meta:
        raise ModelError(f"meta.json has no {META_KEY!r} entry", source=str(path))
    return meta


def load_ner(path: Path, vocab: Vocab) -> Language:
    """Load the NER pipeline saved by :func:`export_ner` onto ``vocab``.

    ``vocab`` must already hold the static vectors table the model was trained with (the
    evidence pipeline copies ``models/pico-tagger``'s into its vocab); the table is checked
    against the shape, key count and digest in the model's ``meta.json``.

    Raises:
        ModelError: the folder cannot be loaded, or the vocab lacks the right vectors table.
    """
    path = Path(path)
    meta = _read_meta(path)
    check_vectors(vocab, meta[META_KEY], source=str(path))
    try:
        return spacy.load(path, vocab=vocab, exclude=["vocab"])
    except Exception as exc:  # spaCy raises many kinds (OSError, ValueError, config errors)
        raise ModelError(f"cannot load NER model: {exc}", source=str(path)) from exc


def source_ner(nlp: Language, path: Path, *, name: str = "ner_bc5cdr", **where: Any) -> str:
    """Add the components of the NER pipeline at ``path`` to ``nlp``, in order.

    The ``ner`` becomes ``name``, the consistency rules (if the model has them) follow it as
    ``<name>_consistency``; ``before=`` / ``after=`` / ``first=`` / ``last=`` place the first.
    ``nlp.vocab`` must already hold the evidence vectors table (see :func:`load_ner`).

    Returns:
        The name of the last component added, so a consumer of the entities can go after it.

    Raises:
        ModelError: as :func:`load_ner`.
    """
    ner = load_ner(path, nlp.vocab)
    added: list[str] = []
    for component in ner.pipe_names:
        new_name = name if component == "ner" else f"{name}_{component.removeprefix('ner_')}"
        placement = where if not added else {"after": added[-1]}
        nlp.add_pipe(component, name=new_name, source=ner, **placement)
        added.append(new_name)
    return added[-1]


def vectors_vocab(vectors_path: Path = DEFAULT_VECTORS) -> Vocab:
    """A fresh English vocab (``spacy.blank("en")``'s, as the evidence pipeline's) holding the
    vectors table of the pipeline folder ``vectors_path`` (``models/pico-tagger`` or
    ``build/vectors/model``; only its ``vocab`` folder is read).

    Raises:
        ModelError: the folder holds no readable vectors table.
    """
    vocab = spacy.blank("en").vocab
    vocab.vectors = vectors_from(vectors_path)
    return vocab


def vectors_from(path: Path) -> Vectors:
    """The vectors table of a saved pipeline (its ``vocab`` folder is read, nothing else).

    Raises:
        ModelError: ``path`` holds no vectors table.
    """
    folder = Path(path) / "vocab"
    if not (folder / "vectors").is_file():
        raise ModelError("no vectors table in this pipeline folder", source=str(path))
    try:
        return Vectors().from_disk(folder)
    except Exception as exc:  # numpy/srsly errors on a damaged table
        raise ModelError(f"cannot read the vectors table: {exc}", source=str(path)) from exc


# --- training ---------------------------------------------------------------------------------


def _vectors_path(shared_dir: Path, vectors: Path | None) -> Path:
    """The vectors pipeline to train with: ``vectors``, else ``build/vectors/model`` (built
    from the shared corpora when missing, 3–6 minutes)."""
    if vectors is not None:
        return Path(vectors)
    if not (DEFAULT_VECTORS / "vocab" / "vectors").is_file():
        from .vectors import build_vectors

        build_vectors(shared_dir, DEFAULT_VECTORS.parent)
    return DEFAULT_VECTORS


def train_ner(
    shared_dir: Path,
    output_dir: Path,
    *,
    config: Path = DEFAULT_CONFIG,
    vectors: Path | None = None,
    final: bool = True,
    max_steps: int | None = None,
    iob_view: bool = True,
    ncbi: bool = False,
    n_docs: int | None = None,
    dev_docs: int | None = None,
    build_dir: Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> Path:
    """Train the chemical/disease NER from scratch and export it to ``output_dir``.

    Args:
        shared_dir: the shared folder holding ``data/bc5cdr``.
        output_dir: where the exported pipeline goes (``models/ner``); replaced if present.
        config: a spaCy training config (``models/configs/ner.cfg``).
        vectors: a spaCy pipeline folder holding the static vectors (default
            ``build/vectors/model``, built when missing).
        final: train on BC5CDR train + dev for ``max_steps`` (default :data:`FINAL_STEPS`) and
            export the last model (the shipped one); otherwise train on train only and export
            the checkpoint with the best dev ``ents_f`` (model selection).
        max_steps: stop after this many updates.
        iob_view: also train on the BC5CDR IOB files' tokenisation of the same abstracts.
        ncbi: add NCBI-disease training sentences.
        n_docs: use the first ``n_docs`` training abstracts only (smoke tests).
        dev_docs: score only the first ``dev_docs`` dev abstracts during training.
        build_dir: DocBins and checkpoints (default ``build/ner``).
        overrides: extra config overrides, e.g. ``{"vars.width": 64}``.

    Returns:
        ``output_dir``.

    Raises:
        ConfigError: the config file is missing.
        ModelError: training produced no pipeline.
    """
    from spacy.cli.train import train as spacy_train

    config = Path(config)
    if not config.is_file():
        raise ConfigError(f"training config not found: {config}")
    build = Path(build_dir) if build_dir is not None else DEFAULT_BUILD
    data = write_ner_docbins(
        shared_dir,
        build / "data",
        with_dev=final,
        iob_view=iob_view,
        ncbi=ncbi,
        n_docs=n_docs,
        dev_docs=dev_docs,
    )
    steps = max_steps if max_steps is not None else (FINAL_STEPS if final else None)
    vectors_path = _vectors_path(shared_dir, vectors)
    settings: dict[str, Any] = {
        "paths.train": str(data["train"]),
        "paths.dev": str(data["dev"]),
        "paths.vectors": str(vectors_path),
    }
    if steps is not None:
        settings["training.max_steps"] = steps
        if final:  # dev is in the training data: no checkpoint choice, score once at the end
            settings["training.eval_frequency"] = steps
    settings.update(overrides or {})
    checkpoints = build / "training"
    started = time.perf_counter()
    spacy_train(config, checkpoints, overrides=settings)
    minutes = (time.perf_counter() - started) / 60
    trained = checkpoints / ("model-last" if final else "model-best")
    if not trained.is_dir():
        raise ModelError("training wrote no pipeline", source=str(checkpoints))
    extra = {
        "training_minutes": round(minutes, 1),
        "training_config": config.name,
        "training_data": "BC5CDR train"
        + (" + dev" if final else "")
        + (" (PubTator and IOB tokenisations)" if iob_view else "")
        + (" + NCBI-disease train" if ncbi else ""),
        "training_steps": steps,
        "read_stats": data["stats"],
    }
    if final:  # spaCy's figures on dev are in-sample here; the card has the train-only ones
        extra["performance"] = {"note": "trained on dev too: see models/README.md for figures"}
    exported = export_ner(trained, output_dir, extra_meta=extra)
    check_export(trained, exported, vectors_path, shared_dir / PUBTATOR_DIR / PUBTATOR_FILES["dev"])
    return exported


def check_export(trained_dir: Path, exported_dir: Path, vectors: Path, file: Path) -> int:
    """Check that the exported model, loaded by :func:`load_ner` onto a fresh vocab with the
    table at ``vectors``, predicts the same ``ner`` entities as the trained checkpoint on the
    first 20 abstracts of the PubTator ``file``.

    Returns:
        The number of entities compared.

    Raises:
        ModelError: a prediction differs.
    """
    trained = spacy.load(trained_dir)
    exported = load_ner(exported_dir, vectors_vocab(vectors))
    texts = [d.text for _, d in zip(range(20), iter_pubtator(file), strict=False)]
    compared = 0
    for text in texts:
        a = trained.get_pipe("ner")(pipeline_tokenizer(trained.vocab)(text))
        b = exported.get_pipe("ner")(pipeline_tokenizer(exported.vocab)(text))
        ents_a = [(e.start_char, e.end_char, e.label_) for e in a.ents]
        if ents_a != [(e.start_char, e.end_char, e.label_) for e in b.ents]:
            raise ModelError(
                "the exported NER predicts differently from the trained one",
                source=str(exported_dir),
            )
        compared += len(ents_a)
    return compared


def main(argv: list[str] | None = None) -> None:
    """``python -m extractor.training.ner``: train (and export) the NER, or score it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--build", type=Path, default=DEFAULT_BUILD)
    parser.add_argument("--vectors", type=Path, default=None)
    parser.add_argument("--train-only", action="store_true", help="model selection run")
    parser.add_argument("--ncbi", action="store_true", help="add NCBI-disease training data")
    parser.add_argument("--no-iob-view", action="store_true", help="PubTator abstracts only")
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--n-docs", type=int, default=None)
    parser.add_argument("--set", action="append", default=[], help="config override key=value")
    parser.add_argument("--export-only", type=Path, default=None, help="a trained model dir")
    args = parser.parse_args(argv)
    if args.export_only is not None:
        print(export_ner(args.export_only, args.output))
        return
    overrides: dict[str, Any] = {}
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except ValueError:  # a bare string such as a path
            overrides[key] = value
    out = train_ner(
        args.shared,
        args.output,
        config=args.config,
        vectors=args.vectors,
        final=not args.train_only,
        max_steps=args.max_steps,
        iob_view=not args.no_iob_view,
        ncbi=args.ncbi,
        n_docs=args.n_docs,
        build_dir=args.build,
        overrides=overrides,
    )
    print(out)


if __name__ == "__main__":
    from . import run_main

    run_main(main)
