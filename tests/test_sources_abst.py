"""Evidence Inference ``.abst`` files: detected by content, abstract only, sections kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.errors import ParseError
from extractor.sources import detect_format, load_documents
from extractor.sources.abst import parse_abst


def _files(shared: Path) -> list[Path]:
    return sorted((shared / "data" / "evidence_inference" / "abstracts").glob("PMC*.abst"))


def test_every_abst_file_is_detected_and_parsed(shared_dir: Path) -> None:
    files = _files(shared_dir)
    assert len(files) > 2000
    with_abstract = titled = 0
    for path in files[::7]:
        raw = path.read_text(encoding="utf-8", errors="replace")
        assert detect_format(raw[:8192]) == "abst", path
        (doc,) = load_documents(str(path))
        assert doc.pmcid == path.stem[3:] and doc.record_id == f"pmc:{path.stem}"
        assert " ".join(doc.title.split()) in " ".join(raw.split())  # some TITLEs are empty
        titled += bool(doc.title)
        if doc.abstract:
            with_abstract += 1
            body = raw.find("\nBODY.")
            first = doc.abstract.split("\n\n")[0].split(": ", 1)[-1][:60]
            assert first in raw[: body if body > 0 else None]
            for section in doc.sections:
                assert doc.abstract[section.start : section.end].strip()
    assert with_abstract > 0.95 * len(files[::7]) and titled > 0.95 * len(files[::7])


def test_body_text_is_not_part_of_the_abstract(shared_dir: Path) -> None:
    folder = shared_dir / "data" / "evidence_inference" / "abstracts"
    (doc,) = load_documents(str(folder / "PMC101395.abst"))
    assert doc.title.startswith("Diclofenac does not interact with codeine")
    assert [s.label for s in doc.sections][:2] == ["BACKGROUND", "METHODS"]
    assert "12 healthy volunteers" in doc.abstract
    path = folder / "PMC111193.abst"
    (doc,) = load_documents(str(path))
    assert doc.abstract.startswith("BACKGROUND: Hypotensive epidural anaesthesia")
    raw = path.read_text(encoding="utf-8")
    body = [line for line in raw[raw.index("\nBODY.") :].split("\n")[2:] if line.strip()]
    assert len(body[0]) > 40 and body[0][:80] not in doc.abstract


def test_not_an_abst_file() -> None:
    with pytest.raises(ParseError, match="TITLE"):
        list(parse_abst("just some text", source_label="x.abst"))
