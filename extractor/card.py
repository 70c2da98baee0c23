"""The HTML evidence card: one record's abstract, highlighted, beside its structured fields.

``render_card(record)`` returns one self-contained HTML document (inline CSS, no scripts, no
external resources) that a reviewer uses to check an extraction in seconds:

* left, the title, a bibliographic line (journal, year, PMID and DOI linked) and the abstract
  with its section headings and every extracted span highlighted in its label's colour, each
  with a ``title=`` tooltip naming the label and the rule or model that produced it;
* right (below on narrow screens), the structured fields (population, arms and doses,
  outcomes and results, comparisons, adverse events, design, conclusion), each linking to its
  span (``href="#span-N"``) so one click shows where a value came from. A comparison's
  evidence sentence is underlined (label ``COMPARISON``) and its per-arm figures highlighted
  as results.

Spans overlap (a RESULT holds an OUTCOME, a POPULATION a CONDITION), so the highlights are
built by cutting the abstract at every span boundary and nesting the elements that cover each
piece: a span that crosses another's end is continued in a second element. Every character of
the abstract is written exactly once, so the card's abstract with its tags stripped is the
abstract (``white-space: pre-wrap`` keeps its line breaks). Everything is escaped.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from urllib.parse import quote

from .export.describe import describe_effect
from .records import CONTROL_ROLES, Comparison, Document, Evidence, Result, Span

#: Label → hue, saturation, lightness of its highlight. Labels not listed are drawn grey.
LABEL_COLOURS: dict[str, tuple[int, int, int]] = {
    "POPULATION": (35, 95, 50),
    "CONDITION": (320, 65, 55),
    "SAMPLE_SIZE": (55, 90, 42),
    "INTERVENTION": (210, 85, 50),
    "COMPARATOR": (270, 60, 60),
    "DOSE": (175, 70, 38),
    "OUTCOME": (120, 50, 42),
    "RESULT": (290, 55, 52),
    "ADVERSE_EVENT": (355, 80, 45),
    "DIRECTION": (230, 25, 45),
    "COMPARISON": (15, 75, 45),
    "CONCLUSION": (200, 15, 45),
}
#: Sentence-long labels are underlined only, so the spans inside them stay readable.
UNDERLINED = frozenset({"DIRECTION", "COMPARISON", "CONCLUSION"})
#: How a comparison's direction is shown: arrow and words.
DIRECTION_WORDS = {
    "increased": "▲ increased",
    "decreased": "▼ decreased",
    "no_difference": "= no difference",
}
_GREY = (0, 0, 55)
# An upper-case heading at the start of a line ("METHODS:", "CLINICAL TRIAL REGISTRATION:").
_HEADING = re.compile(r"^[ \t]*([A-Z][A-Z0-9 ,&/()'-]{2,60}:)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Mark:
    """One highlighted range of the abstract: a span or a structured field's offsets."""

    label: str
    start: int
    end: int
    source: str
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class _Range:
    """A range to wrap in one ``tag`` element per piece; ``first`` attributes go on piece one."""

    start: int
    end: int
    tag: str
    cls: str
    first: str
    rest: str


def render_card(record: Evidence) -> str:
    """Render one record as a self-contained HTML evidence card.

    Args:
        record: the record; all offsets index ``record.document.abstract``.

    Returns:
        A complete HTML document (``<!DOCTYPE html>`` …) as a string.
    """
    doc = record.document
    marks = collect_marks(record)
    ids = {(m.label, m.start, m.end): f"span-{i}" for i, m in enumerate(marks)}
    fields = _Fields(record, ids)
    title = doc.title or "(untitled)"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>Evidence card: {_e(title)}</title>",
            f"<style>{_css(m.label for m in marks)}</style>",
            "</head><body>",
            '<header class="head">',
            f"<h1>{_e(title)}</h1>",
            _biblio(doc),
            "</header>",
            '<main class="card">',
            '<section class="source" aria-label="Abstract">',
            _legend(marks),
            f'<div class="abstract" id="abstract">{highlight(doc, marks)}</div>',
            "</section>",
            f'<aside class="fields" aria-label="Extracted fields">{fields.render()}</aside>',
            "</main>",
            f'<footer class="foot">{_footer(record)}</footer>',
            "</body></html>",
        ]
    )


