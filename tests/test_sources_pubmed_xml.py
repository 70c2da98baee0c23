"""PubMed XML parsing: real E-utilities files from ../shared, small inline fixtures, hostile XML.

Expectations for the real files are computed from the file itself with lxml XPath (counts,
PMIDs, titles, AbstractText labels and text) and, for Biopython's test files, with
``Bio.Entrez.read`` as a reference peer.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest
from lxml import etree

from extractor.clean.sections import normalise_label
from extractor.errors import InputError, ParseError
from extractor.records import Document, MeshTerm
from extractor.sources.pubmed_xml import looks_like_pubmed_xml, parse_pubmed_xml

_SHARED = Path(os.environ.get("EVIDENCE_SHARED") or Path(__file__).parents[2] / "shared")
_XML_DIR = _SHARED / "pubmed" / "xml"
XML_FILES = sorted(str(p.relative_to(_XML_DIR)) for p in _XML_DIR.glob("*/*")) or ["(missing)"]
NOT_ARTICLES = {"eSearchResult": "esearch", "eSummaryResult": "esummary", "eLinkResult": "elink"}


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _strip_tags(text: str) -> str:
    return _norm(re.sub(r"</?[A-Za-z][^>]*>", "", text))


def _bodies(doc: Document) -> list[str]:
    """The abstract's paragraphs with any ``"LABEL: "`` heading (a Section's prefix) removed."""
    out: list[str] = []
    offset = 0
    starts = {s.start for s in doc.sections}
    for para in doc.abstract.split("\n\n") if doc.abstract else []:
        end = offset + len(para)
        body_start = next((s for s in sorted(starts) if offset < s <= end), offset)
        out.append(doc.abstract[body_start:end])
        offset = end + 2
    return out


def _xml(body: str) -> bytes:
    return f'<?xml version="1.0"?>\n<PubmedArticleSet>{body}</PubmedArticleSet>'.encode()


def _article(inner_article: str = "", citation: str = "", data: str = "", pmid: str = "1") -> str:
    return (
        f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID>"
        f"<Article><ArticleTitle>T {pmid}</ArticleTitle>{inner_article}</Article>{citation}"
        f"</MedlineCitation><PubmedData>{data}</PubmedData></PubmedArticle>"
    )


def _one(body: str) -> Document:
    docs = list(parse_pubmed_xml(io.BytesIO(_xml(body)), source_label="t.xml"))
    assert len(docs) == 1
    return docs[0]


# --- every real file -----------------------------------------------------------------------


@pytest.mark.parametrize("name", XML_FILES)
def test_pubmed_xml_real_files_agree_with_xpath(
    shared_dir: Path, name: str, missing_shared: Callable[[str], NoReturn]
) -> None:
    path = shared_dir / "pubmed" / "xml" / name
    if not path.exists():
        missing_shared(f"{path} missing")
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        root_tag = tree.getroot().tag
    except etree.XMLSyntaxError:
        root_tag = None
    if root_tag != "PubmedArticleSet":
        expected = NOT_ARTICLES.get(root_tag or "", "not PubMed article XML")
        with pytest.raises(ParseError, match=expected) as info:
            list(parse_pubmed_xml(path))
        assert str(path) in str(info.value)
        return

    docs = list(parse_pubmed_xml(path))
    articles = tree.xpath("/PubmedArticleSet/PubmedArticle | /PubmedArticleSet/PubmedBookArticle")
    assert len(docs) == len(articles)
    for number, (doc, art) in enumerate(zip(docs, articles, strict=True), 1):
        assert doc.source == f"{path}#{number}"
        assert doc.kind == "pubmed-xml"
        assert doc.pmid == art.xpath("string(MedlineCitation/PMID | BookDocument/PMID)")
        title = art.xpath("string((MedlineCitation/Article | BookDocument)/ArticleTitle)")
        assert doc.title == _norm(title)
        parts = art.xpath("(MedlineCitation/Article | BookDocument)/Abstract/AbstractText")
        texts = [_norm(p.xpath("string(.)")) for p in parts]
        assert _norm(" ".join(_bodies(doc))) == _norm(" ".join(texts))
        labels = [p.get("Label") for p in parts if p.get("Label") not in (None, "UNLABELLED")]
        assert [s.label for s in doc.sections] == [normalise_label(x) for x in labels]
        for section in doc.sections:
            assert doc.abstract[section.start - 2 : section.start] == ": "
        copyright_ = art.xpath("string(MedlineCitation/Article/Abstract/CopyrightInformation)")
        if copyright_.strip():
            assert _norm(copyright_) not in doc.abstract
        mesh = art.xpath("MedlineCitation/MeshHeadingList/MeshHeading")
        assert len(doc.mesh_terms) == len(mesh)
        doi = art.xpath("string(PubmedData/ArticleIdList/ArticleId[@IdType='doi'])")
        if doi:
            assert doc.doi == doi


@pytest.mark.parametrize(
    "name",
    [n for n in XML_FILES if re.fullmatch(r"biopython/pubmed\d+\.xml", n)] or ["(missing)"],
)
def test_pubmed_xml_matches_biopython_entrez(
    shared_dir: Path, name: str, missing_shared: Callable[[str], NoReturn]
) -> None:
    from Bio import Entrez as entrez  # a dev dependency: never skipped

    path = shared_dir / "pubmed" / "xml" / name
    if not path.exists():
        missing_shared(f"{path} missing")
    with open(path, "rb") as handle:
        record = entrez.read(handle)
    docs = list(parse_pubmed_xml(path))
    peers = record["PubmedArticle"]
    assert [d.pmid for d in docs] == [str(p["MedlineCitation"]["PMID"]) for p in peers]
    for doc, peer in zip(docs, peers, strict=True):
        article = peer["MedlineCitation"]["Article"]
        assert doc.title == _strip_tags(str(article["ArticleTitle"]))
        peer_abstract = " ".join(
            str(t) for t in article.get("Abstract", {}).get("AbstractText", [])
        )
        assert _norm(" ".join(_bodies(doc))) == _strip_tags(peer_abstract)


def test_pubmed_xml_empty_article_set_yields_nothing(shared_dir: Path) -> None:
    path = shared_dir / "pubmed" / "xml" / "metapub" / "37909814.xml"
    assert list(parse_pubmed_xml(path)) == []


def test_pubmed_xml_book_article(shared_dir: Path) -> None:
    doc = next(parse_pubmed_xml(shared_dir / "pubmed/xml/metapub/sample_article_20301577.xml"))
    assert doc.pmid == "20301577"
    assert doc.title == "CACNA1C-Related Disorders"
    assert doc.journal == "GeneReviews®"
    assert doc.authors[:2] == ("Napolitano C", "Priori SG")  # editors left out
    assert doc.sections[0].label == "CLINICAL CHARACTERISTICS"
    assert doc.abstract.startswith("CLINICAL CHARACTERISTICS: The clinical manifestations of")
    assert doc.year == 1993


# --- inline fixtures -----------------------------------------------------------------------


def test_pubmed_xml_structured_abstract_sections() -> None:
    doc = _one(
        _article(
            "<Abstract>"
            '<AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Why.</AbstractText>'
            '<AbstractText Label="PATIENTS AND METHODS" NlmCategory="METHODS">How.</AbstractText>'
            '<AbstractText NlmCategory="RESULTS">What.</AbstractText>'
            "<CopyrightInformation>(c) 2020 Someone.</CopyrightInformation></Abstract>"
        )
    )
    assert doc.abstract == "BACKGROUND: Why.\n\nPATIENTS AND METHODS: How.\n\nRESULTS: What."
    assert [s.label for s in doc.sections] == ["BACKGROUND", "METHODS", "RESULTS"]
    assert [doc.abstract[s.start : s.end] for s in doc.sections] == ["Why.", "How.", "What."]


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        ("<AbstractText>Plain text.</AbstractText>", "Plain text."),
        ('<AbstractText Label="UNLABELLED">Plain text.</AbstractText>', "Plain text."),
        (
            "<AbstractText>The <i>CACNA1C</i>-related x<sup>2</sup> H<sub>2</sub>O "
            "<b>bold</b> and <u>u</u>.</AbstractText>",
            "The CACNA1C-related x2 H2O bold and u.",
        ),
        (
            '<AbstractText>Area <mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML">'
            "<mml:mi>r</mml:mi><mml:msup><mml:mi>x</mml:mi><mml:mn>2</mml:mn></mml:msup>"
            "</mml:math> grows.</AbstractText>",
            "Area rx2 grows.",
        ),
    ],
)
def test_pubmed_xml_unstructured_and_inline_markup(abstract: str, expected: str) -> None:
    doc = _one(_article(f"<Abstract>{abstract}</Abstract>"))
    assert doc.abstract == expected
    assert doc.sections == ()


def test_pubmed_xml_other_abstract_ignored_and_no_abstract_yielded() -> None:
    doc = _one(
        _article(
            citation='<OtherAbstract Type="Publisher" Language="eng">'
            "<AbstractText>Other.</AbstractText></OtherAbstract>"
        )
    )
    assert doc.abstract == ""
    assert doc.sections == ()
    assert doc.title == "T 1"


def test_pubmed_xml_metadata_fields() -> None:
    doc = _one(
        _article(
            "<Journal><JournalIssue><PubDate><Year>2002</Year><Month>Sep</Month></PubDate>"
            "</JournalIssue><Title>Journal X</Title><ISOAbbreviation>J X</ISOAbbreviation>"
            "</Journal><AuthorList><Author><LastName>Smith</LastName><ForeName>John A</ForeName>"
            "<Initials>JA</Initials></Author><Author><CollectiveName>The Group</CollectiveName>"
            "</Author></AuthorList><PublicationTypeList><PublicationType>Journal Article"
            "</PublicationType><PublicationType>Randomized Controlled Trial</PublicationType>"
            "</PublicationTypeList>",
            citation="<MeshHeadingList><MeshHeading>"
            '<DescriptorName MajorTopicYN="N">Aneurysm</DescriptorName>'
            '<QualifierName MajorTopicYN="Y">surgery</QualifierName>'
            '<QualifierName MajorTopicYN="N">therapy</QualifierName></MeshHeading>'
            '<MeshHeading><DescriptorName MajorTopicYN="Y">Humans</DescriptorName>'
            "</MeshHeading><MeshHeading><DescriptorName>Aged</DescriptorName></MeshHeading>"
            "</MeshHeadingList><KeywordList><Keyword>stroke</Keyword><Keyword>thrombectomy"
            "</Keyword></KeywordList>",
            data='<ArticleIdList><ArticleId IdType="pubmed">1</ArticleId>'
            '<ArticleId IdType="doi">10.1/abc</ArticleId><ArticleId IdType="pmc">PMC9</ArticleId>'
            "</ArticleIdList><ReferenceList><Reference><ArticleIdList>"
            '<ArticleId IdType="doi">10.9/ref</ArticleId></ArticleIdList></Reference>'
            "</ReferenceList>",
        )
    )
    assert doc.journal == "Journal X"
    assert (doc.year, doc.date) == (2002, "2002-09")
    assert doc.authors == ("Smith JA", "The Group")
    assert doc.publication_types == ("Journal Article", "Randomized Controlled Trial")
    assert doc.mesh_terms == (
        MeshTerm("Aneurysm", True, ("surgery", "therapy")),
        MeshTerm("Humans", True, ()),
        MeshTerm("Aged", False, ()),
    )
    assert doc.keywords == ("stroke", "thrombectomy")
    assert (doc.doi, doc.pmcid, doc.site) == ("10.1/abc", "PMC9", None)
    assert doc.record_id == "pmid:1"


@pytest.mark.parametrize(
    ("journal", "extra", "year", "date"),
    [
        ("<PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate>", "", 1998, "1998"),
        ("<PubDate><Year>2000</Year><Season>Spring</Season></PubDate>", "", 2000, "2000"),
        (
            "<PubDate><Year>2020</Year></PubDate>",
            '<ArticleDate DateType="Electronic"><Year>2020</Year><Month>04</Month>'
            "<Day>20</Day></ArticleDate>",
            2020,
            "2020-04-20",
        ),
        (
            "<PubDate><Year>2021</Year><Month>Mar</Month><Day>5</Day></PubDate>",
            '<ArticleDate DateType="Electronic"><Year>2020</Year><Month>12</Month>'
            "<Day>20</Day></ArticleDate>",
            2021,
            "2021-03-05",
        ),
        ("", "", None, None),
    ],
)
def test_pubmed_xml_dates(journal: str, extra: str, year: int | None, date: str | None) -> None:
    journal_el = f"<Journal><JournalIssue>{journal}</JournalIssue></Journal>" if journal else ""
    doc = _one(_article(journal_el + extra))
    assert (doc.year, doc.date) == (year, date)


def test_pubmed_xml_doi_from_elocation_and_source_numbers() -> None:
    body = _article(
        '<ELocationID EIdType="pii">e1</ELocationID><ELocationID EIdType="doi">10.5/x</ELocationID>'
    ) + _article(pmid="2")
    docs = list(parse_pubmed_xml(io.BytesIO(_xml(body)), source_label="in.xml"))
    assert [d.source for d in docs] == ["in.xml#1", "in.xml#2"]
    assert docs[0].doi == "10.5/x"
    assert docs[1].doi is None


def test_pubmed_xml_path_and_stream_give_same(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_bytes(_xml(_article()))
    from_path = list(parse_pubmed_xml(path))
    from_str = list(parse_pubmed_xml(str(path)))
    with open(path, "rb") as handle:
        from_stream = list(parse_pubmed_xml(handle))
    assert from_path == from_str == from_stream
    assert from_path[0].source == f"{path}#1"


def test_pubmed_xml_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        list(parse_pubmed_xml(tmp_path / "nope.xml"))


# --- hostile and broken input --------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&lol4;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&xxe;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""
EXTERNAL_PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/x.dtd"> %ext;]>
<PubmedArticleSet></PubmedArticleSet>
"""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (BILLION_LAUGHS, "unsafe"),
        (EXTERNAL_ENTITY, "unsafe"),
        (EXTERNAL_PARAMETER, "unsafe"),
        (_xml(_article())[:-40], "malformed"),
        (b"\x00\x01\x02\xff\xfe binary", "malformed"),
        (b"", "malformed"),
        (b"PMID- 123\nTI  - not xml\n", "malformed"),
        (b"<html><body><p>page</p></body></html>", "not PubMed article XML"),
        (b"<eSearchResult><Count>1</Count></eSearchResult>", "esearch result, not articles"),
    ],
)
def test_pubmed_xml_bad_input_raises_parse_error(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        list(parse_pubmed_xml(io.BytesIO(data), source_label="bad.xml"))
    assert info.value.source == "bad.xml"
    assert str(info.value).startswith("bad.xml: ")


def test_pubmed_xml_truncated_after_first_article_yields_it_first() -> None:
    data = _xml(_article() + _article(pmid="2"))
    stream = parse_pubmed_xml(io.BytesIO(data[: data.index(b"<PMID>2")]), source_label="t")
    assert next(stream).pmid == "1"
    with pytest.raises(ParseError, match="malformed"):
        next(stream)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "x" "y">', True),
        ("<PubmedArticleSet>\n<PubmedArticle>", True),
        ("<PubmedArticleSet><PubmedBookArticle>", True),
        ("<eSearchResult><Count>63</Count>", False),
        ("<eSummaryResult><DocSum>", False),
        ('<pmc-articleset><article article-type="x">', False),
        ("PMID- 12345\nTI  - x", False),
    ],
)
def test_pubmed_xml_sniffer(head: str, expected: bool) -> None:
    assert looks_like_pubmed_xml(head) is expected
