"""``evidence evaluate …`` and ``evidence train …``: measure and rebuild the models."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from .clean.evaluate import evaluate_pages
from .cli_common import CONTEXT, F, friendly_errors
from .evaluation.design import evaluate_design
from .settings import get_settings


@click.group(context_settings=CONTEXT)
def evaluate() -> None:
    """Measure the tool against the annotated material in ../shared."""


@evaluate.command("pages", context_settings=CONTEXT)
@click.option(
    "--shared",
    "shared_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The shared folder [default: $EVIDENCE_SHARED or ../shared].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@friendly_errors
def evaluate_pages_cmd(shared_dir: Path | None, as_json: bool) -> None:
    """Score the page cleaner on shared/pages/GROUND_TRUTH.json.

    \b
    Example:
        evidence evaluate pages --json
    """
    report = evaluate_pages(shared_dir or get_settings().shared_dir)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    table = Table("page", "site", "outcome", "F1", "checks")
    for page in report.get("pages", []):
        f1 = page.get("f1")
        table.add_row(
            str(page.get("file", "")),
            str(page.get("site") or ""),
            str(page.get("outcome", "")),
            "" if f1 is None else f"{f1:.3f}",
            "; ".join(page.get("failures") or []) or "ok",
        )
    Console().print(table)
    totals = report.get("totals", {})
    for key, value in totals.items():
        click.echo(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
    if totals.get("n_failed"):
        sys.exit(1)


def _render_report(report: dict[str, Any], as_json: bool) -> None:
    """An evaluation report: the whole dict as JSON, or its figures as a two-column table."""
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return
    table = Table("metric", "value")
    for key, value in _flatten(report):
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    Console().print(table)


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Scalar figures of a nested report, keyed ``a.b.c``; lists (error examples) are skipped."""
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += _flatten(value, name + ".")
        elif isinstance(value, int | float | str | bool) or value is None:
            rows.append((name, value))
    return rows


def _shared(shared_dir: Path | None) -> Path:
    return shared_dir or get_settings().shared_dir


shared_option = click.option(
    "--shared",
    "shared_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The shared folder [default: $EVIDENCE_SHARED or ../shared].",
)


def split3_option(help_text: str) -> Callable[[F], F]:
    """``--split`` for the three-way train/dev/report split, with the command's ``help_text``."""
    return click.option(
        "--split",
        type=click.Choice(["train", "dev", "report", "all"]),
        default="report",
        show_default=True,
        help=help_text,
    )


split_option = click.option(
    "--split",
    type=click.Choice(["report", "dev", "all"]),
    default="report",
    show_default=True,
    help="Which part of the corpus: rules were developed on dev, figures are reported on report.",
)
limit_option = click.option("--limit", type=click.IntRange(min=1), help="Score at most N items.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")


@evaluate.command("sample-size", context_settings=CONTEXT)
@shared_option
@split_option
@limit_option
@json_option
@friendly_errors
def evaluate_sample_size_cmd(
    shared_dir: Path | None, split: str, limit: int | None, as_json: bool
) -> None:
    """Total N accuracy and arm-size precision/recall against PICO-Corpus.

    \b
    Example:
        evidence evaluate sample-size --split report --json
    """
    from .evaluation.pico_corpus import evaluate_sample_size  # lazy: spaCy (start-up time)

    _render_report(evaluate_sample_size(_shared(shared_dir), split=split, limit=limit), as_json)


@evaluate.command("arm-results", context_settings=CONTEXT)
@shared_option
@split_option
@limit_option
@json_option
@friendly_errors
def evaluate_arm_results_cmd(
    shared_dir: Path | None, split: str, limit: int | None, as_json: bool
) -> None:
    """Per-arm results (counts, percentages, means) against PICO-Corpus.

    \b
    Example:
        evidence evaluate arm-results
    """
    from .evaluation.pico_corpus import evaluate_arm_results  # lazy: spaCy (start-up time)

    _render_report(evaluate_arm_results(_shared(shared_dir), split=split, limit=limit), as_json)


@evaluate.command("condition", context_settings=CONTEXT)
@shared_option
@split_option
@limit_option
@json_option
@friendly_errors
def evaluate_condition_cmd(
    shared_dir: Path | None, split: str, limit: int | None, as_json: bool
) -> None:
    """Population condition (filled, correct) against PICO-Corpus condition annotations.

    \b
    Example:
        evidence evaluate condition --split dev
    """
    from .evaluation.pico_corpus import evaluate_condition  # lazy: spaCy (start-up time)

    _render_report(evaluate_condition(_shared(shared_dir), split=split, limit=limit), as_json)


