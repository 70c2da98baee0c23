"""Read lists of PubMed ids: one a line, or separated by commas, semicolons or whitespace.

Accepted forms, mixed freely::

    # trials to re-check            <- comments run from '#' to the end of the line
    12091962
    PMID: 11748933, pmid 27797938   <- "PMID:" / "PMID" / "PMID=" prefixes
    https://pubmed.ncbi.nlm.nih.gov/28775130/

Ids come back de-duplicated, in first-seen order, as strings.
"""

from __future__ import annotations

import re

from ..errors import ParseError

#: PMIDs are positive integers; today's have 8 digits, leave room for a 9th.
_PMID = re.compile(r"[1-9][0-9]{0,8}")
_PREFIX = re.compile(r"\bPMID\s*[:=]?\s*", re.IGNORECASE)
_PUBMED_URL = re.compile(
    r"https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/"
    r"([0-9]+)/?(?:[?#]\S*)?",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[\s,;]+")


def _line_tokens(line: str) -> list[str]:
    """The id-like tokens of one line, comments and prefixes removed."""
    line = line.split("#", 1)[0]
    line = _PUBMED_URL.sub(r" \1 ", line)
    line = _PREFIX.sub(" ", line)
    return [token for token in _SEPARATORS.split(line) if token]


def read_pmid_list(text: str, *, source: str | None = None) -> list[str]:
    """Parse a PMID list into de-duplicated PMIDs, in the order first seen.

    Args:
        text: the list's content.
        source: where it came from, for error messages.

    Raises:
        ParseError: a line holds something that is not a PMID (the message names the line).
    """
    pmids: dict[str, None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for token in _line_tokens(line):
            if not _PMID.fullmatch(token):
                raise ParseError(f"line {number}: {token!r} is not a PMID", source=source)
            pmids.setdefault(token, None)
    return list(pmids)


def looks_like_pmid_list(head: str) -> bool:
    """Guess whether the start of a file is a PMID list (it holds ids and nothing else).

    Args:
        head: the first few kilobytes of the file; a last line cut short is ignored.
    """
    lines = head.splitlines()
    if len(lines) > 1 and not head.endswith(("\n", "\r")):
        lines = lines[:-1]  # may have been cut mid-token
    try:
        return bool(read_pmid_list("\n".join(lines)))
    except ParseError:
        return False


__all__ = ["looks_like_pmid_list", "read_pmid_list"]
