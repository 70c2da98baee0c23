"""Bibliographic export parsers against the real files in ../shared/exports.

Expected counts are the README's (``shared/exports/README.md``): records, and records with a
non-empty abstract. Format detection over the same files is tested in test_sources_formats.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from extractor.errors import ParseError
from extractor.records import Document
from extractor.sources.bibtex import looks_like_bibtex, parse_bibtex
from extractor.sources.csv_export import looks_like_csv_export, parse_csv_export
from extractor.sources.endnote_xml import looks_like_endnote_xml, parse_endnote_xml
from extractor.sources.medline import looks_like_medline, parse_medline
from extractor.sources.ovid import looks_like_ovid, parse_ovid
from extractor.sources.ris import looks_like_ris, parse_ris
from extractor.sources.wos import (
    looks_like_wos_tab,
    looks_like_wos_text,
    parse_wos_tab,
    parse_wos_text,
)

Parser = Callable[..., Iterator[Document]]

PARSERS: dict[str, tuple[Parser, Callable[..., bool]]] = {
    "ris": (parse_ris, looks_like_ris),
    "wos-text": (parse_wos_text, looks_like_wos_text),
    "wos-tab": (parse_wos_tab, looks_like_wos_tab),
    "ovid": (parse_ovid, looks_like_ovid),
    "bibtex": (parse_bibtex, looks_like_bibtex),
    "csv": (parse_csv_export, looks_like_csv_export),
    "endnote-xml": (parse_endnote_xml, looks_like_endnote_xml),
    "medline": (parse_medline, lambda head, name="": looks_like_medline(head)),
}

# path under exports/ → (kind, records, with abstract), from the README's summary table.
EXPORTS: dict[str, tuple[str, int, int]] = {
    "pubmed/pubmed-chatbot.csv": ("csv", 6, 0),
    "pubmed/pubmed_result_ssb_2019-07-13_thru_2019-07-14_58.csv": ("csv", 58, 0),
    "ovid/ovid_psycinfo.ris": ("ris", 6, 6),
    "ovid/Embase_endnote_r3001-3002.cgi": ("ovid", 2, 2),
    "ovid/Embase_citavi_r3001-3002.ovd": ("ovid", 2, 2),
    "embase/embase.ris": ("ris", 6, 6),
    "embase/embase.csv": ("csv", 6, 6),
    "scopus/asreview/scopus.ris": ("ris", 6, 6),
    "scopus/ASySD/scopus.ris": ("ris", 10, 10),
    "scopus/scopus_sample.csv": ("csv", 8, 8),
    "scopus/Scopus_bib_example.bib": ("bibtex", 3, 3),
    "citavi/ris_issue_1099.txt": ("ris", 7, 7),
    "wos/WoS_other_reference_software_r4001-4012.txt": ("wos-text", 12, 12),
    "wos/wos_2026_04_02_4071.txt": ("wos-tab", 71, 34),
    "wos/web_of_science.txt": ("ris", 10, 10),
    "wos/wos_m.bib": ("bibtex", 29, 29),
    "wos/savedrecs.bib": ("bibtex", 377, 352),
    "ebsco/_baseline_cinahl.ris": ("ris", 9, 9),
    "ebsco/_baseline_cinahl.csv": ("csv", 10, 10),
    "cochrane/_baseline_cochrane_endnote.ris": ("ris", 3, 3),
    "cochrane/_baseline_cochrane.csv": ("csv", 3, 3),
    "cochrane/CDSR.bib": ("bibtex", 56, 56),
    "proquest/proquest.ris": ("ris", 6, 6),
    "zotero/pubmed_zotero.ris": ("ris", 6, 6),
    "zotero/ovid_zotero.ris": ("ris", 6, 6),
    "zotero/zotero_export.bib": ("bibtex", 1000, 776),
    "endnote/pubmed_endnote.txt": ("ris", 6, 6),
    "endnote/testset_ris.txt": ("ris", 32, 28),
    "endnote/tafenoquine.xml": ("endnote-xml", 179, 170),
    "mendeley/_baseline_mendeley.ris": ("ris", 10, 8),
    "google_scholar/_baseline_googlescholar.ris": ("ris", 10, 0),
    "rayyan/ris_issue_992.txt": ("ris", 19, 8),
    "pubmed/pubmed-balloongui-set.nbib": ("medline", 75, 70),
    "pubmed/pubmed.nbib": ("medline", 75, 64),
    "pubmed/_baseline_pubmed.ris": ("medline", 50, 49),  # MEDLINE text named .ris
}
DOI = re.compile(r"^10\.\d{4,9}/\S+$")


def _read(shared_dir: Path, rel: str) -> str:
    return (shared_dir / "exports" / rel).read_text(encoding="utf-8")


@pytest.mark.parametrize("rel", list(EXPORTS))
def test_sources_exports_counts_match_readme(shared_dir: Path, rel: str) -> None:
    kind, records, with_abstract = EXPORTS[rel]
    parse, _ = PARSERS[kind]
    docs = list(parse(_read(shared_dir, rel), source_label=rel))
    assert len(docs) == records
    assert sum(1 for d in docs if d.abstract) == with_abstract
    assert sum(1 for d in docs if d.title) >= 0.95 * records
    assert all(d.doi is None or DOI.match(d.doi) for d in docs), [d.doi for d in docs]
    assert [d.source for d in docs] == [f"{rel}#{n}" for n in range(1, records + 1)]
    assert {d.kind for d in docs} == {kind}
    for doc in docs:
        for sec in doc.sections:
            assert 0 <= sec.start <= sec.end <= len(doc.abstract)


@pytest.mark.parametrize("rel", list(EXPORTS))
def test_sources_exports_sniffers_pick_only_own_format(shared_dir: Path, rel: str) -> None:
    kind = EXPORTS[rel][0]
    head = _read(shared_dir, rel)[:4096]
    hits = [k for k, (_, sniff) in PARSERS.items() if sniff(head, Path(rel).name)]
    assert hits == [kind]  # its own sniffer says yes, every other one says no


def test_sources_exports_readme_table_fully_covered(shared_dir: Path) -> None:
    readme = (shared_dir / "exports" / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\|\s*\d+\s*\|\s*([^|]+?)\s*\|", readme, re.MULTILINE))
    assert listed, "README summary table not found"
    assert listed <= set(EXPORTS), listed - set(EXPORTS)


def test_sources_exports_ovid_variants_agree(shared_dir: Path) -> None:
    cgi = list(
        parse_ovid(_read(shared_dir, "ovid/Embase_endnote_r3001-3002.cgi"), source_label="a")
    )
    ovd = list(parse_ovid(_read(shared_dir, "ovid/Embase_citavi_r3001-3002.ovd"), source_label="b"))
    assert [d.abstract for d in cgi] == [d.abstract for d in ovd]
    assert cgi[0].doi == "10.1186/s12919-018-0099-8"
    assert [s.label for s in cgi[0].sections][:2] == ["BACKGROUND", "METHODS"]


@pytest.mark.parametrize(
    ("rel", "index", "field", "expected"),
    [
        ("embase/embase.ris", 1, "pmid", "15368318"),
        ("ovid/ovid_psycinfo.ris", 0, "doi", "10.1002/cpp.2398"),
        ("cochrane/_baseline_cochrane_endnote.ris", 0, "pmid", "21314913"),
        ("endnote/pubmed_endnote.txt", 0, "year", None),
        ("wos/WoS_other_reference_software_r4001-4012.txt", 0, "pmid", "29377890"),
        ("endnote/tafenoquine.xml", 0, "pmid", "31366609"),
        ("endnote/tafenoquine.xml", 0, "doi", "10.1128/cmr.00011-19"),
    ],
)
def test_sources_exports_fields(
    shared_dir: Path, rel: str, index: int, field: str, expected: object
) -> None:
    parse, _ = PARSERS[EXPORTS[rel][0]]
    doc = list(parse(_read(shared_dir, rel), source_label=rel))[index]
    value = getattr(doc, field)
    if expected is None:
        assert value  # present, whatever it is
    else:
        assert value == expected


# --- quirks, on small inline samples -----------------------------------------------------------

RIS = (
    "TY  - JOUR\nTI  - A trial\nAB  - Some text\n  wrapped here.\n"
    "DO  - https://doi.org/10.1000/xyz\nPY  - 2020\nER  - \n"
)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(RIS, id="plain"),
        pytest.param("\ufeff" + RIS, id="bom"),
        pytest.param(RIS.replace("\n", "\r\n"), id="crlf"),
        pytest.param(RIS.replace("\n", "\r"), id="stray-cr"),
        pytest.param("Record #1 of 1\nProvider: Wiley\n\n" + RIS, id="preamble"),
        pytest.param(RIS.replace("ER  - \n", ""), id="no-final-er"),
        pytest.param(RIS.replace("  - ", "  -  "), id="wiley-two-spaces"),
        pytest.param(RIS.replace("PY", "ZZ  - custom\nPY"), id="unknown-tag"),
    ],
)
def test_sources_exports_ris_quirks(text: str) -> None:
    (doc,) = parse_ris(text, source_label="x.ris")
    assert doc.title == "A trial"
    assert doc.abstract == "Some text wrapped here."
    assert doc.doi == "10.1000/xyz"
    assert doc.year == 2020
    assert doc.source == "x.ris#1"


CSV = 'Title,Abstract,DOI,Year\r\nA trial,"BACKGROUND: x. METHODS: y.",10.1000/ab,2021\r\n'


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(CSV, id="crlf"),
        pytest.param("\ufeff" + CSV, id="bom"),
        pytest.param("Embase Session Results\nQuery: x\n\n" + CSV, id="preamble"),
        pytest.param(CSV.replace(",", ";"), id="semicolon"),
    ],
)
def test_sources_exports_csv_quirks(text: str) -> None:
    (doc,) = parse_csv_export(text, source_label="x.csv")
    assert doc.title == "A trial"
    assert [s.label for s in doc.sections] == ["BACKGROUND", "METHODS"]
    assert doc.abstract.startswith("BACKGROUND: x.\n\nMETHODS: y.")
    assert doc.year == 2021


WOS = (
    "\ufeffFN Clarivate Analytics Web of Science\r\nVR 1.0\r\nPT J\r\nAU Doe, J\r\n   Roe, R\r\n"
    "TI A long\r\n   title\r\nAB Text.\r\nDI 10.1000/x\r\nPY 2019\r\nER\r\nEF\r\n"
)


def test_sources_exports_wos_text_quirks() -> None:
    (doc,) = parse_wos_text(WOS, source_label="w.txt")
    assert (doc.title, doc.authors, doc.doi, doc.year) == (
        "A long title",
        ("Doe, J", "Roe, R"),
        "10.1000/x",
        2019,
    )


def test_sources_exports_wos_tab_quirks() -> None:
    text = (
        "\ufeffPT\tAU\tTI\tAB\tDI\tPY\r\n"
        'J\tDoe, J; Roe, R\tA "quoted" title\tText.\t10.1000/x\t2019\r\n'
    )
    (doc,) = parse_wos_tab(text, source_label="t.txt")
    assert doc.title == 'A "quoted" title'
    assert doc.authors == ("Doe, J", "Roe, R")


def test_sources_exports_bibtex_latex_and_authors() -> None:
    text = (
        "Record #1 of 1\r\n@ARTICLE{ Key 1,\r\nauthor = {Smith, SR, Newton, K, and Hill, J},\r\n"
        "title = {{The {\\'e}tude of {Cocker} dogs}},\r\nabstract = {Abstract - Plain.},\r\n"
        "doi = {https://doi.org/10.1000/b},\r\nyear = {2016}}\r\n@comment{x}\r\n"
    )
    (doc,) = parse_bibtex(text, source_label="b.bib")
    assert doc.title == "The étude of Cocker dogs"
    assert doc.abstract == "Plain."
    assert doc.authors == ("Smith, SR", "Newton, K", "Hill, J")
    assert doc.doi == "10.1000/b"


# --- malformed input ---------------------------------------------------------------------------

BOMB = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    "<xml><records><record><titles><title>&b;</title></titles></record></records></xml>"
)


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        pytest.param(parse_ris, "", id="ris-empty"),
        pytest.param(parse_ris, "just some words\n", id="ris-no-records"),
        pytest.param(parse_wos_text, "hello\n", id="wos-text-garbage"),
        pytest.param(parse_wos_text, "", id="wos-text-empty"),
        pytest.param(parse_wos_tab, "a\tb\n1\t2\n", id="wos-tab-no-header"),
        pytest.param(parse_ovid, "TI  - x\n", id="ovid-no-header"),
        pytest.param(parse_bibtex, "nothing here", id="bibtex-empty"),
        pytest.param(parse_bibtex, "@article{k,\ntitle = {open\n", id="bibtex-unbalanced"),
        pytest.param(parse_csv_export, "a,b,c\n1,2,3\n", id="csv-no-title-column"),
        pytest.param(parse_endnote_xml, "<xml><records><record>", id="xml-truncated"),
        pytest.param(parse_endnote_xml, BOMB, id="xml-entity-bomb"),
        pytest.param(parse_endnote_xml, "<html><body/></html>", id="xml-not-endnote"),
    ],
)
def test_sources_exports_malformed_raises_parse_error(parse: Parser, text: str) -> None:
    with pytest.raises(ParseError) as info:
        list(parse(text, source_label="bad-input"))
    assert "bad-input" in str(info.value)
