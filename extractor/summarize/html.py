"""The summary as one self-contained HTML page (inline CSS, no scripts, no external files)."""

from __future__ import annotations

import html
from collections import Counter

from .model import DIRECTIONS, NOT_STATED, EvidenceSummary, GroupSummary, Source, StudyRef
from .wording import _ARROWS, _empty_message, _overview, _studies

_CSS = """
:root { --ink: #1f2933; --muted: #61707f; --line: #d9dee3; --soft: #f5f7f9; --accent: #2a5d8f; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
  font: 15px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 0 0 10px; }
h3 { font-size: 13px; margin: 18px 0 6px; text-transform: uppercase; letter-spacing: .06em;
  color: var(--muted); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.meta { color: var(--muted); margin: 0 0 20px; }
.group { border: 1px solid var(--line); border-radius: 8px; padding: 18px 20px; margin: 22px 0; }
.group h2 .num { color: var(--muted); font-weight: 400; margin-right: 4px; }
.group h2 .cond { color: var(--muted); font-weight: 400; }
.stats { display: flex; gap: 28px; margin: 6px 0 10px; }
.stat .v { font-size: 22px; font-weight: 600; display: block; }
.stat .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
dl.facts { display: grid; grid-template-columns: 120px 1fr; gap: 4px 12px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line);
  padding: 6px 8px; white-space: nowrap; }
td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
tbody tr:nth-child(even) td { background: var(--soft); }
td.num, th.num { text-align: right; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
.muted { color: var(--muted); }
details.fig { display: inline-block; vertical-align: top; }
details.fig > summary { display: inline; cursor: help; list-style: none;
  border-bottom: 1px dotted var(--muted); }
details.fig > summary::-webkit-details-marker { display: none; }
details.fig[open] > summary { background: #fff3c4; }
details.fig .src { display: block; margin: 6px 0 4px; padding: 8px 10px;
  min-width: 280px; max-width: 560px;
  background: #fffdf3; border: 1px solid #eadfae; border-radius: 6px; font-size: 13px; }
details.fig blockquote { margin: 0 0 4px; }
details.fig mark { background: #ffe58a; padding: 0 1px; }
.cite { color: var(--muted); font-size: 12px; margin: 0; }
.dir > summary { border-bottom: 0; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  white-space: nowrap; }
.dir-increased > summary { background: #e3f2e8; color: #1d6b3a; }
.dir-decreased > summary { background: #fdeee0; color: #9a4a12; }
.dir-no-difference > summary { background: #eceff2; color: #4a5561; }
td.count { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.zero { color: var(--line); }
.sep { color: var(--muted); margin: 0 4px; }
details.more { display: inline; margin-left: 6px; font-size: 12px; }
details.more > summary { display: inline; cursor: pointer; color: var(--accent); }
details.more ul { margin: 4px 0; padding-left: 18px; font-size: 14px; }
.toc td:first-child { color: var(--muted); width: 36px; }
ol.studies { padding-left: 22px; }
ol.studies li { margin: 0 0 8px; }
ol.studies li:target { background: #fff3c4; }
footer { color: var(--muted); font-size: 12px; margin-top: 36px; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _h_study(study: StudyRef) -> str:
    title = _e(study.title or study.id)
    if study.url:
        return f'<a class="study" href="{_e(study.url)}" title="{title}">{_e(study.label)}</a>'
    code = f"<code>{_e(study.id)}</code>"
    return f'<a class="study" href="#{_e(study.anchor)}" title="{title}">{code}</a>'


def _h_fig(text: str, source: Source, study: StudyRef, *, cls: str = "") -> str:
    """A figure whose source sentence shows on hover (``title``) and on click (``<details>``)."""
    sentence = source.sentence
    a, b = source.start - source.sentence_start, source.end - source.sentence_start
    quote = f"{_e(sentence[:a])}<mark>{_e(sentence[a:b])}</mark>{_e(sentence[b:])}"
    return (
        f'<details class="fig{" " + cls if cls else ""}" data-study="{_e(study.id)}" '
        f'data-start="{source.sentence_start}" data-end="{source.sentence_end}">'
        f'<summary title="{_e(sentence)}">{_e(text)}</summary>'
        f'<span class="src"><blockquote>{quote}</blockquote>'
        f'<span class="cite">{_h_study(study)} · characters {source.sentence_start}–'
        f"{source.sentence_end}</span></span></details>"
    )


def render_html(summary: EvidenceSummary) -> str:
    """The summary as one self-contained HTML page (inline CSS, no scripts, no external files).

    Every figure shows the sentence it came from on hover and, when clicked, quotes it with the
    figure highlighted and links to the study (PubMed when it has a PMID, else the study list).
    """
    title = f"Evidence summary: {summary.query}" if summary.query else "Evidence summary"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(_overview(summary))} Hover over a figure to see the sentence it '
        "was read from; click it to quote the sentence and link to the study.</p>",
    ]
    if not summary.groups:
        out.append(f'<p class="empty">{_e(_empty_message(summary))}</p>')
    else:
        out += _h_toc(summary)
    for number, group in enumerate(summary.groups, 1):
        out += _h_group(number, group, summary)
    if summary.studies:
        out.append('<section id="studies"><h2>Studies</h2><ol class="studies">')
        for study in summary.studies:
            link = f' · <a href="{_e(study.url)}">{_e(study.label)}</a>' if study.url else ""
            doi = f' · <a href="https://doi.org/{_e(study.doi)}">doi:{_e(study.doi)}</a>'
            out.append(
                f'<li id="{_e(study.anchor)}"><strong>{_e(study.title or "(untitled)")}</strong>'
                f'<br><span class="muted">{_e(study.year or "year not stated")} · '
                f"{_e(study.design or 'design not stated')} · "
                f"{_e(f'n={study.n}' if study.n is not None else 'n not stated')}{link}"
                f"{doi if study.doi else ''} · <code>{_e(study.id)}</code></span></li>"
            )
        out.append("</ol></section>")
    out.append(
        "<footer>Generated by evidence-extractor from extracted records; figures are "
        "machine-read and should be checked against the source.</footer>"
    )
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def _h_toc(summary: EvidenceSummary) -> list[str]:
    out = [
        '<table class="toc"><thead><tr><th>#</th><th>Intervention</th><th>Condition</th>'
        '<th class="num">Studies</th><th class="num">Participants</th><th>Directions</th>'
        "</tr></thead><tbody>"
    ]
    for number, group in enumerate(summary.groups, 1):
        counts = Counter(f.direction for o in group.outcomes for f in o.findings if f.direction)
        dirs = " ".join(f"{_ARROWS[d]}{counts[d]}" for d in DIRECTIONS if counts[d])
        known = "—" if group.n_unknown == group.n_studies else str(group.total_participants)
        unknown = group.n_unknown if known != "—" else 0
        out.append(
            f'<tr><td>{number}</td><td><a href="#group-{number}">{_e(group.display_name)}</a>'
            f"</td><td>{_e(group.condition)}</td><td class='num'>{group.n_studies}</td>"
            f"<td class='num'>{known}"
            + (f' <span class="muted">(+{unknown} unknown)</span>' if unknown else "")
            + f'</td><td class="nowrap" title="increased / decreased / no difference">'
            f"{_e(dirs)}</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def _h_group(number: int, group: GroupSummary, summary: EvidenceSummary) -> list[str]:
    study = summary.study
    unknown = f" (+{group.n_unknown} unknown)" if group.n_unknown else ""
    total = "—" if group.n_unknown == group.n_studies else str(group.total_participants)
    out = [
        f'<section class="group" id="group-{number}">',
        f'<h2><span class="num">{number}.</span>{_e(group.display_name)} '
        f'<span class="cond">· {_e(group.condition)}</span></h2>',
        '<div class="stats">'
        f'<div class="stat"><span class="v">{group.n_studies}</span>'
        f'<span class="k">{_studies(group.n_studies).split()[1]}</span></div>'
        f'<div class="stat"><span class="v">{total}</span>'
        f'<span class="k">participants{_e(unknown)}</span></div></div>',
        '<dl class="facts">',
        f"<dt>Designs</dt><dd>{_e(', '.join(f'{d} ({c})' for d, c in group.designs))}</dd>",
    ]
    doses = []
    for r in group.dose_ranges:
        low = _h_fig(r.low_text, r.low_source, study(r.low_source.study_id))
        item = low
        if r.high != r.low:
            high = _h_fig(r.high_text, r.high_source, study(r.high_source.study_id))
            item = f'{low}<span class="sep">–</span>{high}'
        if r.qualifiers:
            item += f' <span class="muted">({_e(r.qualifiers)})</span>'
        if len(r.doses) > 2 or (len(r.doses) == 2 and r.high == r.low):
            listed = "".join(
                f"<li>{_h_fig(text, src, study(src.study_id))}</li>" for text, src in r.doses
            )
            item += f'<details class="more"><summary>all {len(r.doses)} doses</summary>'
            item += f"<ul>{listed}</ul></details>"
        doses.append(item)
    out.append(
        f"<dt>Doses</dt><dd>{'; '.join(doses) or '<span class=muted>not stated</span>'}</dd>"
    )
    comparators = ", ".join(f"{_e(n)} ({c})" for n, c in group.comparators)
    out.append(
        f"<dt>Comparators</dt><dd>{comparators or '<span class=muted>none named</span>'}</dd></dl>"
    )
    out.append(
        '<table class="studies"><thead><tr><th>Study</th><th>Year</th><th>Design</th>'
        '<th class="num">n</th><th>Title</th></tr></thead><tbody>'
    )
    for ref in group.studies:
        n = _h_fig(str(ref.n), ref.n_source, ref) if ref.n_source else _e(ref.n or "?")
        out.append(
            f'<tr><td class="nowrap">{_h_study(ref)}</td><td>{_e(ref.year or "")}</td>'
            f"<td>{_e(ref.design or NOT_STATED)}</td><td class='num'>{n}</td>"
            f"<td>{_e(ref.title)}</td></tr>"
        )
    out.append("</tbody></table>")
    if group.outcomes:
        out.append(
            "<h3>Outcomes</h3><table><thead><tr><th>Outcome</th><th>Study</th><th>Result</th>"
            "<th>Direction</th></tr></thead><tbody>"
        )
        for outcome in group.outcomes:
            for i, finding in enumerate(outcome.findings):
                ref = study(finding.study_id)
                name = (
                    f'<td rowspan="{len(outcome.findings)}">{_e(outcome.name)}</td>'
                    if i == 0
                    else ""
                )
                results = "; ".join(_h_fig(r.text, r.source, ref) for r in finding.results)
                direction = '<span class="muted">—</span>'
                if finding.direction and finding.direction_source:
                    cls = "dir dir-" + finding.direction.replace(" ", "-")
                    label = f"{_ARROWS.get(finding.direction, '')} {finding.direction}".strip()
                    direction = _h_fig(label, finding.direction_source, ref, cls=cls)
                elif finding.direction:
                    direction = _e(finding.direction)
                out.append(
                    f'<tr>{name}<td class="nowrap">{_h_study(ref)}</td>'
                    f"<td>{results or '<span class=muted>—</span>'}</td><td>{direction}</td></tr>"
                )
        out.append("</tbody></table>")
    if group.comparisons:
        out += _h_comparisons(group, summary)
    if group.adverse_events:
        out.append(
            "<h3>Adverse events</h3><table><thead><tr><th>Event</th><th>Kind</th>"
            '<th class="num">Count</th><th>Study</th></tr></thead><tbody>'
        )
        for event in group.adverse_events:
            ref = study(event.study_id)
            out.append(
                f"<tr><td>{_h_fig(event.name, event.source, ref)}</td>"
                f"<td>{_e(event.kind.replace('_', ' '))}</td>"
                f"<td class='num'>{_e('' if event.count is None else event.count)}</td>"
                f'<td class="nowrap">{_h_study(ref)}</td></tr>'
            )
        out.append("</tbody></table>")
    out.append("</section>")
    return out


def _h_comparisons(group: GroupSummary, summary: EvidenceSummary) -> list[str]:
    """Direction counts per outcome, then every comparison; each direction quotes its sentence."""
    study = summary.study
    heads = "".join(f'<th class="num">{_ARROWS[d]} {_e(d)}</th>' for d in DIRECTIONS)
    out = [
        f"<h3>Comparisons: {_e(group.display_name)} vs control</h3>",
        f'<table class="comparison-counts"><thead><tr><th>Outcome</th>{heads}'
        '<th class="num">not stated</th><th class="num">Studies</th></tr></thead><tbody>',
    ]
    for outcome in group.comparisons:
        cells = "".join(
            f'<td class="count{" zero" if n == 0 else ""}">{n}</td>'
            for n in [n for _, n in outcome.counts] + [outcome.count(None)]
        )
        out.append(
            f'<tr><td>{_e(outcome.name)}</td>{cells}<td class="count">{outcome.n_studies}</td></tr>'
        )
    out.append(
        '</tbody></table><table class="comparisons"><thead><tr><th>Outcome</th><th>Study</th>'
        "<th>Versus</th><th>Direction</th><th>Per arm</th><th>P</th><th>Effect</th></tr>"
        "</thead><tbody>"
    )
    for outcome in group.comparisons:
        for i, item in enumerate(outcome.items):
            ref = study(item.study_id)
            name = ""
            if i == 0:
                name = f'<td rowspan="{len(outcome.items)}">{_e(outcome.name)}</td>'
            label = item.direction or "not stated"
            cls = "dir dir-" + label.replace(" ", "-")
            label = f"{_ARROWS.get(label, '')} {label}".strip()
            direction = _h_fig(label, item.source, ref, cls=cls)
            if item.reversed:
                direction += (
                    ' <span class="muted" title="the study states it as '
                    f'{_e(item.versus)} vs {_e(item.intervention)}">(reversed)</span>'
                )
            arms = "; ".join(_h_fig(r.text, r.source, ref) for r in item.arms)
            out.append(
                f'<tr>{name}<td class="nowrap">{_h_study(ref)}</td><td>{_e(item.versus)}</td>'
                f"<td>{direction}</td><td>{arms or '<span class=muted>—</span>'}</td>"
                f'<td class="nowrap">{_e(item.p_value or "—")}</td>'
                f"<td>{_e(item.effect or '—')}</td></tr>"
            )
    out.append("</tbody></table>")
    return out