@evaluate.command("doses", context_settings=CONTEXT)
@shared_option
@split_option
@limit_option
@json_option
@friendly_errors
def evaluate_doses_cmd(
    shared_dir: Path | None, split: str, limit: int | None, as_json: bool
) -> None:
    """Recall of dose amount+unit against Evidence Inference prompts.

    \b
    Example:
        evidence evaluate doses --split report
    """
    from .evaluation.doses import evaluate_doses  # lazy: spaCy (start-up time)

    _render_report(evaluate_doses(_shared(shared_dir), split=split, limit=limit), as_json)


@evaluate.command("direction", context_settings=CONTEXT)
@shared_option
@split3_option(
    "Three-way split of the articles: the model is fitted on train, chosen on dev, "
    "reported on report."
)
@limit_option
@click.option(
    "--mode",
    type=click.Choice(["oracle", "pipeline"]),
    default="oracle",
    show_default=True,
    help="oracle: classify the annotated evidence sentence; pipeline: find it ourselves too.",
)
@json_option
@friendly_errors
def evaluate_direction_cmd(
    shared_dir: Path | None, split: str, limit: int | None, mode: str, as_json: bool
) -> None:
    """Effect direction accuracy and macro-F1 against Evidence Inference annotations.

    \b
    Example:
        evidence evaluate direction --mode pipeline
    """
    from .evaluation.direction import evaluate_direction  # lazy: spaCy (start-up time)

    report = evaluate_direction(_shared(shared_dir), split=split, mode=mode, limit=limit)
    _render_report(report, as_json)


@evaluate.command("records", context_settings=CONTEXT)
@shared_option
@split3_option(
    "Three-way split of the articles: rules and models are chosen on dev; report is "
    "frozen (its id digest is pinned in the tests) and quoted only."
)
@click.option(
    "--limit", type=click.IntRange(min=1), help="Score the prompts of the first N articles."
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1, max=64),
    default=1,
    show_default=True,
    help="Worker processes for the extraction (as evidence batch --jobs).",
)
@click.option(
    "--examples",
    type=click.IntRange(min=0, max=1000),
    default=0,
    help="List up to N missed prompts with the record's arms and comparisons (with --json).",
)
@json_option
@friendly_errors
def evaluate_records_cmd(
    shared_dir: Path | None,
    split: str,
    limit: int | None,
    jobs: int,
    examples: int,
    as_json: bool,
) -> None:
    """Records end to end against Evidence Inference prompts (files in, records out).

    The .abst files go through the same path as `evidence batch`; for each prompt whose
    evidence lies in the abstract: intervention found, outcome found, intervention +
    comparator + outcome matched in one comparison, and answered (with the right direction).
    Names match at token F1 >= 0.3.

    \b
    Example:
        evidence evaluate records --split dev --json --examples 20
    """
    from .evaluation.records import evaluate_records  # lazy: spaCy (start-up time)

    report = evaluate_records(
        _shared(shared_dir), split=split, limit=limit, jobs=jobs, examples=examples
    )
    _render_report(report, as_json)


@evaluate.command("design", context_settings=CONTEXT)
@shared_option
@split_option
@limit_option
@json_option
@friendly_errors
def evaluate_design_cmd(
    shared_dir: Path | None, split: str, limit: int | None, as_json: bool
) -> None:
    """Study-design detection: RCT recall on trial corpora, accuracy on a checked sample.

    \b
    Example:
        evidence evaluate design
    """
    _render_report(evaluate_design(_shared(shared_dir), split=split, limit=limit), as_json)


@evaluate.command("pico", context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The pipeline to score [default: models/pico-tagger].",
)
@limit_option
@json_option
@friendly_errors
def evaluate_pico_cmd(file: Path, model_dir: Path | None, limit: int | None, as_json: bool) -> None:
    """Token- and span-level P/I/O scores of a PICO model on an EBM-NLP-format FILE.

    Token-level F1 per element and their macro average are defined as in EBM-NLP/BLURB, so
    the figures compare with the published ones.

    \b
    Example:
        evidence evaluate pico ../shared/data/ebm_nlp/starting_spans/dev.txt
    """
    from .training.evaluate import evaluate_pico  # lazy: spaCy (start-up time)

    model = model_dir or get_settings().models_dir / "pico-tagger"
    _render_report(evaluate_pico(model, file, limit=limit), as_json)


