"""Reading sources: kind by content, clear InputErrors, stdin."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from extractor.errors import InputError
from extractor.settings import Settings
from extractor.sources import load_document, read_source
from extractor.sources.files import detect_kind

HTML = (
    "<!DOCTYPE html><html><head><title>x</title></head><body><p>Hello world text.</p></body></html>"
)


def test_files_kind_html_saved_as_txt(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(HTML, "utf-8")
    assert read_source(str(path)).kind == "html"


def test_files_kind_text_saved_as_html(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text("Just some words about a trial. Nothing marked up.", "utf-8")
    assert read_source(str(path)).kind == "text"


def test_files_kind_fragment_by_tag_density() -> None:
    assert detect_kind("<div><p>One</p><p>Two</p><p>Three</p></div>") == "html"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t  ", "empty"),
        (b"\x00\x01\x02\x03binary\x00\x00", "binary"),
        (b"12345 67890 !!! ??? 42", "no readable words"),
    ],
)
def test_files_bad_content_raises(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=reason):
        read_source(str(path))


def test_files_missing_raises(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_source(str(tmp_path / "nope.txt"))


def test_files_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        read_source(str(tmp_path))


def test_files_too_large_raises(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 100, "utf-8")
    with pytest.raises(InputError, match="larger than"):
        read_source(str(path), settings=Settings(max_bytes=100))


def test_files_decodes_cp1252_and_bom(tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes("Caf\u00e9 na\u00efve \u2013 words".encode("cp1252"))
    assert "Café" in read_source(str(legacy)).content
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfHello words")
    assert read_source(str(bom)).content == "Hello words"


def test_files_meta_charset(tmp_path: Path) -> None:
    path = tmp_path / "latin.html"
    html = (
        '<html><head><meta charset="iso-8859-1"></head><body><p>Gr\u00fc\u00dfe</p></body></html>'
    )
    path.write_bytes(html.encode("latin-1"))
    assert "Grüße" in read_source(str(path)).content


def test_files_stdin_text_and_bytes() -> None:
    assert read_source("-", stdin=io.StringIO("Some words here")).kind == "text"
    raw = read_source("-", stdin=io.BytesIO(HTML.encode()))
    assert raw.kind == "html" and raw.source == "-"


def test_files_load_document_seed(seed_path: Path) -> None:
    doc = load_document(str(seed_path))
    assert doc.kind == "text" and doc.abstract.startswith("BACKGROUND:")


def test_files_load_document_html_saved_as_txt(tmp_path: Path) -> None:
    prose = (
        "We randomised 240 adults with chronic migraine to topiramate or placebo for 16 weeks. "
        "Monthly migraine days fell by 3.1 with topiramate and by 1.2 with placebo overall."
    )
    path = tmp_path / "saved.txt"
    path.write_text(f"<html><body><div class='abstract'><p>{prose}</p></div></body></html>")
    doc = load_document(str(path))
    assert doc.kind == "html" and doc.abstract == prose
