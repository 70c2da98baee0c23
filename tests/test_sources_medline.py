"""MEDLINE/.nbib parsing: real files in ../shared, Biopython's Medline parser as a peer."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest

from extractor.errors import ParseError
from extractor.records import MeshTerm
from extractor.sources.medline import looks_like_medline, parse_medline

_SHARED = Path(os.environ.get("EVIDENCE_SHARED") or Path(__file__).parents[2] / "shared")
MEDLINE_FILES = sorted(
    str(p.relative_to(_SHARED)) for p in (_SHARED / "pubmed" / "medline").glob("*/*")
) or ["(none)"]
# The README table of /work/shared/exports: (records, records with an abstract).
EXPORTS = [
    ("exports/pubmed/pubmed-balloongui-set.nbib", 75, 70),
    ("exports/pubmed/pubmed.nbib", 75, 64),
    ("exports/pubmed/_baseline_pubmed.ris", 50, 49),
]
ALL_FILES = MEDLINE_FILES + [name for name, _, _ in EXPORTS]


def _norm(text: str) -> str:
    return " ".join(text.split())


def _read(path: Path) -> str:
    # newline="" keeps CRLF and stray CRs so the parser sees the file as it is.
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def _simple_fields(text: str, tag: str) -> list[list[str]]:
    """Per record (split at each ``PMID-`` line), the values of ``tag`` with wrapped lines
    joined: an independent, deliberately naive reading of the file."""
    records: list[list[str]] = []
    current: list[str] | None = None
    last = ""
    for line in text.replace("\r", "").lstrip("\ufeff").split("\n"):
        if line.startswith("PMID-"):
            records.append([])
        head = line[:4].rstrip()
        if line[4:6] in ("- ", "-") and head:
            last = head
            if head == tag and records:
                current = records[-1]
                current.append(line[6:].strip())
            else:
                current = None
        elif line.startswith("      ") and current is not None and last == tag:
            current[-1] = f"{current[-1]} {line.strip()}".strip()
    return records


@pytest.mark.parametrize("name", ALL_FILES)
def test_medline_real_files_agree_with_simple_reading(
    shared_dir: Path, name: str, missing_shared: Callable[[str], NoReturn]
) -> None:
    path = shared_dir / name
    if not path.exists():
        missing_shared(f"{path} missing")
    text = _read(path)
    docs = list(parse_medline(text, source_label=str(path)))
    pmids = re.findall(r"(?m)^PMID- ?(\d+)", text)
    assert [d.pmid for d in docs] == pmids
    assert [d.source for d in docs] == [f"{path}#{n}" for n in range(1, len(docs) + 1)]
    assert {d.kind for d in docs} == {"medline"}
    titles = _simple_fields(text, "TI")
    abstracts = _simple_fields(text, "AB")
    for doc, title, abstract in zip(docs, titles, abstracts, strict=True):
        assert doc.title == _norm(" ".join(title))
        assert _norm(doc.abstract) == _norm(" ".join(abstract))
        for section in doc.sections:
            assert doc.abstract[section.start - 2 : section.start] == ": "
            assert section.end > section.start


@pytest.mark.parametrize(("name", "records", "with_abstract"), EXPORTS)
def test_medline_exports_match_readme_counts(
    shared_dir: Path, name: str, records: int, with_abstract: int
) -> None:
    docs = list(parse_medline(_read(shared_dir / name), source_label=name))
    assert len(docs) == records
    assert sum(1 for d in docs if d.abstract) == with_abstract


@pytest.mark.parametrize("name", ALL_FILES)
def test_medline_matches_biopython_medline(
    shared_dir: Path, name: str, missing_shared: Callable[[str], NoReturn]
) -> None:
    from Bio import Medline as medline  # a dev dependency: never skipped

    path = shared_dir / name
    if not path.exists():
        missing_shared(f"{path} missing")
    with open(path, encoding="utf-8-sig") as handle:
        peers = [r for r in medline.parse(handle) if r.get("PMID")]
    docs = list(parse_medline(_read(path), source_label=name))
    assert [d.pmid for d in docs] == [p["PMID"] for p in peers]
    for doc, peer in zip(docs, peers, strict=True):
        assert doc.title == _norm(peer.get("TI", ""))
        assert _norm(doc.abstract) == _norm(peer.get("AB", ""))
        collective = peer.get("CN", [])
        if isinstance(collective, str):
            collective = [collective]
        assert [a for a in doc.authors if a not in collective] == peer.get("AU", [])
        assert set(collective) <= set(doc.authors)
        assert [m.term for m in doc.mesh_terms] == [
            m.split("/")[0].lstrip("*") for m in peer.get("MH", ())
        ]


def test_medline_structured_abstract_and_fields() -> None:
    text = (
        "\ufeffPMID- 28754806\r\n"
        "TI  - Impact of balloon guide catheter: a systematic \r\n"
        "      review.\r\n"
        "AB  - BACKGROUND AND PURPOSE: Flow arrest matters. METHODS: We searched\r\n"
        "      databases. RESULTS: 16 studies. CONCLUSIONS: Use them.\r\n"
        "CI  - (c) Article author(s) 2018.\r\n"
        "FAU - Brinjikji, Waleed\r\nAU  - Brinjikji W\r\nCN  - Stroke Group\r\n"
        "DP  - 2018 Apr\r\nDEP - 20170801\r\n"
        "LID - 10.1136/neurintsurg-2017-013179 [doi]\r\n"
        "PT  - Journal Article\r\nPT  - Meta-Analysis\r\n"
        "TA  - J Neurointerv Surg\r\nJT  - Journal of neurointerventional surgery\r\n"
        "MH  - Aneurysm/*surgery/therapy\r\nMH  - *Humans\r\nMH  - Aged\r\n"
        "OT  - stroke\r\nOT  - thrombectomy\r\nPMC - PMC123\r\n"
    )
    (doc,) = parse_medline(text, source_label="x.nbib")
    assert doc.source == "x.nbib#1"
    assert doc.title == "Impact of balloon guide catheter: a systematic review."
    assert doc.abstract == (
        "BACKGROUND AND PURPOSE: Flow arrest matters.\n\nMETHODS: We searched databases."
        "\n\nRESULTS: 16 studies.\n\nCONCLUSIONS: Use them."
    )
    assert [s.label for s in doc.sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert doc.abstract[doc.sections[1].start : doc.sections[1].end] == "We searched databases."
    assert doc.authors == ("Brinjikji W", "Stroke Group")
    assert (doc.year, doc.date) == (2018, "2018-04")
    assert doc.doi == "10.1136/neurintsurg-2017-013179"
    assert doc.pmcid == "PMC123"
    assert doc.journal == "Journal of neurointerventional surgery"
    assert doc.publication_types == ("Journal Article", "Meta-Analysis")
    assert doc.mesh_terms == (
        MeshTerm("Aneurysm", True, ("surgery", "therapy")),
        MeshTerm("Humans", True, ()),
        MeshTerm("Aged", False, ()),
    )
    assert doc.keywords == ("stroke", "thrombectomy")
    assert "(c)" not in doc.abstract


@pytest.mark.parametrize(
    ("dp", "dep", "year", "date"),
    [
        ("2002 Sep", "", 2002, "2002-09"),
        ("2018 Mar 30", "", 2018, "2018-03-30"),
        ("1998 Dec-1999 Jan", "", 1998, "1998-12"),
        ("2000 Spring", "", 2000, "2000"),
        ("2018", "20180330", 2018, "2018-03-30"),
        ("", "", None, None),
    ],
)
def test_medline_dates(dp: str, dep: str, year: int | None, date: str | None) -> None:
    text = f"PMID- 1\nTI  - T\nDP  - {dp}\n" + (f"DEP - {dep}\n" if dep else "")
    (doc,) = parse_medline(text, source_label="d")
    assert (doc.year, doc.date) == (year, date)


@pytest.mark.parametrize(
    "text",
    [
        "PMID- 1\nTI  - One\nAB  - \n\nPMID- 2\nTI  - Two\n",  # blank-line separated
        "PMID- 1\nTI  - One\nAB  -\nPMID- 2\nTI  - Two\n",  # no blank line between records
        "PMID- 1\rTI  - One\r\rPMID- 2\rTI  - Two\r",  # old Mac line ends
        "\n\nPMC - PMC9\nPMID- 1\nTI  - One\n\n\nPMID- 2\nTI  - Two",  # PMC before PMID
    ],
)
def test_medline_record_splitting(text: str) -> None:
    docs = list(parse_medline(text, source_label="s"))
    assert [(d.pmid, d.title, d.abstract) for d in docs] == [("1", "One", ""), ("2", "Two", "")]


def test_medline_stray_cr_inside_line() -> None:
    (doc,) = parse_medline("PMID- 1\nTI  - Half\r title\nAB  - Plain text.\n", source_label="s")
    assert doc.title == "Half title"
    assert doc.abstract == "Plain text."
    assert doc.sections == ()


@pytest.mark.parametrize("text", ["just some prose\nwith lines\n", "TY  - JOUR\nER  - \n"])
def test_medline_not_medline_raises_parse_error(text: str) -> None:
    with pytest.raises(ParseError, match="no MEDLINE records"):
        list(parse_medline(text, source_label="p.txt"))


def test_medline_empty_text_yields_nothing() -> None:
    assert list(parse_medline("\ufeff\r\n", source_label="e")) == []


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("PMID- 12230038\nOWN - NLM\nSTAT- MEDLINE\n", True),
        ("\ufeffPMID- 28754806\r\nOWN - NLM\r\n", True),
        ("\nPMC - PMC6055010\nPMID- 30042925\nIS  - 2215-0161\nTI  - x", True),
        ("TY  - JOUR\nAU  - Smith\nER  - ", False),
        ("<PubmedArticleSet>", False),
    ],
)
def test_medline_sniffer(head: str, expected: bool) -> None:
    assert looks_like_medline(head) is expected