@evaluate.command("pico-records", context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--skip", type=click.IntRange(min=0), default=0, help="Leave out the first N abstracts."
)
@limit_option
@click.option("--jobs", default="auto", show_default=True, help="evidence batch --jobs.")
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the text files and records (records.jsonl) in this folder.",
)
@json_option
@friendly_errors
def evaluate_pico_records_cmd(
    file: Path, skip: int, limit: int | None, jobs: str, keep: Path | None, as_json: bool
) -> None:
    """P/I/O token F1 of the records' spans on an EBM-NLP FILE, end to end.

    Each abstract is written as a text file and the folder goes through `evidence batch` with
    the models in use (EVIDENCE_MODELS); the records' spans are mapped back to the file's
    tokens and scored with EBM-NLP's token-level metric. Compare `evidence evaluate pico`,
    the tagger alone on the file's own tokens.

    \b
    Example:
        evidence evaluate pico-records ../shared/data/ebm_nlp/starting_spans/dev.txt --skip 300
    """
    from .evaluation.pico_records import evaluate_pico_records  # lazy: spaCy (start-up time)

    report = evaluate_pico_records(file, skip=skip, limit=limit, jobs=jobs, keep=keep)
    _render_report(report, as_json)


@evaluate.command("ner", context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The NER pipeline to score [default: models/ner].",
)
@click.option(
    "--vectors",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Pipeline folder holding the static vectors [default: models/pico-tagger].",
)
@limit_option
@json_option
@friendly_errors
def evaluate_ner_cmd(
    file: Path, model_dir: Path | None, vectors: Path | None, limit: int | None, as_json: bool
) -> None:
    """Entity-level exact P/R/F1 (CHEMICAL, DISEASE, micro) of the NER model on FILE.

    FILE is a PubTator file (BC5CDR) or an IOB file (token<TAB>B-/I-/O); the format is
    detected. PubTator text is tokenised like the evidence pipeline; "aligned" also scores
    against the gold widened to whole tokens.

    \b
    Example:
        evidence evaluate ner ../shared/data/bc5cdr/pubtator/CDR_DevelopmentSet.PubTator.txt
        evidence evaluate ner ../shared/data/ncbi_disease/iob/devel.tsv --json
    """
    from .training.ner_eval import evaluate_ner, format_ner_table  # lazy: spaCy (start-up time)

    model = model_dir or get_settings().models_dir / "ner"
    report = evaluate_ner(model, file, vectors=vectors, limit=limit)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(format_ner_table(report))


@click.group(context_settings=CONTEXT)
def train() -> None:
    """Rebuild the project's statistical models from ../shared/data."""


@train.command("pico", context_settings=CONTEXT)
@shared_option
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the pipeline [default: models/pico-tagger].",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="spaCy training config [default: models/configs/pico-context2.cfg].",
)
@click.option("--max-steps", type=click.IntRange(min=1), help="Stop after N steps (smoke runs).")
@click.option("--n-docs", type=click.IntRange(min=1), help="Train on the first N documents only.")
@friendly_errors
def train_pico_cmd(
    shared_dir: Path | None,
    output: Path | None,
    config: Path | None,
    max_steps: int | None,
    n_docs: int | None,
) -> None:
    """Train the PICO span model on EBM-NLP and write it to models/pico-tagger.

    \b
    Example:
        evidence train pico
        evidence train pico --max-steps 20 --n-docs 50 --output /tmp/pico-smoke
    """
    from .training.train import DEFAULT_CONFIG, train_pico  # lazy: spaCy (start-up time)

    settings = get_settings()
    path = train_pico(
        _shared(shared_dir),
        output or settings.models_dir / "pico-tagger",
        config=config or DEFAULT_CONFIG,
        max_steps=max_steps,
        n_docs=n_docs,
    )
    click.echo(f"model written to {path}", err=True)


