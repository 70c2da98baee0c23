"""Shared fixtures: the path to ../shared, a temporary database, the seed page."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "corpus" / "000_f4ed41669ad21fb4.txt"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/* from the current output instead of comparing",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (or ``$EVIDENCE_SHARED``); skip when absent, fail under CI=true."""
    path = Path(os.environ.get("EVIDENCE_SHARED") or REPO.parent / "shared")
    if not path.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared material missing at {path} (set EVIDENCE_SHARED)")
        pytest.skip(f"shared material not found at {path}; set EVIDENCE_SHARED")
    return path


@pytest.fixture(scope="session")
def shared_file(shared_dir: Path) -> Callable[[str], Path]:
    """``shared_file("data/x")``: that path under the shared folder; skip when it is missing,
    fail under CI=true (a gate never skips silently in CI)."""

    def get(relative: str) -> Path:
        path = shared_dir / relative
        if not path.exists():
            if os.environ.get("CI") == "true":
                pytest.fail(f"shared material missing: {path}")
            pytest.skip(f"{path} not in the shared folder")
        return path

    return get


def _skip_or_fail(reason: str) -> NoReturn:
    """Skip a test whose shared material is missing; fail it under CI=true instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"shared material missing under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def missing_shared() -> Callable[[str], NoReturn]:
    """``missing_shared(reason)``: skip when data the test needs is absent, fail under CI=true.

    For checks the ``shared_dir``/``shared_file`` fixtures cannot make (a folder with no pages,
    a parametrized file that is gone); a gate never skips silently in CI.
    """
    return _skip_or_fail


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "evidence.db"


# --- NLP stage: one pipeline per session, the seed page as a Document --------------------------

SEED_TITLE = (
    "Intravenous immunoglobulin (IVIg) for therapy-resistant cutaneous lupus erythematosus (LE)."
)
_SEED_HEADINGS = {"BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSION"}


def _seed_sections(abstract: str) -> tuple:
    """Section bodies after each "LABEL: " heading (CONCLUSION normalised to CONCLUSIONS)."""
    from extractor.records import Section

    sections = []
    pos = 0
    for para in abstract.split("\n\n"):
        start = abstract.index(para, pos)
        label, _, _body = para.partition(": ")
        body_start = start + len(label) + 2
        label = "CONCLUSIONS" if label == "CONCLUSION" else label
        sections.append(Section(label, body_start, start + len(para)))
        pos = start + len(para)
    return tuple(sections)


@pytest.fixture(scope="session")
def nlp():
    """The evidence pipeline (rules only: no models directory)."""
    from extractor.nlp import build_pipeline

    return build_pipeline(models_dir=REPO / "tests" / "no-models-here")


@pytest.fixture(scope="session")
def seed_document():
    """The seed page as the cleaner hands it over: five heading paragraphs joined by blank lines."""
    from extractor.records import Document

    paragraphs = [
        p.strip()
        for p in SEED.read_text(encoding="utf-8").split("\n\n")
        if p.strip().split(":", 1)[0] in _SEED_HEADINGS
    ]
    abstract = "\n\n".join(paragraphs)
    return Document(
        title=SEED_TITLE,
        abstract=abstract,
        sections=_seed_sections(abstract),
        publication_types=("Clinical Trial", "Journal Article"),
        source=str(SEED),
    )


# --- read side: one database of real abstracts per session ---------------------------------------

EVIDENCE_DB_EI_FILES = 430  # Evidence Inference abstracts (sorted by PMC number) in evidence_db


def evidence_db_sources(shared: Path) -> list[str]:
    """The real inputs of :func:`evidence_db`: the seed, PubMed XML/MEDLINE, EI abstracts."""
    folder = shared / "data" / "evidence_inference" / "abstracts"
    abst = sorted(folder.glob("PMC*.abst"), key=lambda p: int(p.stem[3:]))
    pubmed = sorted((shared / "pubmed" / "xml" / "metapub").glob("*.xml"))
    medline = sorted((shared / "pubmed" / "medline").rglob("*.*"))
    return [str(SEED)] + [str(p) for p in pubmed + medline + abst[:EVIDENCE_DB_EI_FILES]]


@pytest.fixture(scope="session")
def evidence_db(shared_dir: Path, nlp, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of at least 500 real abstracts from ../shared (built once per session).

    Read-only by convention: tests that write copy it first.
    """
    from extractor.extraction import extract_batch
    from extractor.records import Evidence
    from extractor.store import database, store_record

    path = tmp_path_factory.mktemp("evidence-db") / "evidence.db"
    with database(path) as db:
        for item in extract_batch(evidence_db_sources(shared_dir), nlp=nlp):
            if isinstance(item, Evidence):
                store_record(db, item)
        stored = db["evidence"].count
    assert stored >= 500, f"evidence_db holds only {stored} records"
    return path