def collect_marks(record: Evidence) -> tuple[Mark, ...]:
    """Every highlight of a record: its spans plus the offsets of its structured fields.

    A field whose (label, start, end) repeats a span shares that span's mark (the span keeps
    its rule name as source). Ranges outside the abstract or empty are dropped. The result is
    sorted outer-first: by start, longest first, then label.
    """
    size = len(record.document.abstract)
    found: dict[tuple[str, int, int], Mark] = {}
    for label, start, end, source, confidence in _candidates(record):
        if start is None or end is None or not 0 <= start < end <= size:
            continue
        found.setdefault((label, start, end), Mark(label, start, end, source, confidence))
    return tuple(sorted(found.values(), key=lambda m: (m.start, -m.end, m.label, m.source)))


def highlight(document: Document, marks: Sequence[Mark]) -> str:
    """The abstract as HTML: headings in ``<b>``, each mark in ``<mark id="span-N">``.

    ``marks`` must be sorted as :func:`collect_marks` returns them; mark ``i`` gets the id
    ``span-i`` on its first piece (the others carry ``data-span``).
    """
    text = document.abstract
    ranges = [
        _Range(a, b, "b", f"sec-head{brk}", f' title="{_e(label)}"', "")
        for a, b, label, brk in _headings(document)
    ]
    for i, m in enumerate(marks):
        attrs = f' data-span="{i}" title="{_e(_tooltip(m))}"'
        ranges.append(
            _Range(m.start, m.end, "mark", f"ev l-{_cls(m.label)}", f' id="span-{i}"{attrs}', attrs)
        )
    return _nest(text, ranges)


# --- collecting ------------------------------------------------------------------------------

_Candidate = tuple[str, int | None, int | None, str, float | None]


def _candidates(record: Evidence) -> Iterable[_Candidate]:
    """(label, start, end, source, confidence) of every span and located field, spans first."""
    for s in record.spans:
        yield s.label, s.start, s.end, s.source, s.confidence
    pop = record.population
    yield "POPULATION", pop.start, pop.end, "field: population", None
    for size in pop.sample_sizes:
        yield "SAMPLE_SIZE", size.start, size.end, f"field: sample size ({size.kind})", None
    for arm in record.interventions:
        yield _arm_label(arm.role), arm.start, arm.end, arm.source, None
        for dose in arm.doses:
            yield "DOSE", dose.start, dose.end, dose.source, None
    for outcome in record.outcomes:
        yield "OUTCOME", outcome.start, outcome.end, "field: outcome", None
        for res in outcome.results:
            yield "RESULT", res.start, res.end, res.source, None
        if outcome.direction:
            yield (
                "DIRECTION",
                outcome.direction_start,
                outcome.direction_end,
                "field: direction",
                None,
            )
    for comparison in record.comparisons:
        quote = comparison.evidence
        yield "COMPARISON", quote.start, quote.end, comparison.source, comparison.confidence
        for res in comparison.results:
            yield "RESULT", res.start, res.end, res.source, None
    for event in record.adverse_events:
        yield (
            "ADVERSE_EVENT",
            event.start,
            event.end,
            "field: " + event.kind.replace("_", " "),
            None,
        )
    start, end = _conclusion_at(record)
    yield "CONCLUSION", start, end, "field: conclusion", None


def _arm_label(role: str) -> str:
    return "COMPARATOR" if role in CONTROL_ROLES else "INTERVENTION"


def _conclusion_at(record: Evidence) -> tuple[int | None, int | None]:
    if not record.conclusion:
        return None, None
    at = record.document.abstract.find(record.conclusion)
    return (at, at + len(record.conclusion)) if at >= 0 else (None, None)