@train.command("ner", context_settings=CONTEXT)
@shared_option
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the pipeline [default: models/ner].",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="spaCy training config [default: models/configs/ner.cfg].",
)
@click.option(
    "--vectors",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder with the static vectors [default: build/vectors/model, built if absent].",
)
@click.option(
    "--train-only",
    is_flag=True,
    help="Train on BC5CDR train only, keep the best dev checkpoint (model selection).",
)
@click.option("--max-steps", type=click.IntRange(min=1), help="Stop after N steps (smoke runs).")
@click.option("--n-docs", type=click.IntRange(min=1), help="Train on the first N abstracts only.")
@friendly_errors
def train_ner_cmd(
    shared_dir: Path | None,
    output: Path | None,
    config: Path | None,
    vectors: Path | None,
    train_only: bool,
    max_steps: int | None,
    n_docs: int | None,
) -> None:
    """Train the chemical/disease NER on BC5CDR and write it to models/ner.

    The shipped model is trained on BC5CDR train + dev for a fixed number of steps; it is
    saved without the static vectors table (models/pico-tagger holds it).

    \b
    Example:
        evidence train ner
        evidence train ner --max-steps 5 --n-docs 10 --output /tmp/ner-smoke
    """
    from .training.ner import DEFAULT_CONFIG, train_ner  # lazy: spaCy (start-up time)

    path = train_ner(
        _shared(shared_dir),
        output or get_settings().models_dir / "ner",
        config=config or DEFAULT_CONFIG,
        vectors=vectors,
        final=not train_only,
        max_steps=max_steps,
        n_docs=n_docs,
    )
    click.echo(f"model written to {path}", err=True)


@train.command("direction", context_settings=CONTEXT)
@shared_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the model JSON [default: models/direction/direction.json].",
)
@click.option("--force", is_flag=True, help="Write the model even if the rules win on dev.")
@click.option("--limit", type=click.IntRange(min=1), help="Train on the first N examples only.")
@friendly_errors
def train_direction_cmd(
    shared_dir: Path | None, output: Path | None, force: bool, limit: int | None
) -> None:
    """Train the effect-direction classifier on Evidence Inference (train split, chosen on dev).

    Prints the dev figures of the rules and of the model as JSON; writes the model only when it
    beats the rules on dev (or with --force).

    \b
    Example:
        evidence train direction
        evidence train direction --limit 200 --output /tmp/direction.json --force
    """
    from .training.direction import MODEL_FILE, train_direction  # lazy: spaCy (start-up time)

    settings = get_settings()
    default = settings.models_dir / "direction" / MODEL_FILE.name
    summary = train_direction(_shared(shared_dir), output or default, limit=limit, force=force)
    click.echo(json.dumps(summary, indent=2))
    if summary["written"]:
        click.echo(f"model written to {summary['written']}", err=True)
    else:
        click.echo("model not written: it does not beat the rules on dev", err=True)


@train.command("arms", context_settings=CONTEXT)
@shared_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the model JSON [default: models/arm-selector/arm_selector.json].",
)
@click.option(
    "--limit", type=click.IntRange(min=1), help="Use the first N articles of each split (smoke)."
)
@friendly_errors
def train_arms_cmd(shared_dir: Path | None, output: Path | None, limit: int | None) -> None:
    """Train the arm selector on Evidence Inference prompts (fit on train, chosen on dev).

    Needs the development extras (scipy). About two minutes on one core.

    \b
    Example:
        evidence train arms
    """
    from .training.arm_selector import train as train_selector  # lazy: spaCy (start-up time)

    summary = train_selector(_shared(shared_dir), output=output, limit=limit)
    click.echo(json.dumps(summary, indent=2))


@train.command("all", context_settings=CONTEXT)
@shared_option
@click.option(
    "--models",
    "models_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the models go [default: $EVIDENCE_MODELS or models/].",
)
@click.option(
    "--only",
    multiple=True,
    help="Rebuild only this step (repeatable): vectors, pico, ner, arm-sizes, arms.",
)
@friendly_errors
def train_all_cmd(shared_dir: Path | None, models_dir: Path | None, only: tuple[str, ...]) -> None:
    """Rebuild every shipped model from ../shared, in dependency order (about 50 minutes).

    Static vectors (build/vectors), the PICO tagger, the chemical/disease NER, the arm-size
    model and the arm selector (trained on the spans of the models before it). Each model's
    card in models/README.md gives its data, config, seed and figures.

    \b
    Example:
        evidence train all
        evidence train all --only ner --only arms
    """
    from .training.all_models import train_all  # lazy: spaCy (start-up time)

    models = models_dir or get_settings().models_dir
    done = train_all(_shared(shared_dir), models, only=only, say=lambda m: click.echo(m, err=True))
    click.echo(json.dumps(done, indent=2))
