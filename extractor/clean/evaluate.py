"""Evaluate the page cleaner against ``pages/GROUND_TRUTH.json`` in the shared folder.

Rules (documented here because the ground truth comes from several projects):

* ``expected_abstract``: bag-of-words token F1 (lower-cased ``\\w+`` tokens) of the extracted
  abstract; a page *passes* at F1 ≥ 0.95. ``fraction_f1`` is over pages with an expected abstract.
* ``must_contain`` / ``must_start_with`` are checked against ``title + "\\n" + abstract``
  (``must_start_with`` against the abstract). They are *enforced* for research pages only. On
  non-research pages (news, health portals) a ``NoAbstractError`` is the right answer; when the
  generic fallback does extract text there, the checks are reported under ``informational``.
  A ``must_contain`` string that the page holds only inside a reference list (an element whose
  id/class names references/bibliography) is out of scope for an abstract extractor and is
  reported as ``skipped``.
* ``must_not_contain`` is always enforced on whatever was extracted.
* ``expect_blocked``: the page must raise ``BlockedPageError``.
* ``title`` and ``doi`` in the ground truth are compared (case/space-insensitive) and reported.
* Metadata completeness: on research pages (``is_research_abstract`` or an
  ``expected_abstract``) that clean into a Document, which of title/doi/journal/year/authors
  are present (``metadata_missing`` per page; fractions in the totals).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup

from ..errors import BlockedPageError, CleanError
from ..evaluation.scoring import prf
from .html import clean_html

PASS_F1 = 0.95
METADATA_FIELDS = ("title", "doi", "journal", "year", "authors")
_REFS = re.compile(r"reference|bibliograph|citation-list|ref-list", re.I)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens used for F1."""
    return re.findall(r"\w+", text.lower())


def token_f1(predicted: str, expected: str) -> float:
    """Bag-of-words F1 between two texts (1.0 when both are empty)."""
    pred, gold = Counter(tokens(predicted)), Counter(tokens(expected))
    if not pred and not gold:
        return 1.0
    return prf(sum((pred & gold).values()), sum(pred.values()), sum(gold.values())).f1


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def _only_in_references(html: str, needle: str) -> bool:
    """True when every occurrence of ``needle`` in the page sits inside a reference list."""
    soup = BeautifulSoup(html, "lxml")
    hits = [s for s in soup.find_all(string=True) if needle.strip()[:40] in s]
    if not hits:
        return False
    for hit in hits:
        in_refs = any(
            _REFS.search(" ".join([str(p.get("id") or ""), *(p.get("class") or [])]))
            for p in hit.parents
            if p.name
        )
        if not in_refs:
            return False
    return True


def evaluate_page(entry: dict[str, Any], pages_dir: Path) -> dict[str, Any]:
    """Run the cleaner over one ground-truth entry and score it."""
    path = pages_dir / entry["file"]
    html = path.read_bytes().decode("utf-8", errors="replace")
    research = _is_research(entry)
    result: dict[str, Any] = {"file": entry["file"], "research": research, "failures": []}
    failures: list[str] = result["failures"]
    try:
        doc = clean_html(html, source=str(path), url=entry.get("url"))
    except BlockedPageError as exc:
        result["outcome"] = "blocked"
        result["error"] = exc.message
        if not entry.get("expect_blocked"):
            failures.append(f"unexpectedly blocked: {exc.message}")
        return result
    except CleanError as exc:
        result["outcome"] = exc.kind
        result["error"] = exc.message
        if entry.get("expect_blocked"):
            failures.append("expected a blocked page")
        elif entry.get("expected_abstract") or (research and _has_checks(entry)):
            failures.append(f"{exc.kind}: {exc.message}")
        return result
    result.update(outcome="ok", site=doc.site, title=doc.title, doi=doc.doi)
    if research:
        result["metadata_missing"] = [f for f in METADATA_FIELDS if not getattr(doc, f)]
    if entry.get("expect_blocked"):
        failures.append("expected a blocked page, got an abstract")
    text = f"{doc.title}\n{doc.abstract}"
    if entry.get("expected_abstract"):
        result["f1"] = round(token_f1(doc.abstract, entry["expected_abstract"]), 4)
        if result["f1"] < PASS_F1:
            failures.append(f"F1 {result['f1']:.3f} < {PASS_F1}")
    informational: list[str] = []
    skipped: list[str] = []
    target = failures if research else informational
    for needle in entry.get("must_contain") or []:
        if _squash(needle) in _squash(text):
            continue
        if _only_in_references(html, needle):
            skipped.append(f"must_contain (reference list only): {needle!r}")
        else:
            target.append(f"missing must_contain: {needle!r}")
    start = entry.get("must_start_with")
    if start and not _squash(doc.abstract).startswith(_squash(start)):
        target.append(f"abstract does not start with {start!r}")
    for needle in entry.get("must_not_contain") or []:
        if _squash(needle) in _squash(text):
            failures.append(f"contains must_not_contain: {needle!r}")
    if entry.get("title"):
        result["title_ok"] = _squash(entry["title"]) == _squash(doc.title)
    if entry.get("doi"):
        result["doi_ok"] = (doc.doi or "").lower() == entry["doi"].lower()
    result["informational"] = informational
    result["skipped"] = skipped
    return result