def _headings(document: Document) -> list[tuple[int, int, str, str]]:
    """(start, end, section label, extra class) of each heading written in the abstract.

    A section's heading is the last line before its body ("METHODS:"); upper-case headings of
    paragraphs the sectioner did not label are found by pattern. Headings that do not start a
    line are drawn as blocks (class ``brk``) so that run-on structured abstracts still break.
    """
    text = document.abstract
    found: dict[int, tuple[int, str]] = {}
    prev = 0
    for sec in document.sections:
        if prev <= sec.start <= len(text):
            region = text[prev : sec.start]
            line_at = prev + region.rfind("\n") + 1
            head = text[line_at : sec.start]
            a = line_at + len(head) - len(head.lstrip())
            b = line_at + len(head.rstrip())
            if a < b and b - a <= 80:
                found[a] = (b, sec.label)
        prev = max(prev, sec.end)
    for m in _HEADING.finditer(text):
        found.setdefault(m.start(1), (m.end(1), m.group(1).rstrip(":")))
    out: list[tuple[int, int, str, str]] = []
    for a in sorted(found):
        b, label = found[a]
        if out and a < out[-1][1]:
            continue  # overlapping heading candidates: keep the first
        brk = " brk" if a > 0 and text[a - 1] != "\n" else ""
        out.append((a, b, label, brk))
    return out


# --- nesting ---------------------------------------------------------------------------------


def _nest(text: str, ranges: Sequence[_Range]) -> str:
    """Wrap ``ranges`` of ``text`` in properly nested elements, writing each character once.

    The text is cut at every range boundary; each piece is covered by some ranges, taken
    outer-first (start, longest, then given order). Between pieces only the elements that no
    longer match the new cover are closed, so a range that crosses another's end is closed
    and reopened (class ``cont``, without the ``first`` attributes). Each element's class
    includes its nesting depth (``d0`` outermost … ``d3``), which the stylesheet uses to keep
    an outer span's underline visible below the inner ones.
    """
    order = sorted(range(len(ranges)), key=lambda i: (ranges[i].start, -ranges[i].end, i))
    cuts = sorted({0, len(text)} | {r.start for r in ranges} | {r.end for r in ranges})
    out: list[str] = []
    stack: list[int] = []
    opened: set[int] = set()
    for a, b in pairwise(cuts):
        cover = [i for i in order if ranges[i].start <= a and b <= ranges[i].end]
        keep = 0
        while keep < len(stack) and keep < len(cover) and stack[keep] == cover[keep]:
            keep += 1
        out.extend(f"</{ranges[i].tag}>" for i in reversed(stack[keep:]))
        for depth, i in enumerate(cover[keep:], start=keep):
            r = ranges[i]
            cls, attrs = (f"{r.cls} cont", r.rest) if i in opened else (r.cls, r.first)
            out.append(f'<{r.tag} class="{cls} d{min(depth, 3)}"{attrs}>')
            opened.add(i)
        stack = cover
        out.append(_e(text[a:b]))
    out.extend(f"</{ranges[i].tag}>" for i in reversed(stack))
    return "".join(out)


# --- the field panel -------------------------------------------------------------------------


