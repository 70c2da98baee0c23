"""Reading PMID lists."""

from __future__ import annotations

import pytest

from extractor.errors import ParseError
from extractor.sources.pmids import looks_like_pmid_list, read_pmid_list


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12091962\n11748933\n", ["12091962", "11748933"]),
        ("12091962, 11748933,27797938", ["12091962", "11748933", "27797938"]),
        ("12091962 11748933\t27797938;28775130", ["12091962", "11748933", "27797938", "28775130"]),
        (
            "PMID: 12091962\npmid:11748933\nPMID 27797938\nPMID=28775130",
            ["12091962", "11748933", "27797938", "28775130"],
        ),
        ("# trials\n12091962  # the IVIg one\n\n   \n#11748933\n", ["12091962"]),
        ("12091962\n11748933\n12091962\n", ["12091962", "11748933"]),
        ("https://pubmed.ncbi.nlm.nih.gov/28775130/\n", ["28775130"]),
        ("\r\n12091962\r\n", ["12091962"]),
        ("", []),
        ("# only a comment\n", []),
    ],
    ids=[
        "lines",
        "commas",
        "mixed-separators",
        "pmid-prefixes",
        "comments-blanks",
        "duplicates",
        "pubmed-url",
        "crlf",
        "empty",
        "comment-only",
    ],
)
def test_pmids_read_pmid_list(text: str, expected: list[str]) -> None:
    assert read_pmid_list(text) == expected


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("12091962\nnot-a-pmid\n", 2),
        ("12091962, 1209x962", 1),
        ("\n\n0123\n", 3),
        ("1234567890\n", 1),
        ("10.1000/xyz123\n", 1),
    ],
    ids=["word", "letter-inside", "leading-zero", "too-long", "doi"],
)
def test_pmids_read_pmid_list_rejects_non_pmids(text: str, line: int) -> None:
    with pytest.raises(ParseError, match=f"line {line}:"):
        read_pmid_list(text, source="ids.txt")


def test_pmids_error_names_the_source() -> None:
    with pytest.raises(ParseError) as info:
        read_pmid_list("abc", source="ids.txt")
    assert str(info.value) == "ids.txt: line 1: 'abc' is not a PMID"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("12091962\n11748933\n", True),
        ("# my list\nPMID: 12091962\n", True),
        ("12091962\n11748933\n2779", True),  # cut mid-line
        ("12091962\n11748933\n2779abc", True),  # the cut last line is not judged
        ("", False),
        ("# nothing\n", False),
        ("<html><body>12091962</body></html>", False),
        ("TY  - JOUR\nTI  - A trial\n", False),
        ("Intravenous immunoglobulin for lupus\n", False),
    ],
)
def test_pmids_looks_like_pmid_list(head: str, expected: bool) -> None:
    assert looks_like_pmid_list(head) is expected
