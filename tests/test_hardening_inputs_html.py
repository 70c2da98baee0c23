"""Hardening (issue 14): deeply nested pages are cleaned in linear time or refused at once.

Before, ``_after_heading`` called ``get_text()`` on every element, re-reading each subtree
once per ancestor: a page nested 10,000 deep took 22 s, one nested 100,000 deep over 180 s,
and nesting a few hundred deep broke the recursive helpers (``RecursionError``). Pages nested
more than ``MAX_DEPTH`` elements are now refused with one line; pages under the limit are
cleaned as before. Timings are loose (a quadratic regression costs tens of seconds here).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest
from bs4 import Tag

from extractor.clean import clean_html, html, sites
from extractor.clean.html import MAX_DEPTH, _candidate_lengths, _soup, parse_page
from extractor.clean.meta import short_texts
from extractor.clean.sections import normalise_space
from extractor.clean.sites import candidate_profiles
from extractor.errors import InputError, NoAbstractError
from extractor.sources import load_document

ABSTRACT = " ".join(
    ["Patients with lupus were randomised to immunoglobulin or placebo and followed."] * 4
)
HEAD = "<html><head><title>A trial</title></head><body>"
TAIL = "</body></html>"


def nested(depth: int, inner: str, tag: str = "div") -> str:
    """``inner`` wrapped in ``depth`` nested ``<tag>`` elements, inside html/body."""
    return HEAD + f"<{tag}>" * depth + inner + f"</{tag}>" * depth + TAIL


def heading_page(depth: int, filler: int = 0) -> str:
    """An Abstract heading and its paragraph ``depth`` divs down, then ``filler`` spans."""
    return nested(depth, f"<h2>Abstract</h2><p>{ABSTRACT}</p>" + "<span>x</span>" * filler)


def timed(func: Callable[[], object]) -> tuple[object, float]:
    started = time.monotonic()
    try:
        result: object = func()
    except Exception as exc:
        result = exc
    return result, time.monotonic() - started


# Depth under the limit that leaves room for html, body and the heading's own elements.
DEEP_OK = MAX_DEPTH - 12


@pytest.mark.parametrize("depth", [10_000, 100_000])
def test_hardening_inputs_html_too_deep_is_refused_at_once(depth: int) -> None:
    page = heading_page(depth)
    result, seconds = timed(lambda: clean_html(page, source="deep.html"))
    assert isinstance(result, InputError), result
    assert str(result) == (
        f"deep.html: page nested more than {MAX_DEPTH} elements deep (limit {MAX_DEPTH}); "
        "not a page we can clean"
    )
    assert seconds < 2


def test_hardening_inputs_html_too_deep_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text(heading_page(10_000), "utf-8")
    with pytest.raises(InputError, match=r"nested more than \d+ elements deep") as info:
        load_document(str(path))
    assert "\n" not in str(info.value)


def test_hardening_inputs_html_depth_limit_is_exact() -> None:
    # html and body are two levels: MAX_DEPTH - 2 divs is the deepest page accepted
    assert parse_page(nested(MAX_DEPTH - 2, "x")).find("div") is not None
    with pytest.raises(InputError):
        parse_page(nested(MAX_DEPTH - 1, "x"))


def test_hardening_inputs_html_depth_counted_on_the_tree_when_lxml_scan_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken:
        def start(self, tag: str, attrib: object) -> None:
            raise ValueError("no scan")

    monkeypatch.setattr(html, "_DepthCounter", Broken)
    with pytest.raises(InputError, match="nested more than"):
        parse_page(nested(MAX_DEPTH + 5, "x"))
    assert parse_page(nested(20, "x")).find("div") is not None


def test_hardening_inputs_html_deep_wide_page_is_linear() -> None:
    """244 nested divs around the heading and 20,000 spans: 10 s before, under 2 s now."""
    page = heading_page(DEEP_OK, filler=20_000)
    result, seconds = timed(lambda: clean_html(page))
    assert not isinstance(result, Exception), result
    assert result.abstract.startswith("Patients with lupus")  # type: ignore[attr-defined]
    assert seconds < 5


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(heading_page(DEEP_OK), id="heading-deep-in-divs"),
        pytest.param(
            HEAD + '<div class="abstract">' * DEEP_OK + f"<p>{ABSTRACT}</p>"
            + "</div>" * DEEP_OK + TAIL,
            id="nested-abstract-containers",
        ),
        pytest.param(
            # alike nested tags: BeautifulSoup compares them recursively when serialising
            HEAD + '<div class="abstract">' * DEEP_OK + f"<p>{ABSTRACT}</p></div>" * DEEP_OK
            + TAIL,
            id="alike-nested-containers",
        ),
        pytest.param(
            HEAD + "<h2>Abstract</h2><p>" + "<span>" * DEEP_OK + ABSTRACT
            + "</span>" * DEEP_OK + "</p>" + TAIL,
            id="deep-inline-markup",
        ),
        pytest.param(
            HEAD + "<div>" * DEEP_OK + "Abstract" + "</div>" * DEEP_OK + f"<p>{ABSTRACT}</p>"
            + TAIL,
            id="heading-text-wrapped-deep",
        ),
    ],
)  # fmt: skip
def test_hardening_inputs_html_deep_under_the_limit_is_cleaned(page: str) -> None:
    result, seconds = timed(lambda: clean_html(page))
    assert not isinstance(result, Exception), repr(result)
    assert result.abstract.startswith("Patients with lupus")  # type: ignore[attr-defined]
    assert seconds < 5


def test_hardening_inputs_html_alike_nesting_never_ends_in_recursion_error() -> None:
    depth = MAX_DEPTH - 3
    page = HEAD + '<div class="x">' * depth + "<p>ab</p></div>" * depth + TAIL
    with pytest.raises((NoAbstractError, InputError)):
        clean_html(page)


def test_hardening_inputs_html_recursion_error_becomes_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def recurse(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded in comparison")

    monkeypatch.setattr(html, "detect_blocked", recurse)
    with pytest.raises(InputError, match=r"^p\.html: page nested too deep to clean"):
        clean_html(heading_page(3), source="p.html")


def _shared_pages(shared_dir: Path, missing_shared: Callable[[str], NoReturn]) -> list[Path]:
    pages = sorted((shared_dir / "pages").rglob("*.htm*"))
    if not pages:
        missing_shared("no saved pages in the shared folder")
    return pages


def test_hardening_inputs_html_short_texts_match_get_text(
    shared_dir: Path, missing_shared: Callable[[str], NoReturn]
) -> None:
    """The one-pass texts and lengths equal what ``get_text()`` per element gives."""
    for path in _shared_pages(shared_dir, missing_shared)[::4]:
        soup = _soup(path.read_bytes().decode("utf-8", "replace"))
        texts = short_texts(soup, 200)
        lengths, _ = _candidate_lengths(soup, set())
        for el in soup.find_all(True):
            assert isinstance(el, Tag)
            if el.interesting_string_types != Tag.MAIN_CONTENT_STRING_TYPES:
                continue  # <script>, <style>, <template>: their own text is code
            full = normalise_space(el.get_text(" "))
            assert texts.get(id(el)) == (full if len(full) <= 200 else None), (path, el.name)
            assert lengths[id(el)] == len(el.get_text(" ", strip=True)), (path, el.name)


def test_hardening_inputs_html_inner_candidates_found_in_one_pass() -> None:
    soup = _soup(
        '<div id="a" class="abstract"><p>short</p>'
        '<div id="b" class="abstract"><p>much longer text here</p></div></div>'
        '<div id="c" class="abstract"><p>alone</p></div>'
    )
    ids = {el["id"]: el for el in soup.find_all("div")}
    lengths, inner_best = _candidate_lengths(soup, {id(el) for el in ids.values()})
    assert inner_best[id(ids["a"])] == lengths[id(ids["b"])] == len("much longer text here")
    assert inner_best[id(ids["b"])] == -1 and inner_best[id(ids["c"])] == -1


def test_hardening_inputs_html_fingerprint_shortcut_changes_nothing(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch, missing_shared: Callable[[str], NoReturn]
) -> None:
    """Skipping fingerprints whose ids/classes/tags a page lacks picks the same profiles."""
    pages = _shared_pages(shared_dir, missing_shared)[::3]
    soups = [_soup(p.read_bytes().decode("utf-8", "replace")) for p in pages]
    fast = [[p.name for p in candidate_profiles(soup)] for soup in soups]
    monkeypatch.setattr(sites, "needed_names", lambda selector: None)
    slow = [[p.name for p in candidate_profiles(soup)] for soup in soups]
    assert fast == slow
    assert any(fast)


@pytest.mark.parametrize(
    ("selector", "needed"),
    [
        ("div#abstract div.abstract-content", {"div", "#abstract", ".abstract-content"}),
        ("meta[name='citation_publisher'][content*='Cold Spring']", {"meta"}),
        ("meta[content*='Cold, Spring']", None),  # a comma: taken for a list, always run
        ("section.Abstract:first-child > p", {"section", ".abstract", "p"}),
        ("div:not(.x)", None),
        ("h1, h2", None),
        ("p.a\\:b", None),
    ],
)
def test_hardening_inputs_html_needed_names(selector: str, needed: set[str] | None) -> None:
    found = sites.needed_names(selector)
    assert (set(found) if found is not None else None) == needed