class _Fields:
    """The structured-field panel; every located value links to its mark."""

    def __init__(self, record: Evidence, ids: dict[tuple[str, int, int], str]) -> None:
        self.record = record
        self.ids = ids

    def link(self, label: str, start: int | None, end: int | None, text: str, tip: str = "") -> str:
        """``text`` as a link to the mark of (label, start, end), or plain when it has none."""
        cls = f"fv l-{_cls(label)}"
        target = None if start is None or end is None else self.ids.get((label, start, end))
        if target is None:
            tip = f"{tip} (not located in the abstract)".lstrip()
            return f'<span class="{cls} nolink" title="{_e(tip)}">{_e(text)}</span>'
        title = f' title="{_e(tip)}"' if tip else ""
        return f'<a class="{cls}" href="#{target}"{title}>{_e(text)}</a>'

    def render(self) -> str:
        parts = [self.design(), self.population(), self.arms(), self.outcomes()]
        parts += [self.comparisons(), self.events()]
        rec = self.record
        if rec.conclusion:
            start, end = _conclusion_at(rec)
            body = self.link("CONCLUSION", start, end, rec.conclusion)
            parts.append(_group("Conclusion", f"<p>{body}</p>"))
        if rec.summary:
            parts.append(_group("Summary", f'<p class="summary">{_e(rec.summary)}</p>'))
        return "<h2>Extracted fields</h2>" + "".join(p for p in parts if p)

    def design(self) -> str:
        rec = self.record
        items = [f"<p>{_e(rec.design or 'not recognised')}</p>"]
        if rec.document.publication_types:
            types = ", ".join(rec.document.publication_types)
            items.append(f'<p class="muted">Publication types: {_e(types)}</p>')
        return _group("Design", "".join(items))

    def population(self) -> str:
        pop = self.record.population
        rows = []
        if pop.description:
            rows.append(
                ("Description", self.link("POPULATION", pop.start, pop.end, pop.description))
            )
        if pop.condition:
            span = self._condition_span(pop.condition)
            start, end = (span.start, span.end) if span else (None, None)
            rows.append(("Condition", self.link("CONDITION", start, end, pop.condition)))
        rows.append(("n", _e(str(pop.n)) if pop.n is not None else '<span class="muted">?</span>'))
        sizes = [
            self.link("SAMPLE_SIZE", s.start, s.end, f"{s.n} {s.kind}", tip=s.text)
            for s in pop.sample_sizes
        ]
        if sizes:
            rows.append(("Sample sizes", _list(sizes)))
        return _group("Population", _dl(rows))

    def _condition_span(self, condition: str) -> Span | None:
        key = condition.casefold()
        spans = [s for s in self.record.spans if s.label == "CONDITION"]
        return next((s for s in spans if s.text.casefold() == key), None)

    def arms(self) -> str:
        items = []
        for arm in self.record.interventions:
            label = _arm_label(arm.role)
            head = f'<span class="role">{_e(arm.role)}</span> '
            head += self.link(label, arm.start, arm.end, arm.name)
            if arm.long_form:
                head += f" ({_e(arm.long_form)})"
            if arm.n is not None:
                head += f' <span class="muted">n={arm.n}</span>'
            doses = [self.link("DOSE", d.start, d.end, d.describe(), tip=d.text) for d in arm.doses]
            items.append(head + (_list(doses) if doses else ""))
        if not items:
            return _group("Interventions and comparators", '<p class="muted">none found</p>')
        return _group("Interventions and comparators", _list(items, cls="arms"))

    def outcomes(self) -> str:
        items = []
        for outcome in self.record.outcomes:
            head = self.link("OUTCOME", outcome.start, outcome.end, outcome.name)
            if outcome.direction:
                head += " " + self.link(
                    "DIRECTION",
                    outcome.direction_start,
                    outcome.direction_end,
                    outcome.direction,
                    tip=outcome.direction_text or "",
                )
            results = [
                self.link("RESULT", r.start, r.end, describe_result(r), tip=r.text)
                for r in outcome.results
            ]
            items.append(head + (_list(results) if results else ""))
        body = _list(items, cls="outcomes") if items else '<p class="muted">none found</p>'
        return _group("Outcomes and results", body)

    def comparisons(self) -> str:
        """One item per comparison: outcome, arms, direction, per-arm figures, p and effect."""
        items = [self.comparison(c) for c in self.record.comparisons]
        return _group("Comparisons", _list(items, cls="comparisons")) if items else ""

    def comparison(self, c: Comparison) -> str:
        quote = c.evidence
        head = self.link("COMPARISON", quote.start, quote.end, c.outcome, tip=quote.text)
        head += f' <span class="vs">{_e(c.intervention)} vs {_e(c.comparator)}</span>'
        word = DIRECTION_WORDS.get(c.direction or "", c.direction or "direction not stated")
        head += f' <span class="dir dir-{_cls(c.direction or "none")}">{_e(word)}</span>'
        figures = [
            self.link("RESULT", r.start, r.end, describe_result(r), tip=r.text) for r in c.results
        ]
        stats = [c.p_value or ""]
        if c.effect:
            stats.append(describe_effect(c.effect))
        if c.confidence is not None:
            stats.append(f"confidence {c.confidence:.2f}")
        figures += [f'<span class="muted">{_e(x)}</span>' for x in stats if x]
        return head + (_list(figures) if figures else "")

    def events(self) -> str:
        parts = []
        for kind, heading in (("adverse_event", "Adverse events"), ("withdrawal", "Withdrawals")):
            items = [
                self.link("ADVERSE_EVENT", e.start, e.end, e.name or e.text, tip=e.text)
                + (f' <span class="muted">n={e.count}</span>' if e.count is not None else "")
                for e in self.record.adverse_events
                if e.kind == kind
            ]
            if items:
                parts.append(_group(heading, _list(items)))
        return "".join(parts)


