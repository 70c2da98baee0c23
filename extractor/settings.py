"""One Settings object, read from ``EVIDENCE_*`` environment variables."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


# Longest abstract the pipeline accepts, in characters. Real abstracts stay under ~10,000;
# anything near spaCy's own limit (1,000,000) is a full text, several records run together or
# not an abstract at all, and would take minutes and gigabytes.
MAX_ABSTRACT_CHARS = 100_000


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")


def _float_env(name: str, default: float, *, minimum: float, positive: bool = False) -> float:
    """``$name`` as a finite number ≥ ``minimum`` (> when ``positive``), else ``default``."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {_shown(raw)}") from exc
    if not math.isfinite(value) or value < minimum or (positive and value == minimum):
        bound = f"more than {minimum:g}" if positive else f"at least {minimum:g}"
        raise ConfigError(f"{name} must be a number {bound}, got {_shown(raw)}")
    return value


def _int_env(name: str, default: int, *, minimum: int, maximum: int) -> int:
    """``$name`` as an integer in ``minimum..maximum``, else ``default``."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {_shown(raw)}") from exc
    if not minimum <= value <= maximum:
        raise ConfigError(f"{name} must be from {minimum} to {maximum}, got {_shown(raw)}")
    return value


def _models_env(default: Path) -> Path:
    """``$EVIDENCE_MODELS``, which must be an existing folder when it is set."""
    raw = os.environ.get("EVIDENCE_MODELS")
    if raw is None or raw.strip() == "":
        return default
    path = Path(raw)
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "does not exist"
        raise ConfigError(f"EVIDENCE_MODELS {what}: {_shown(raw)}")
    return path


@dataclass(frozen=True, slots=True)
class Settings:
    """Runtime settings; every field can be set with an environment variable.

    Attributes:
        db_path: default database (``EVIDENCE_DB``).
        models_dir: where trained pipelines live (``EVIDENCE_MODELS``; when set, an
            existing folder).
        shared_dir: the shared corpora, for evaluation (``EVIDENCE_SHARED``).
        user_agent: sent with every HTTP request (``EVIDENCE_USER_AGENT``).
        timeout: seconds per HTTP request (``EVIDENCE_TIMEOUT``).
        retries: retries on 429/5xx/connection errors (``EVIDENCE_RETRIES``, 0 to 100).
        backoff: backoff factor between retries, seconds (``EVIDENCE_BACKOFF``).
        max_bytes: largest input accepted, bytes (``EVIDENCE_MAX_BYTES``).
    """

    db_path: Path = field(default_factory=lambda: Path("output") / "evidence.db")
    models_dir: Path = REPO_DIR / "models"
    shared_dir: Path = REPO_DIR.parent / "shared"
    user_agent: str = "evidence-extractor/0.1 (+https://pypi.org/project/evidence-extractor)"
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 0.5
    max_bytes: int = 20_000_000

    @classmethod
    def from_env(cls) -> Settings:
        """Build settings from the environment, falling back to the defaults.

        Raises:
            ConfigError: a variable is not a number, out of range, or ``EVIDENCE_MODELS`` is
                not an existing folder.
        """
        base = cls()
        return cls(
            db_path=Path(os.environ.get("EVIDENCE_DB") or base.db_path),
            models_dir=_models_env(base.models_dir),
            shared_dir=Path(os.environ.get("EVIDENCE_SHARED") or base.shared_dir),
            user_agent=os.environ.get("EVIDENCE_USER_AGENT") or base.user_agent,
            timeout=_float_env("EVIDENCE_TIMEOUT", base.timeout, minimum=0, positive=True),
            retries=_int_env("EVIDENCE_RETRIES", base.retries, minimum=0, maximum=100),
            backoff=_float_env("EVIDENCE_BACKOFF", base.backoff, minimum=0),
            max_bytes=_int_env("EVIDENCE_MAX_BYTES", base.max_bytes, minimum=1, maximum=2**62),
        )


def get_settings() -> Settings:
    """Return the settings in force now (read fresh from the environment)."""
    return Settings.from_env()
