"""Terminal output of untrusted text (issue 14): rich markup stays literal, escape sequences and
control characters never reach the terminal, JSON stays exact; the query table and the show
report stay readable at 80 and 160 columns, and a query prints at most 50 table rows."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from comparison_sample import trial

from extractor.cli import cli
from extractor.records import Evidence
from extractor.render import json_safe, safe_text, wrap_lines
from extractor.store import database, store_record

OSC52 = "\x1b]52;c;SGVsbG8=\x07"
OSC0 = "\x1b]0;pwned\x07"
OSC8 = "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"
HOSTILE_TITLE = f"[/b] Dose [mg/kg] study {OSC52}{OSC0}{OSC8} \x1b[31mred\x1b[0m \x9b2J end"
ARM = "IVIg [mg/kg]\x1b[31m"
CONTROL = "placebo[/b]\x9b"
OUTCOME = "pain [/i] score"
PAYLOADS = ("SGVsbG8=", "pwned", "http://x", "52;c", "[31m", "2J")
# Every byte a terminal may act on: C0 but newline and tab, DEL, C1.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

LONG_TITLE = (
    "Intravenous immunoglobulin versus methylprednisolone pulses for therapy-resistant "
    "cutaneous lupus erythematosus: a randomised double-blind multicentre comparison of "
    "remission, relapse and health-related quality of life over twenty-four months."
)


def _hostile() -> Evidence:
    record = trial(
        "99999999",
        2020,
        ARM,
        CONTROL,
        "placebo",
        direction="decreased",
        figures=("30%", "5%"),
        p="P=0.04",
        outcome=OUTCOME,
    )
    return replace(record, document=replace(record.document, title=HOSTILE_TITLE))


def _long(pmid: str, year: int = 2020) -> Evidence:
    record = trial(
        pmid,
        year,
        "methylprednisolone pulses",
        "intravenous immunoglobulin",
        "active",
        direction="no_difference",
        figures=("40%", "38%"),
        p="P=0.71",
        outcome="remission at twenty-four months",
    )
    return replace(record, document=replace(record.document, title=LONG_TITLE))


@pytest.fixture()
def hostile_db(db_path: Path) -> Path:
    with database(db_path) as db:
        store_record(db, _hostile())
    return db_path


def invoke(*args: str, columns: int | None = 100) -> Result:
    """Run the CLI as a colour terminal would see it (click strips nothing: ``color=True``)."""
    env = {
        "COLUMNS": None if columns is None else str(columns),
        "FORCE_COLOR": None,
        "TTY_COMPATIBLE": None,
        "TTY_INTERACTIVE": None,
    }
    result = CliRunner().invoke(cli, list(args), color=True, env=env, catch_exceptions=False)
    return result


def _assert_safe(text: str, *literal: str) -> None:
    assert not _UNSAFE.search(text), repr(_UNSAFE.findall(text))
    for payload in PAYLOADS:
        assert payload not in text, payload
    for part in literal:
        assert part in text, part


# --- the helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        (f"a{OSC52}b", "ab"),
        (f"a{OSC0}b", "ab"),
        (f"a{OSC8}b", "alinkb"),
        ("a\x1b]0;t\x1b\\b", "ab"),  # OSC ended by ST
        ("a\x9d0;t\x9cb", "ab"),  # C1 OSC and ST
        ("a\x1b[31mred\x1b[0mb", "aredb"),
        ("a\x1b[2;5Hb\x1b[?25lc", "abc"),
        ("a\x9b2Jb", "ab"),
        ("a\x1bPq#0;2\x1b\\b", "ab"),  # DCS (sixel)
        ("a\x1b_apc\x07b", "ab"),
        ("a\x1bcb", "ab"),  # RIS, full reset
        ("a\rb\x08c\x00d\x7fe\x85f\x1b", "abcdef"),
        ("line\n\tindented [b]bold[/b] [mg/kg]", "line\n\tindented [b]bold[/b] [mg/kg]"),
        ("ünïcødé – µg/kg ≥ 5 · 日本", "ünïcødé – µg/kg ≥ 5 · 日本"),
    ],
)
def test_safe_text(raw: str, safe: str) -> None:
    assert safe_text(raw) == safe


def test_json_safe_escapes_c1_and_keeps_the_value() -> None:
    data = {"title": HOSTILE_TITLE, "arm": CONTROL + "\x7f\x85"}
    text = json_safe(json.dumps(data, ensure_ascii=False))
    assert not _UNSAFE.search(text)
    assert "\\u009b" in text and json.loads(text) == data


def test_wrap_lines_keeps_words_whole() -> None:
    text = "conclusion: " + LONG_TITLE + "\n  result: " + "x" * 100
    wrapped = wrap_lines(text, 40)
    assert wrapped.split() == text.split()  # no word cut, none lost
    lines = wrapped.splitlines()
    assert all(len(line) <= 40 for line in lines if "xxx" not in line)
    assert lines[1].startswith("  ") and not lines[1].startswith("   ")
    assert wrap_lines(text, None) == text


# --- every command, with a hostile record ------------------------------------------------------


def test_query_table_keeps_brackets_and_drops_escapes(hostile_db: Path) -> None:
    for columns in (80, 160):
        result = invoke("query", "--db", str(hostile_db), columns=columns)
        assert result.exit_code == 0, result.output
        _assert_safe(result.stdout, "[/b] Dose [mg/kg] study", "link", "IVIg [mg/kg]")


def test_query_user_terms_with_markup(hostile_db: Path) -> None:
    result = invoke("query", "[/b]", "--db", str(hostile_db))
    assert result.exit_code == 0


def test_query_csv_and_json(hostile_db: Path) -> None:
    result = invoke("query", "--csv", "--db", str(hostile_db))
    _assert_safe(result.stdout, "[/b] Dose [mg/kg] study", "placebo[/b]")
    result = invoke("query", "--json", "--db", str(hostile_db))
    assert not _UNSAFE.search(result.stdout)
    (hit,) = json.loads(result.stdout)
    assert hit["title"] == HOSTILE_TITLE and hit["comparators"] == [CONTROL]  # exact


def test_show_text_json_html(hostile_db: Path) -> None:
    for columns in (None, 80):
        result = invoke("show", "99999999", "--db", str(hostile_db), columns=columns)
        assert result.exit_code == 0
        _assert_safe(
            result.stdout, "[/b] Dose [mg/kg] study", "placebo[/b]", OUTCOME, "IVIg [mg/kg]"
        )
    result = invoke("show", "99999999", "--json", "--db", str(hostile_db))
    assert not _UNSAFE.search(result.stdout)
    assert json.loads(result.stdout) == _hostile().to_dict()
    result = invoke("show", "99999999", "--html", "--db", str(hostile_db))
    assert not _UNSAFE.search(result.stdout) and "[mg/kg]" in result.stdout


def test_summarize_terminal_and_markdown(hostile_db: Path) -> None:
    result = invoke("summarize", "--db", str(hostile_db))
    assert result.exit_code == 0
    _assert_safe(result.stdout, "IVIg [mg/kg]", "placebo[/b]", OUTCOME)
    assert "Comparisons: IVIg [mg/kg] vs control" in result.stdout
    result = invoke("summarize", "--format", "markdown", "--db", str(hostile_db))
    assert result.exit_code == 0
    assert not _UNSAFE.search(result.stdout)


def test_summarize_empty_result_with_markup_query(hostile_db: Path) -> None:
    result = invoke("summarize", "[/b]nothing", "--db", str(hostile_db))
    assert result.exit_code == 0 and "[/b]nothing" in result.stdout


def test_extract_page_with_escapes(seed_path: Path, tmp_path: Path) -> None:
    seed = seed_path.read_text("utf-8")
    title = "Intravenous immunoglobulin (IVIg) for therapy-resistant cutaneous lupus"
    assert title in seed
    page = tmp_path / "hostile.txt"
    page.write_text(
        seed.replace(title, f"IVIg {HOSTILE_TITLE} lupus", 1).replace(
            "A group of patients", f"A group [/i] of {OSC0}patients", 1
        ),
        "utf-8",
    )
    result = invoke("extract", str(page), "--no-db", columns=80)
    assert result.exit_code == 0, result.output
    _assert_safe(result.stdout, "[/b] Dose [mg/kg]", "400 mg/kg")
    result = invoke("extract", str(page), "--no-db", "--json")
    assert not _UNSAFE.search(result.stdout)
    document = json.loads(result.stdout)["document"]
    # The cleaner drops terminal control sequences from what it reads (they are not text), so
    # the stored record keeps the words and the markup-like brackets, not the escapes.
    assert "[/b] Dose [mg/kg] study" in document["title"]
    assert "\x1b" not in document["title"] and "\x1b" not in document["abstract"]
    assert "A group [/i] of patients" in document["abstract"]


def test_error_messages_are_safe(tmp_path: Path) -> None:
    missing = str(tmp_path / f"no{OSC0}[/b].txt")
    result = invoke("extract", missing, "--no-db")
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    _assert_safe(result.stderr, "[/b].txt")
    result = invoke("batch", missing, "--db", str(tmp_path / "b.db"))
    assert result.exit_code == 1 and result.stderr.startswith("failed: ")
    _assert_safe(result.stderr, "[/b].txt")
    result = invoke("show", f"pmid:1{OSC0}", "--db", str(tmp_path / "b.db"))
    assert result.exit_code == 1 and not _UNSAFE.search(result.stderr)


# --- layout: the query table and show at 80 and 160 columns ------------------------------------


@pytest.fixture()
def many_db(db_path: Path) -> Path:
    with database(db_path) as db:
        for i in range(60):
            store_record(db, _long(f"{10000000 + i}", 1950 + i))  # same title: years differ
    return db_path


def _title_column(out: str) -> int:
    """Where the title column starts (the header line)."""
    header = next(line for line in out.splitlines() if line.startswith("id "))
    return header.index("title")


@pytest.mark.parametrize("columns", [80, 160])
def test_query_table_fits_and_keeps_words_whole(many_db: Path, columns: int) -> None:
    result = invoke("query", "--limit", "3", "--db", str(many_db), columns=columns)
    assert result.exit_code == 0
    out = result.stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert columns - _title_column(out) >= (30 if columns == 80 else 60)
    tokens = set(out.split())
    assert set(LONG_TITLE.split()) <= tokens  # every word whole, none cut or folded
    assert "methylprednisolone" in tokens  # the interventions are shown (own column or below)
    if columns == 160:
        assert "interventions" in lines[0] and "design" in lines[0]


def test_query_table_is_capped_at_50_rows(many_db: Path) -> None:
    result = invoke("query", "--db", str(many_db), columns=160)
    assert result.exit_code == 0
    assert sum(line.startswith("pmid:") for line in result.stdout.splitlines()) == 50
    assert "showing 50 of 60 record(s); narrow the query or use --limit" in result.stderr
    result = invoke("query", "--limit", "55", "--db", str(many_db), columns=160)
    assert sum(line.startswith("pmid:") for line in result.stdout.splitlines()) == 55
    assert "showing" not in result.stderr
    assert len(json.loads(invoke("query", "--json", "--db", str(many_db)).stdout)) == 60


@pytest.mark.parametrize("columns", [80, 160])
def test_show_wraps_at_word_boundaries(many_db: Path, columns: int) -> None:
    result = invoke("show", "10000000", "--db", str(many_db), columns=columns)
    assert result.exit_code == 0
    out = result.stdout
    assert max(len(line) for line in out.splitlines()) <= columns
    assert set(LONG_TITLE.split()) <= set(out.split())
    title_lines = out.split("\nid: ")[0]
    assert title_lines.split() == LONG_TITLE.split()
    if columns == 80:  # the comparisons table is too wide: a paragraph per comparison
        assert "  remission at twenty-four months: methylprednisolone pulses vs" in out
        assert "40% · intravenous immunoglobulin 38%" in " ".join(out.split())
    else:  # it fits: the aligned table, as before
        assert out.splitlines()[-2].split()[:3] == ["outcome", "comparison", "direction"]


def test_show_piped_is_not_wrapped(many_db: Path) -> None:
    result = invoke("show", "10000000", "--db", str(many_db), columns=None)
    assert result.stdout.splitlines()[0] == LONG_TITLE