def describe_result(result: Result) -> str:
    """A compact reading of a result's parsed values (``5/20 (25%)``, ``OR 1.5 (95% CI …)``).

    Falls back to the result's text when nothing was parsed.
    """
    r = result
    parts: list[str] = []
    if r.count is not None:
        parts.append(f"{r.count}/{r.denominator}" if r.denominator else f"n={r.count}")
    if r.percent is not None:
        parts.append(f"{_num(r.percent)}%")
    if r.threshold:
        parts.append(f"({r.threshold})")
    for name, value in (("mean", r.mean), ("median", r.median), ("SD", r.sd)):
        if value is not None:
            parts.append(f"{name} {_num(value)}")
    if r.iqr:
        parts.append(f"IQR {r.iqr}")
    if r.effect:
        parts.append(f"{r.effect} {_num(r.effect_value)}".rstrip())
    if r.ci_low is not None and r.ci_high is not None:
        parts.append(f"(CI {_num(r.ci_low)}–{_num(r.ci_high)})")
    if r.p_value:
        parts.append(r.p_value)
    if not parts:
        parts.append(r.text)
    if r.arm:
        parts.append(f"· {r.arm}")
    if r.time_point:
        parts.append(f"· {r.time_point}")
    return " ".join(parts)


# --- small pieces ----------------------------------------------------------------------------


def _biblio(doc: Document) -> str:
    bits = [f"<i>{_e(doc.journal)}</i>" if doc.journal else "", _e(str(doc.year or ""))]
    if doc.pmid:
        url = f"https://pubmed.ncbi.nlm.nih.gov/{quote(doc.pmid, safe='')}/"
        bits.append(f'PMID <a href="{_e(url)}">{_e(doc.pmid)}</a>')
    if doc.pmcid:
        url = f"https://www.ncbi.nlm.nih.gov/pmc/articles/{quote(doc.pmcid, safe='')}/"
        bits.append(f'<a href="{_e(url)}">{_e(doc.pmcid)}</a>')
    if doc.doi:
        url = "https://doi.org/" + quote(doc.doi, safe="/:;()._-")
        bits.append(f'DOI <a href="{_e(url)}">{_e(doc.doi)}</a>')
    shown = " · ".join(b for b in bits if b) or '<span class="muted">no journal, year or ids</span>'
    line = f'<p class="biblio">{shown}</p>'
    if doc.authors:
        names = ", ".join(doc.authors[:6]) + (" et al." if len(doc.authors) > 6 else "")
        line += f'<p class="authors muted">{_e(names)}</p>'
    return line


def _legend(marks: Sequence[Mark]) -> str:
    counts = Counter(m.label for m in marks)
    keys = [k for k in LABEL_COLOURS if k in counts] + sorted(set(counts) - set(LABEL_COLOURS))
    items = "".join(
        f'<span class="key l-{_cls(k)}"><mark class="ev l-{_cls(k)}">'
        f"{_e(k.replace('_', ' ').lower())}</mark> {counts[k]}</span>"
        for k in keys
    )
    return f'<p class="legend">{items or "no spans extracted"}</p>'


def _footer(record: Evidence) -> str:
    bits = [f"id {record.id}", f"pipeline {record.pipeline or '?'}"]
    if record.document.source:
        bits.append(f"source {record.document.source}")
    return " · ".join(_e(b) for b in bits)


def _tooltip(mark: Mark) -> str:
    if mark.source.startswith("field: "):
        tip = f"{mark.label} · {mark.source.removeprefix('field: ')} (structured field)"
    else:
        kind = "model" if mark.source.startswith("model") else "rule"
        tip = f"{mark.label} · {mark.source} ({kind})"
    if mark.confidence is not None:
        tip += f" · {mark.confidence:.2f}"
    return tip


