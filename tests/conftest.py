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
