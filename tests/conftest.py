"""Shared fixtures: the path to ../shared, a temporary database, the seed page."""

from __future__ import annotations

import os
from pathlib import Path

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
