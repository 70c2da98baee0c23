"""The cleaning strategy that found an abstract is recorded on the document.

``Document.site`` names the site profile; ``Document.cleaning`` says which strategy of the
cascade produced the abstract, so a wrong abstract can be traced to the rule that chose it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.clean.html import clean_html
from extractor.clean.text import clean_text
from extractor.errors import ExtractorError

SITE_STRATEGIES = ("site-selectors", "site-meta")
GENERIC_STRATEGIES = ("containers", "anchor", "heading", "meta-abstract", "meta-description")

ABSTRACT = (
    "Twelve patients with refractory cutaneous lupus received intravenous immunoglobulin "
    "1 g/kg on two days, then 400 mg/kg monthly for six months. Five of them responded, "
    "with more than 75% improvement of the skin score. Treatment was well tolerated."
)


@pytest.mark.parametrize(
    ("body", "head", "strategy"),
    [
        (f'<div class="abstract"><p>{ABSTRACT}</p></div>', "", "containers"),
        (f"<h2>Abstract</h2><p>{ABSTRACT}</p>", "", "heading"),
        (
            "<p>Cookie settings.</p>",
            f'<meta name="description" content="{ABSTRACT} {ABSTRACT}">',
            "meta-description",
        ),
    ],
    ids=["containers", "heading", "meta-description"],
)
def test_a_generic_page_records_the_fallback_that_fired(
    body: str, head: str, strategy: str
) -> None:
    page = f"<html><head><title>Trial</title>{head}</head><body>{body}</body></html>"
    doc = clean_html(page, source="page.html")
    assert doc.site == "generic"
    assert doc.cleaning == strategy
    assert "Twelve patients" in doc.abstract


def test_saved_pages_name_the_profile_and_the_strategy(shared_dir: Path) -> None:
    """On the shared saved pages: a profiled site says which of its rules fired, and a page
    no profile knows says which generic fallback did."""
    seen = set()
    for path in sorted((shared_dir / "pages").rglob("*.htm*")):
        try:
            doc = clean_html(path.read_text(errors="replace"), source=str(path))
        except ExtractorError:
            continue
        assert doc.cleaning in SITE_STRATEGIES + GENERIC_STRATEGIES, path
        assert (doc.site == "generic") == (doc.cleaning in GENERIC_STRATEGIES), path
        seen.add(doc.cleaning)
    assert {"site-selectors", "containers"} <= seen


def test_plain_text_records_text() -> None:
    doc = clean_text(f"A trial of IVIg\n\n{ABSTRACT}", source="a.txt")
    assert doc.cleaning == "text"