def _is_research(entry: dict[str, Any]) -> bool:
    if "is_research_abstract" in entry:
        return bool(entry["is_research_abstract"])
    return bool(entry.get("expected_abstract")) and not entry.get("expect_blocked")


def _metadata_totals(results: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [r["metadata_missing"] for r in results if "metadata_missing" in r]
    n = len(rows)
    out: dict[str, Any] = {
        "n_metadata_pages": n,
        "metadata_complete": (sum(1 for m in rows if not m) / n) if n else 1.0,
    }
    for field in METADATA_FIELDS:
        out[f"metadata_{field}"] = (sum(1 for m in rows if field not in m) / n) if n else 1.0
    return out


def _has_checks(entry: dict[str, Any]) -> bool:
    return bool(entry.get("must_contain") or entry.get("must_start_with"))


def evaluate_pages(shared_dir: Path) -> dict[str, Any]:
    """Evaluate every entry of ``pages/GROUND_TRUTH.json`` under ``shared_dir``.

    Args:
        shared_dir: the shared folder (holding ``pages/``).

    Returns:
        ``{"pages": [per-page results], "totals": {...}}``; totals hold ``n_expected``,
        ``n_f1_pass``, ``fraction_f1`` (pages with an expected abstract reaching F1 ≥ 0.95),
        ``mean_f1``, ``n_failed`` (pages with any enforced failure), ``blocked_ok``,
        ``title_accuracy``, ``doi_accuracy``, and metadata completeness over research pages
        that gave a Document: ``n_metadata_pages``, ``metadata_complete`` (all of
        title/doi/journal/year/authors present) and ``metadata_<field>`` per field.
    """
    pages_dir = Path(shared_dir) / "pages"
    truth = json.loads((pages_dir / "GROUND_TRUTH.json").read_text("utf-8"))
    results = [evaluate_page(entry, pages_dir) for entry in truth["entries"]]
    f1s = [r["f1"] for r in results if "f1" in r]
    n_expected = sum(1 for e in truth["entries"] if e.get("expected_abstract"))
    titles = [r["title_ok"] for r in results if "title_ok" in r]
    dois = [r["doi_ok"] for r in results if "doi_ok" in r]
    blocked = [e for e in truth["entries"] if e.get("expect_blocked")]
    totals = {
        "n_pages": len(results),
        "n_expected": n_expected,
        "n_f1_pass": sum(1 for f in f1s if f >= PASS_F1),
        "fraction_f1": (sum(1 for f in f1s if f >= PASS_F1) / n_expected) if n_expected else 1.0,
        "mean_f1": (sum(f1s) / n_expected) if n_expected else 1.0,
        "n_failed": sum(1 for r in results if r["failures"]),
        "blocked_ok": sum(1 for r in results if r["outcome"] == "blocked" and not r["failures"]),
        "n_blocked_expected": len(blocked),
        "title_accuracy": (sum(titles) / len(titles)) if titles else 1.0,
        "doi_accuracy": (sum(dois) / len(dois)) if dois else 1.0,
        "n_informational": sum(1 for r in results if r.get("informational")),
        **_metadata_totals(results),
    }
    return {"pages": results, "totals": totals}


__all__ = ["evaluate_page", "evaluate_pages", "token_f1", "tokens"]