def _group(heading: str, body: str) -> str:
    return f'<section class="group"><h3>{_e(heading)}</h3>{body}</section>'


def _dl(rows: Sequence[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _list(items: Sequence[str], cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<ul{attr}>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _cls(label: str) -> str:
    """A label as a safe CSS class suffix."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", label) or "_"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _css(labels: Iterable[str]) -> str:
    rules = [_BASE_CSS]
    for label in sorted(set(labels) | set(LABEL_COLOURS)):
        h, s, lightness = LABEL_COLOURS.get(label, _GREY)
        solid = f"hsl({h},{s}%,{lightness}%)"
        c = _cls(label)
        if label in UNDERLINED:
            rules.append(f".l-{c}.ev{{background:none;border-bottom:2px dotted {solid}}}")
        else:
            rules.append(
                f".l-{c}.ev{{background:hsla({h},{s}%,{lightness}%,.2);"
                f"border-bottom:2px solid {solid}}}"
            )
        rules.append(f"a.l-{c},span.l-{c}.fv{{border-left:3px solid {solid}}}")
    return "\n".join(rules)


_BASE_CSS = """
:root{--ink:#1d232a;--muted:#5c6670;--line:#d8dde3}
*{box-sizing:border-box}
body{margin:0;padding:1.25rem;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;
color:var(--ink);background:#f7f8fa}
h1{font-size:1.35rem;line-height:1.3;margin:0 0 .35rem}
h2{font-size:1rem;margin:0 0 .5rem}
h3{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);
margin:.9rem 0 .3rem}
a{color:#0b5cad}
.muted{color:var(--muted)}
.biblio,.authors{margin:.15rem 0;font-size:.9rem}
.card{display:grid;grid-template-columns:minmax(0,3fr) minmax(18rem,2fr);gap:1.25rem;
margin-top:1rem;align-items:start}
.source,.fields{background:#fff;border:1px solid var(--line);border-radius:8px;padding:1rem}
.fields{position:sticky;top:1rem;max-height:calc(100vh - 2rem);overflow:auto}
.abstract{white-space:pre-wrap;overflow-wrap:break-word;font:16px/2.2 Georgia,serif}
.abstract mark{color:inherit;border-radius:2px;scroll-margin:30vh}
.abstract mark.d0{padding-bottom:6px}.abstract mark.d1{padding-bottom:4px}
.abstract mark.d2{padding-bottom:2px}
.abstract mark:target{outline:2px solid var(--ink);outline-offset:1px}
.sec-head{font:600 .8rem/1 system-ui,sans-serif;letter-spacing:.05em;color:var(--muted)}
.sec-head.brk{display:block;margin-top:.6rem}
.legend{margin:0 0 .75rem;font-size:.8rem;display:flex;flex-wrap:wrap;gap:.3rem .8rem}
.legend mark{color:inherit;padding:0 .25rem}
.fields ul{margin:.2rem 0;padding-left:1.1rem}
.fields li{margin:.15rem 0}
.fields dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .6rem;margin:0}
.fields dt{color:var(--muted)}.fields dd{margin:0}
.fv{padding-left:.3rem;text-decoration:none}
a.fv:hover{text-decoration:underline}
.role{font-size:.7rem;text-transform:uppercase;color:var(--muted)}
.vs{font-size:.9rem}
.dir{font-size:.75rem;padding:0 .4rem;border-radius:.6rem;white-space:nowrap;background:#eceff2}
.dir-increased{background:#e3f2e8;color:#1d6b3a}.dir-decreased{background:#fdeee0;color:#9a4a12}
.summary{font-size:.9rem}
.foot{margin-top:1rem;font-size:.8rem;color:var(--muted)}
@media (max-width:900px){.card{grid-template-columns:1fr}
.fields{position:static;max-height:none}}
"""


__all__ = [
    "DIRECTION_WORDS",
    "LABEL_COLOURS",
    "Mark",
    "collect_marks",
    "describe_result",
    "highlight",
    "render_card",
]
