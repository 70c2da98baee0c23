"""Cross-study summaries: grouping, totals, dose ranges, provenance in Markdown, HTML, terminal."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import lxml.html
import pytest
from comparison_sample import remifentanil_studies
from rich.console import Console

from extractor.assemble import extract_evidence
from extractor.records import CONTROL_ROLES, Document, Evidence
from extractor.store import database, iter_records
from extractor.summarize import (
    EvidenceSummary,
    GroupSummary,
    build_summary,
    iter_sources,
    normalize_name,
    render_html,
    render_markdown,
    render_terminal,
)

IVIG = "intravenous immunoglobulin"


# --- fixtures: the seed page three ways, and the session's database of real abstracts -------


@pytest.fixture(scope="module")
def seed_record(nlp, seed_document) -> Evidence:
    return extract_evidence(seed_document, nlp)


@pytest.fixture(scope="module")
def ivig_records(nlp, seed_document, seed_record) -> list[Evidence]:
    """The seed as published (IVIg defined as intravenous immunoglobulin), and the same real
    abstract written once with the long form only and once with the bare abbreviation only."""
    text, title = seed_document.abstract, seed_document.title
    long_only = Document(
        title=title.replace(" (IVIg)", ""),
        abstract=text.replace(f"{IVIG} (IVIg)", IVIG).replace("IVIg", IVIG),
    )
    short_only = Document(
        title=title.replace("Intravenous immunoglobulin (IVIg)", "IVIg"),
        abstract=text.replace(f"{IVIG} (IVIg)", "IVIg"),
    )
    records = [seed_record, extract_evidence(long_only, nlp), extract_evidence(short_only, nlp)]
    arms = [[(a.name, a.long_form) for a in r.interventions] for r in records]
    assert arms == [[("IVIg", IVIG)], [(IVIG, None)], [("IVIg", None)]]  # the premise
    return records


@pytest.fixture(scope="module")
def real_records(evidence_db: Path) -> list[Evidence]:
    with database(evidence_db, create=False) as db:
        return list(iter_records(db))


@pytest.fixture(scope="module")
def real_summary(real_records: list[Evidence]) -> EvidenceSummary:
    return build_summary(real_records, query="all real abstracts")


def _ivig_group(summary: EvidenceSummary) -> GroupSummary:
    (group,) = [g for g in summary.groups if g.intervention == IVIG]
    return group


# --- grouping and totals ----------------------------------------------------------------------


def test_summarize_merges_abbreviation_and_long_form(ivig_records: list[Evidence]) -> None:
    summary = build_summary(ivig_records, query="IVIg")
    assert len(summary.groups) == 1
    group = summary.groups[0]
    assert group.display_name == "intravenous immunoglobulin (IVIg)"
    assert group.condition == "cutaneous lupus erythematosus"
    assert sorted(s.id for s in group.studies) == sorted(r.id for r in ivig_records)
    assert group.n_studies == 3


def test_summarize_total_participants_is_sum_of_known_n(ivig_records: list[Evidence]) -> None:
    unknown = replace(ivig_records[1], population=replace(ivig_records[1].population, n=None))
    records = [ivig_records[0], unknown, ivig_records[2]]
    group = _ivig_group(build_summary(records))
    assert [r.population.n for r in records] == [12, None, 12]
    assert (group.total_participants, group.n_unknown) == (24, 1)
    assert "24 (+ 1 study with unknown n)" in render_markdown(build_summary(records))


def test_summarize_totals_match_member_studies(
    real_summary: EvidenceSummary, real_records: list[Evidence]
) -> None:
    by_id = {r.id: r for r in real_records}
    for group in real_summary.groups:
        sizes = [by_id[s.id].population.n for s in group.studies]
        assert group.total_participants == sum(n for n in sizes if n is not None)
        assert group.n_unknown == sizes.count(None)
        assert group.n_studies == len({s.id for s in group.studies})


def test_summarize_comparators_are_not_groups(
    real_summary: EvidenceSummary, real_records: list[Evidence]
) -> None:
    roles: dict[str, set[str]] = {}
    for arm in (a for r in real_records for a in r.interventions):
        roles.setdefault(normalize_name(arm.long_form or arm.name), set()).add(arm.role)
    only_controls = {k for k, v in roles.items() if v <= CONTROL_ROLES}  # placebo, usual care …
    assert "placebo" in only_controls
    assert not only_controls & {g.intervention for g in real_summary.groups}
    assert any(name == "placebo" for g in real_summary.groups for name, _ in g.comparators)


def test_summarize_real_database_groups_and_order(
    real_summary: EvidenceSummary, real_records: list[Evidence]
) -> None:
    assert real_summary.n_records == len(real_records) >= 500
    assert len(real_summary.groups) >= 20
    assert sum(g.n_studies >= 2 for g in real_summary.groups) >= 3
    keys = [(-g.n_studies, -g.total_participants) for g in real_summary.groups]
    assert keys == sorted(keys)
    grouped = {s.id for g in real_summary.groups for s in g.studies}
    assert grouped.isdisjoint(real_summary.ungrouped)
    assert len(grouped) + len(real_summary.ungrouped) == real_summary.n_records
    # The same records in another order give the same report.
    assert build_summary(list(reversed(real_records)), query="all real abstracts") == real_summary


# --- doses ------------------------------------------------------------------------------------


def test_summarize_seed_dose_range_spans_units(seed_record: Evidence) -> None:
    group = _ivig_group(build_summary([seed_record]))
    (dose_range,) = group.dose_ranges  # 1 g/kg and 400 mg/kg: one range in mg/kg
    assert dose_range.unit == "mg/kg"
    assert (dose_range.low, dose_range.high) == (400, 1000)
    assert (dose_range.low_text, dose_range.high_text) == ("400 mg/kg", "1 g/kg")
    assert dose_range.amounts == "400 mg/kg – 1 g/kg"
    assert dose_range.describe() == "400 mg/kg – 1 g/kg (monthly; intravenous)"
    assert [s.text for s in dose_range.sources] == ["400 mg/kg monthly", "1 g/kgx2"]
    assert "400 mg/kg – 1 g/kg" in render_markdown(build_summary([seed_record]))


def test_summarize_dose_ranges_cover_every_dose(real_summary: EvidenceSummary) -> None:
    ranges = [r for g in real_summary.groups for r in g.dose_ranges]
    assert len(ranges) >= 20
    for dose_range in ranges:
        assert dose_range.low <= dose_range.high
        assert len({d for d, _ in dose_range.doses}) >= 1
        if dose_range.low_text.split(" ", 1)[1] == dose_range.high_text.split(" ", 1)[1]:
            unit = dose_range.low_text.split(" ", 1)[1]
            assert dose_range.amounts.endswith(unit)
    units = {r.unit for r in ranges}
    assert not units & {"g", "ug", "ng"}, "mass units are converted to mg"


# --- provenance -------------------------------------------------------------------------------


def test_summarize_sources_quote_the_abstract(
    real_summary: EvidenceSummary, real_records: list[Evidence]
) -> None:
    by_id = {r.id: r for r in real_records}
    sources = list(iter_sources(real_summary))
    assert len(sources) > 500
    for src in sources:
        abstract = by_id[src.study_id].document.abstract
        assert abstract[src.start : src.end] == src.text
        assert abstract[src.sentence_start : src.sentence_end] == src.sentence
        assert src.sentence_start <= src.start <= src.end <= src.sentence_end


def _html_figures(page: str) -> list[lxml.html.HtmlElement]:
    return lxml.html.fromstring(page).xpath('//details[contains(@class, "fig")]')


def _results_in_groups(summary: EvidenceSummary, records: list[Evidence]):
    cited = {s.id for g in summary.groups for s in g.studies}
    for record in records:
        if record.id in cited:
            for outcome in record.outcomes:
                for result in outcome.results:
                    yield record, result


@pytest.mark.parametrize("which", ["seed", "real"])
def test_summarize_html_results_carry_source_sentence(
    which: str,
    ivig_records: list[Evidence],
    real_records: list[Evidence],
) -> None:
    records = ivig_records if which == "seed" else real_records[:200]
    summary = build_summary(records)
    by_id = {r.id: r for r in records}
    shown: set[tuple[str, str, str]] = set()
    for fig in _html_figures(render_html(summary)):
        record = by_id[fig.get("data-study")]
        expected = record.document.abstract[int(fig.get("data-start")) : int(fig.get("data-end"))]
        assert fig.find("summary").get("title") == expected  # on hover
        assert fig.find(".//blockquote").text_content() == expected  # on expand
        (mark,) = fig.findall(".//mark")
        shown.add((record.id, mark.text_content(), expected))
        link = fig.find(".//a")
        assert link.get("href") in (record_url(record), f"#study-{_anchor(record.id)}")
    results = list(_results_in_groups(summary, records))
    assert len(results) >= (3 if which == "seed" else 100)
    for record, result in results:
        assert any(rid == record.id and text == result.text for rid, text, _ in shown), result


def record_url(record: Evidence) -> str | None:
    pmid = record.document.pmid
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None


def _anchor(record_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", record_id)


def test_summarize_html_study_anchors_exist(real_summary: EvidenceSummary) -> None:
    root = lxml.html.fromstring(render_html(real_summary))
    ids = set(root.xpath("//@id"))
    local = {h[1:] for h in root.xpath("//a/@href") if h.startswith("#")}
    assert local and local <= ids
    assert len(root.xpath('//ol[@class="studies"]/li')) == len(real_summary.studies)


@pytest.mark.parametrize("which", ["seed", "real", "empty"])
def test_summarize_html_is_self_contained(
    which: str, ivig_records: list[Evidence], real_records: list[Evidence]
) -> None:
    records = {"seed": ivig_records, "real": real_records, "empty": []}[which]
    page = render_html(build_summary(records, query="<b>IVIg</b> & more"))
    lower = page.lower()
    for banned in ('src="http', "<script", "<link", "@import", "url(", "<iframe"):
        assert banned not in lower
    assert "<style>" in page and page.rstrip().endswith("</html>")
    assert "&lt;b&gt;IVIg&lt;/b&gt; &amp; more" in page and "<b>IVIg" not in page


# --- Markdown ---------------------------------------------------------------------------------


def _table_rows(markdown: str) -> list[list[list[str]]]:
    """Each table as rows of cells, splitting only on unescaped pipes."""
    tables: list[list[list[str]]] = []
    previous = False
    for line in markdown.splitlines():
        is_row = line.startswith("|")
        if is_row:
            cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
            if not previous:
                tables.append([])
            tables[-1].append(cells)
        previous = is_row
    return tables


@pytest.mark.parametrize("which", ["pipes", "real"])
def test_summarize_markdown_rows_have_header_cells(
    which: str, seed_record: Evidence, real_records: list[Evidence]
) -> None:
    if which == "pipes":
        outcomes = tuple(replace(o, name=f"{o.name} | a|b") for o in seed_record.outcomes)
        events = tuple(replace(e, name="rash | itch") for e in seed_record.adverse_events)
        doc = replace(seed_record.document, title="IVIg | lupus", pmid="12345")
        records = [replace(seed_record, outcomes=outcomes, adverse_events=events, document=doc)]
    else:
        records = real_records
    markdown = render_markdown(build_summary(records))
    tables = _table_rows(markdown)
    assert tables
    for table in tables:
        assert {len(row) for row in table} == {len(table[0])}, table
    if which == "pipes":
        assert r"complete or near complete clearing of their skin disease \| a\|b" in markdown
        assert "[PMID 12345](https://pubmed.ncbi.nlm.nih.gov/12345/)" in markdown


def test_summarize_markdown_footnotes_quote_sentences(seed_record: Evidence) -> None:
    markdown = render_markdown(build_summary([seed_record]))
    refs = set(re.findall(r"\[\^(\d+)\](?!:)", markdown))
    notes = dict(re.findall(r"^\[\^(\d+)\]: (.*)$", markdown, flags=re.M))
    assert refs and refs == set(notes)
    assert any(
        "“Twelve patients with histologically confirmed cutaneous LE" in n for n in notes.values()
    )
    row = next(line for line in markdown.splitlines() if line.startswith("| complete"))
    assert "5 (>75%)[^" in row.replace("\\>", ">")


# --- empty input and the terminal -------------------------------------------------------------


def test_summarize_empty_input() -> None:
    summary = build_summary([], query="nothing")
    assert (summary.groups, summary.n_records, summary.studies) == ((), 0, ())
    assert "No studies found for “nothing”." in render_markdown(summary)
    assert "No studies found" in lxml.html.fromstring(render_html(summary)).text_content()
    console = Console(file=io.StringIO(), width=100)
    render_terminal(summary, console)
    assert "No studies found" in console.file.getvalue()  # type: ignore[attr-defined]


def test_summarize_records_without_interventions_are_ungrouped(real_records) -> None:
    bare = [r for r in real_records if not r.interventions][:3]
    summary = build_summary(bare)
    assert summary.groups == () and summary.ungrouped == tuple(sorted(r.id for r in bare))
    assert "nothing to group" in render_markdown(summary)


def test_summarize_terminal_tables_stay_narrow(
    ivig_records: list[Evidence], real_summary: EvidenceSummary
) -> None:
    summary = replace(real_summary, groups=real_summary.groups[:15])
    console = Console(file=io.StringIO(), width=100, color_system=None)
    render_terminal(summary, console)
    render_terminal(build_summary(ivig_records), console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "intravenous immunoglobulin (IVIg)" in text
    assert "400 mg/kg – 1 g/kg" in text


GOLDEN = Path(__file__).parent / "golden" / "summary.md"


def test_summarize_markdown_matches_golden(
    ivig_records: list[Evidence], update_golden: bool
) -> None:
    """The seed three ways, as Markdown (rewrite only with ``pytest --update-golden``)."""
    markdown = render_markdown(build_summary(ivig_records, query="IVIg"))
    if update_golden:
        GOLDEN.write_text(markdown, "utf-8")
    assert markdown == GOLDEN.read_text("utf-8")


# --- comparisons ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def remi_summary() -> EvidenceSummary:
    return build_summary(remifentanil_studies(), query="remifentanil", focus=["remifentanil"])


def _group_of(summary: EvidenceSummary, key: str) -> GroupSummary:
    (group,) = [g for g in summary.groups if g.intervention == key]
    return group


def test_summarize_comparison_counts_per_outcome(remi_summary: EvidenceSummary) -> None:
    remi = _group_of(remi_summary, "remifentanil")
    assert [g.intervention for g in remi_summary.groups] == ["remifentanil", "sevoflurane"]
    assert remi.comparators == (("Alfentanil", 1), ("placebo", 1), ("usual care", 1))
    ponv, pain = remi.comparisons
    # "Nausea and Vomiting" in one study is the same outcome, case-folded
    assert (ponv.name, ponv.n_studies, pain.name) == ("nausea and vomiting", 4, "pain scores")
    assert ponv.counts == (("increased", 1), ("decreased", 2), ("no difference", 1))
    assert pain.counts == (("increased", 0), ("decreased", 0), ("no difference", 1))
    assert ponv.count(None) == 0
    by_study = {item.study_id: item for item in ponv.items}
    assert [item.study_id for item in ponv.items] == [s.id for s in remi.studies]  # newest first
    first = by_study["pmid:11111111"]
    assert (first.intervention, first.versus, first.direction, first.reversed) == (
        "Remifentanil",
        "Alfentanil",
        "increased",
        False,
    )
    assert [a.text for a in first.arms] == ["Remifentanil: 30%", "Alfentanil: 5%"]
    assert (first.p_value, first.effect) == ("P=0.045", "OR 8.1 (CI 1.6–41)")
    assert first.source.sentence.startswith("Nausea and vomiting occurred more often")
    # the head-to-head trial states "sevoflurane vs remifentanil, increased": read for
    # remifentanil it is decreased, and marked reversed
    flipped = by_study["pmid:44444444"]
    assert (flipped.intervention, flipped.versus, flipped.direction, flipped.reversed) == (
        "remifentanil",
        "sevoflurane",
        "decreased",
        True,
    )
    sevo = _group_of(remi_summary, "sevoflurane")
    (sevo_ponv,) = sevo.comparisons
    assert [(i.direction, i.reversed) for i in sevo_ponv.items] == [("increased", False)]


def test_summarize_comparisons_without_direction_are_counted_apart() -> None:
    records = remifentanil_studies()[:2]
    stated = records[1].comparisons[0]
    records[1] = replace(records[1], comparisons=(replace(stated, direction=None),))
    (ponv, _pain) = _group_of(build_summary(records), "remifentanil").comparisons
    assert ponv.counts == (("increased", 1), ("decreased", 0), ("no difference", 0))
    assert ponv.count(None) == 1


def test_summarize_comparison_sources_quote_the_abstract(remi_summary: EvidenceSummary) -> None:
    by_id = {r.id: r for r in remifentanil_studies()}
    sources = [
        src
        for group in remi_summary.groups
        for outcome in group.comparisons
        for item in outcome.items
        for src in (item.source, *(a.source for a in item.arms))
    ]
    # 6 sentences (remifentanil 4 + 1, sevoflurane 1) and their 10 per-arm figures
    assert len(sources) == 6 + 10
    assert set(sources) <= set(iter_sources(remi_summary))
    for src in sources:
        abstract = by_id[src.study_id].document.abstract
        assert abstract[src.start : src.end] == src.text
        assert abstract[src.sentence_start : src.sentence_end] == src.sentence


def test_summarize_comparisons_markdown(remi_summary: EvidenceSummary) -> None:
    markdown = render_markdown(remi_summary)
    assert "### Comparisons: remifentanil vs control" in markdown
    lines = markdown.splitlines()
    assert "| nausea and vomiting | 1 | 2 | 1 | 0 | 4 |" in lines
    assert "| pain scores | 0 | 0 | 1 | 0 | 1 |" in lines
    row = next(line for line in lines if "| Alfentanil | increased[^" in line)
    assert "Remifentanil: 30%[^" in row and "| P=0.045 | OR 8.1 (CI 1.6–41) |" in row
    assert "(reversed: stated as sevoflurane vs remifentanil)" in markdown
    for table in _table_rows(markdown):
        assert {len(row) for row in table} == {len(table[0])}, table
    notes = dict(re.findall(r"^\[\^(\d+)\]: (.*)$", markdown, flags=re.M))
    number = re.search(r"\| Alfentanil \| increased\[\^(\d+)\]", row).group(1)  # type: ignore[union-attr]
    assert notes[number].startswith("PMID 11111111, characters")
    assert "“Nausea and vomiting occurred more often with Remifentanil" in notes[number]


def test_summarize_comparisons_html(remi_summary: EvidenceSummary) -> None:
    page = render_html(remi_summary)
    root = lxml.html.fromstring(page)
    (counts, *_) = root.xpath('//table[@class="comparison-counts"]')
    rows = [[td.text_content() for td in tr.xpath("./td")] for tr in counts.xpath(".//tbody/tr")]
    assert rows == [
        ["nausea and vomiting", "1", "2", "1", "0", "4"],
        ["pain scores", "0", "0", "1", "0", "1"],
    ]
    by_id = {r.id: r for r in remifentanil_studies()}
    directions = root.xpath('//table[@class="comparisons"]//details[contains(@class, "dir")]')
    assert len(directions) == 5 + 1  # remifentanil's five, sevoflurane's one
    for fig in directions:
        abstract = by_id[fig.get("data-study")].document.abstract
        sentence = abstract[int(fig.get("data-start")) : int(fig.get("data-end"))]
        assert fig.find("summary").get("title") == sentence
    labels = [d.find("summary").text_content() for d in directions[:5]]
    assert labels == [
        "▼ decreased",
        "▼ decreased",
        "= no difference",
        "▲ increased",
        "= no difference",
    ]
    assert page.count("(reversed)") == 1
    ids = set(root.xpath("//@id"))
    assert {h[1:] for h in root.xpath("//a/@href") if h.startswith("#")} <= ids


def test_summarize_comparisons_terminal(remi_summary: EvidenceSummary) -> None:
    wide = Console(file=io.StringIO(), width=200, color_system=None)
    render_terminal(remi_summary, wide)
    text = wide.file.getvalue()  # type: ignore[attr-defined]
    assert "Comparisons: remifentanil vs control" in text
    assert "▲1 ▼2 =1" in text and "▲ increased · ▼ decreased · = no difference" in text
    assert "decreased (reversed)" in text and "P=0.045; OR 8.1" in text
    assert "(no outcome figures)" not in text  # the comparisons stand in for the empty table
    narrow = Console(file=io.StringIO(), width=100, color_system=None)
    render_terminal(remi_summary, narrow)
    lines = narrow.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert max(len(line) for line in lines) <= 100
