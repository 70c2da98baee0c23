"""One Settings object, read from ``EVIDENCE_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


@dataclass(frozen=True, slots=True)
class Settings:
    """Runtime settings; every field can be set with an environment variable.

    Attributes:
        db_path: default database (``EVIDENCE_DB``).
        models_dir: where trained pipelines live (``EVIDENCE_MODELS``).
        shared_dir: the shared corpora, for evaluation (``EVIDENCE_SHARED``).
        user_agent: sent with every HTTP request (``EVIDENCE_USER_AGENT``).
        timeout: seconds per HTTP request (``EVIDENCE_TIMEOUT``).
        retries: retries on 429/5xx/connection errors (``EVIDENCE_RETRIES``).
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
        """Build settings from the environment, falling back to the defaults."""
        base = cls()
        return cls(
            db_path=Path(os.environ.get("EVIDENCE_DB") or base.db_path),
            models_dir=Path(os.environ.get("EVIDENCE_MODELS") or base.models_dir),
            shared_dir=Path(os.environ.get("EVIDENCE_SHARED") or base.shared_dir),
            user_agent=os.environ.get("EVIDENCE_USER_AGENT") or base.user_agent,
            timeout=_float_env("EVIDENCE_TIMEOUT", base.timeout),
            retries=_int_env("EVIDENCE_RETRIES", base.retries),
            backoff=_float_env("EVIDENCE_BACKOFF", base.backoff),
            max_bytes=_int_env("EVIDENCE_MAX_BYTES", base.max_bytes),
        )


def get_settings() -> Settings:
    """Return the settings in force now (read fresh from the environment)."""
    return Settings.from_env()
