"""Doc → ``Evidence``: the only place that reads the pipeline's Doc extensions.

:func:`extract_evidence` runs the pipeline on one ``Document``; :func:`extract_many` streams
many through ``nlp.pipe``. Both hand the caller's section boundaries, title and publication
types to the components (``doc._.doc_sections``, ``doc._.title``, ``doc._.publication_types``)
and turn what the components found into frozen records whose offsets index
``Document.abstract`` (``abstract[start:end] == text`` for every span, dose, result and event).

Interventions are named by their abbreviation when the abstract defines one (``name="IVIg"``,
``long_form="intravenous immunoglobulin"``), else by their first mention.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .errors import ExtractorError, ModelError
from .nlp.common import COUNT, abbreviation_records, doc_text, find_phrase
from .nlp.direction import find_direction
from .nlp.pipeline import get_pipeline, pipeline_label
from .nlp.sample_size import SAMPLE_SIZE_KINDS, pick_total
from .records import (
    SPAN_LABELS,
    AdverseEvent,
    Document,
    Dose,
    Evidence,
    Intervention,
    Outcome,
    Population,
    Result,
    SampleSize,
    Span,
)

_DOSE_FIELDS = (
    "amount",
    "unit",
    "text",
    "start",
    "end",
    "amount_max",
    "per",
    "multiplier",
    "frequency",
    "duration",
    "route",
    "phase",
    "source",
)
_RESULT_FIELDS = (
    "text",
    "start",
    "end",
    "count",
    "denominator",
    "percent",
    "threshold",
    "source",
    "mean",
    "median",
    "sd",
    "iqr",
    "ci_low",
    "ci_high",
    "p_value",
    "time_point",
)
_INERT = re.compile(r"(?:matching\s+)?(?:placebo|sham|vehicle|usual|standard|no\s+)", re.I)
_MODIFIERS = re.compile(r"^(?:(?:low|high|standard|single|repeated)[- ]dose|oral|daily)\s+", re.I)


def make_doc(nlp: Language, document: Document) -> Doc:
    """Tokenise ``document.abstract`` and attach the inputs the components read."""
    doc = nlp.make_doc(document.abstract)
    doc.user_data["evidence.text"] = document.abstract  # = doc.text; see nlp.common.doc_text
    doc._.doc_sections = [[s.label, s.start, s.end] for s in document.sections] or None
    doc._.title = document.title
    doc._.publication_types = list(document.publication_types)
    return doc


def extract_evidence(document: Document, nlp: Language | None = None) -> Evidence:
    """Run the pipeline on one document and build its ``Evidence`` record.

    Args:
        document: a cleaned document; offsets in the result index ``document.abstract``.
        nlp: a pipeline from :func:`extractor.nlp.build_pipeline` (default: the shared one).

    Raises:
        ModelError: the pipeline failed on this document.
    """
    nlp = nlp or get_pipeline()
    try:
        doc = nlp(make_doc(nlp, document))
    except ExtractorError:
        raise
    except Exception as exc:  # any component failure becomes one clear error for this item
        raise ModelError(f"pipeline failed: {exc}", source=document.source or None) from exc
    return evidence_from_doc(document, doc, pipeline_label(nlp))


def extract_many(
    documents: Iterable[Document],
    nlp: Language | None = None,
    *,
    batch_size: int = 32,
    n_process: int = 1,
) -> Iterator[Evidence]:
    """Stream ``Evidence`` records for many documents through ``nlp.pipe``.

    Args:
        documents: cleaned documents, in any number.
        nlp: a pipeline (default: the shared one).
        batch_size: documents per ``nlp.pipe`` batch.
        n_process: worker processes for ``nlp.pipe`` (extension values are plain data).

    Yields:
        One ``Evidence`` per document, in input order.

    Raises:
        ModelError: the pipeline failed.
    """
    nlp = nlp or get_pipeline()
    label = pipeline_label(nlp)
    pairs = ((make_doc(nlp, d), d) for d in documents)
    try:
        for doc, document in nlp.pipe(
            pairs, as_tuples=True, batch_size=batch_size, n_process=n_process
        ):
            yield evidence_from_doc(document, doc, label)
    except ExtractorError:
        raise
    except Exception as exc:
        raise ModelError(f"pipeline failed: {exc}") from exc


# --- Doc → records ---------------------------------------------------------------------------


def evidence_from_doc(document: Document, doc: Doc, pipeline: str = "") -> Evidence:
    """Build the ``Evidence`` record from a processed ``Doc`` of ``document.abstract``."""
    text = doc_text(doc)
    sentences: list[list[Any]] = doc._.sent_sections or [[0, len(text), None]]
    starts = [int(r[0]) for r in sentences]
    spans = _spans(doc, sentences, starts)
    interventions = _interventions(doc, spans, starts)
    population = _population(doc, spans)
    outcomes = _outcomes(doc, spans, starts, interventions)
    outcomes = _directions(text, outcomes, interventions, sentences)
    events = tuple(
        AdverseEvent(
            text=e["text"],
            start=e["start"],
            end=e["end"],
            name=e.get("name"),
            count=e.get("count"),
            kind=e.get("kind", "adverse_event"),
        )
        for e in doc._.adverse_events or []
    )
    conclusion = (doc._.conclusion or {}).get("text")
    evidence = Evidence(
        id=document.record_id,
        document=document,
        population=population,
        interventions=interventions,
        outcomes=outcomes,
        adverse_events=events,
        design=doc._.design,
        conclusion=conclusion,
        spans=spans,
        pipeline=pipeline,
    )
    summary = summarize(evidence, sample_noun=_sample_noun(doc))
    return Evidence(**{**_fields(evidence), "summary": summary})


def _fields(evidence: Evidence) -> dict[str, Any]:
    return {name: getattr(evidence, name) for name in Evidence.__dataclass_fields__}


def _sentence_of(starts: list[int], offset: int) -> int:
    lo = 0
    for i, s in enumerate(starts):
        if s <= offset:
            lo = i
        else:
            break
    return lo


def _spans(doc: Doc, sentences: list[list[Any]], starts: list[int]) -> tuple[Span, ...]:
    out: list[Span] = []
    seen: set[tuple[str, int, int]] = set()
    for span in doc.spans.get("evidence", []):
        if span.label_ not in SPAN_LABELS:
            continue
        key = (span.label_, span.start_char, span.end_char)
        if key in seen:
            continue
        seen.add(key)
        section = sentences[_sentence_of(starts, span.start_char)][2]
        out.append(
            Span(
                label=span.label_,
                text=span.text,
                start=span.start_char,
                end=span.end_char,
                source=span.id_ or "model",
                section=section,
            )
        )
    out.sort(key=lambda s: (s.start, s.end, s.label))
    return tuple(out)


def _interventions(
    doc: Doc, spans: tuple[Span, ...], starts: list[int]
) -> tuple[Intervention, ...]:
    abbreviations = abbreviation_records(doc)
    short_to_long = {a["short"]: a["long"] for a in abbreviations}
    long_to_short = {a["long"].lower(): a["short"] for a in abbreviations}

    def key_of(mention: str) -> str:
        if mention in short_to_long:
            return mention
        if mention.lower() in long_to_short:
            return long_to_short[mention.lower()]
        # A combination arm keeps its partner ("tamoxifen plus ovarian function suppression" =
        # "tamoxifen plus OFS"), it does not collapse into the abbreviation inside it.
        combined = mention
        for long, short in long_to_short.items():
            for start, end in reversed(find_phrase(combined, long)):
                combined = combined[:start] + short + combined[end:]
        if _COMBINATION.search(combined):
            return _MODIFIERS.sub("", combined).lower()
        for short in short_to_long:
            if find_phrase(mention, short, ignore_case=False):
                return short
        return _MODIFIERS.sub("", mention).lower()

    candidates = [
        s for s in spans if s.label in ("INTERVENTION", "COMPARATOR") and not _junk_arm_name(s.text)
    ]
    # The rules name arms precisely and attach doses and sizes to them; a PICO model's
    # INTERVENTION spans name the arms only when the rules found none.
    arms = [s for s in candidates if not _from_model(s)] or [
        s for s in candidates if not _DOSE_LIKE.search(s.text)
    ]
    single = {key_of(s.text) for s in arms if " " not in key_of(s.text)}
    # Arms a randomisation sentence named apart ("albumin-bound paclitaxel" vs "standard
    # paclitaxel") stay apart; other longer mentions join their head word.
    named = {key_of(s.text) for s in arms if s.source.endswith(".randomised")}
    groups: dict[str, list[Span]] = {}
    roles: dict[str, Counter[str]] = {}
    for span in arms:
        key = key_of(span.text)
        last = key.split()[-1] if key else key
        if key not in single and last in single and key not in named:
            key = last  # "once-daily telmisartan" joins "telmisartan"
        groups.setdefault(key, []).append(span)
        roles.setdefault(key, Counter())[span.label] += 1
    if not groups:
        return _dose_only_arm(doc)
    mentions: list[tuple[int, int, str]] = []  # (start, end, key) of every mention
    for key, items in groups.items():
        mentions.extend((s.start, s.end, key) for s in items)
    mentions.sort()

    def nearest(offset: int, *, dosable: bool = False) -> str | None:
        sent = _sentence_of(starts, offset)
        same = [m for m in mentions if _sentence_of(starts, m[0]) == sent]
        if dosable:
            same = [m for m in same if not _INERT.match(m[2])]
        before = [m for m in same if m[1] <= offset]
        if before:
            return before[-1][2]
        after = [m for m in same if m[0] >= offset]
        return after[0][2] if after else None

    # The main intervention: the one named in the title, else the most mentioned.
    def rank(key: str) -> tuple[int, int, int]:
        items = groups[key]
        from_title = any(s.source.endswith(".title") for s in items)
        return (0 if from_title else 1, -len(items), items[0].start)

    ordered = sorted(groups, key=rank)
    main = next(
        (k for k in ordered if roles[k]["INTERVENTION"] >= roles[k]["COMPARATOR"]), ordered[0]
    )
    doses: dict[str, list[Dose]] = {k: [] for k in groups}
    dose_keys: set[tuple[str, Any, Any, Any, Any, Any]] = set()
    for row in doc._.doses or []:
        owner = nearest(row["start"], dosable=True) or main
        # The same dose repeated in the results ("those receiving 15 mg") is one dose.
        dkey = (owner, row["amount"], row["amount_max"], row["unit"], row["per"], row["multiplier"])
        if dkey in dose_keys:
            continue
        dose_keys.add(dkey)
        doses[owner].append(Dose(**{f: row.get(f) for f in _DOSE_FIELDS}))
    # Words matched only by the drug lexicon ("insulin" in "insulin resistance") are kept only
    # when nothing better names an arm, or when a dose belongs to them.
    strong = {
        k
        for k, items in groups.items()
        if any(not s.source.endswith(".lexicon") or s.label == "COMPARATOR" for s in items)
    }
    if strong:
        ordered = [k for k in ordered if k in strong or doses[k]]
    arm_n: dict[str, int] = {}
    text = doc_text(doc)
    arm_rows = [r for r in doc._.sample_sizes or [] if r["kind"] == "arm"]
    for row in arm_rows:
        # As many sizes as arms named in one sentence: pair them in order ("assigned to A
        # (n = 50) or B (n = 48)", "442 to A and 443 to B").
        sent = _sentence_of(starts, row["start"])
        rows = [r for r in arm_rows if _sentence_of(starts, r["start"]) == sent]
        keys = list(dict.fromkeys(m[2] for m in mentions if _sentence_of(starts, m[0]) == sent))
        if len(rows) >= 2 and len(rows) == len(keys):
            arm: str | None = keys[rows.index(row)]
        else:
            arm = _arm_of_size(text, row, mentions, starts) or nearest(row["start"])
        if arm is not None and arm not in arm_n:
            arm_n[arm] = row["n"]
    out: list[Intervention] = []
    for key in ordered:
        items = groups[key]
        long_form = short_to_long.get(key)
        name = key if long_form else items[0].text
        anchor = next((s for s in items if s.text == name), items[0])
        role = _arm_role(items, roles[key])
        out.append(
            Intervention(
                name=anchor.text,
                start=anchor.start,
                end=anchor.end,
                long_form=long_form,
                role=role,
                doses=tuple(doses[key]),
                n=arm_n.get(key),
                source=items[0].source,
            )
        )
    return tuple(out)


_COMBINATION = re.compile(r"\s(?:plus|and|with|combined\s+with)\s|\s?\+\s?", re.I)
_JUNK_ARM = re.compile(
    r"^(?:without|with|and|or|either|both|each|every|day|days|weeks?|months?|group|groups|arm|"
    r"arms|patients?|continuously|concomitantly|preoperative|postoperative|the|it|combination|"
    r"life|follow-up|one|two|three|four|five|six|seven|eight|nine|ten|cohort|large|adjuvant|"
    r"experimental|active|single|weekly|daily|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday)$|^(?:perform|improve[sd]?|benefit|not|up|controlled|trial)\b|-$|"
    r"\b(?:toxicity|would|on\s+OS)\b|"
    r"\b(?:of|two|three|four|every|administered|given|versus|vs)$|^\W*\d|^(?:and|or|the|with|it)\s|[:×]|\bmg/|\s(?:cancer|disease)$|"
    r"\b(?:the|more|then)$|\b(?:survival|progression|response|median|mean|incidence|mortality|"
    r"prolonged|improved|showed|was|were|risk|followed|cycles?|event)\b|\(\s*[\d,.]*$|"
    r"\b\d+(?:\.\d+)?\s*(?:mg|g|µg|mcg|ml|iu)\b|g/kg|/m2\b|^[A-Za-z]$",
    re.IGNORECASE,
)


def _junk_arm_name(name: str) -> bool:
    """A mention that names no arm: stop words, verbs, outcome phrases, dose fragments."""
    name = name.strip()
    return len(name) < 2 or bool(_JUNK_ARM.search(name))


def _arm_role(items: list[Span], counts: Counter[str]) -> str:
    """ "comparator" or "intervention": what a randomisation sentence or title said (rule
    ``randomised``) wins; else the label most of the arm's mentions carry."""
    said = Counter(s.label for s in items if s.source.endswith(".randomised"))
    if said:
        counts = said
    return "comparator" if counts["COMPARATOR"] > counts["INTERVENTION"] else "intervention"


def _arm_of_size(
    text: str, row: dict[str, Any], mentions: list[tuple[int, int, str]], starts: list[int]
) -> str | None:
    """The arm a per-arm size belongs to: the arm named right after a leading count ("214 to
    Cocculine", "47 patients received standard RT", "126/311 in arm A") before the next count,
    else the arm named right before a bracketed ``n = 57`` ("AMT (n = 57)")."""
    sent = _sentence_of(starts, row["start"])
    same = [m for m in mentions if _sentence_of(starts, m[0]) == sent]
    start, end = row["start"], row["end"]
    if not re.match(r"[nN]\s*=", row["text"]):
        stop = re.search(r"\d", text[end : end + 80])
        limit = end + (stop.start() if stop else 80)
        after = [m for m in same if end <= m[0] < limit]
        if after:
            return after[0][2]
    base = max(0, start - 80)
    head = text[base:start]
    cut = base + max(head.rfind(";"), head.rfind(")"), head.rfind("]"))
    before = [m for m in same if cut < m[0] and m[1] <= start]
    return before[-1][2] if before else None


_DRUG_AFTER = re.compile(r"^[\s)\]]*(?:of\s+)?([A-Za-z][\w-]{3,})")
_DRUG_BEFORE = re.compile(r"([A-Za-z][\w-]{3,})[\s(\[]*$")
_NOT_DRUG = re.compile(
    r"(?:and|with|plus|dose[sd]?|dosing|daily|group|groups|patients?|received?|receiving|given|"
    r"were|was|from|each|then|either|both|once|twice|every|orally|oral|intravenous(?:ly)?|"
    r"doses?|initially|total|mean|containing|weekly|monthly|infusion|tablets?|capsules?|"
    r"injections?|respectively|versus|compared|than|that|this|which|after|before|during)$",
    re.I,
)


def _dose_only_arm(doc: Doc) -> tuple[Intervention, ...]:
    """One intervention holding every dose when no arm was named (doses are never dropped).

    Its name is the drug word beside the first dose ("96 mg of buprenorphine", "fentanyl 1
    mcg/kg"), else the dose text itself; ``source`` says it was inferred from the doses.
    """
    rows = doc._.doses or []
    if not rows:
        return ()
    text = doc_text(doc)
    first = rows[0]
    name_at = (first["start"], first["end"])
    after = _DRUG_AFTER.match(text[first["end"] : first["end"] + 40])
    before = _DRUG_BEFORE.search(text[max(0, first["start"] - 40) : first["start"]])
    for m, base in ((after, first["end"]), (before, max(0, first["start"] - 40))):
        if m is not None and not _NOT_DRUG.match(m.group(1)):
            name_at = (base + m.start(1), base + m.end(1))
            break
    doses: list[Dose] = []
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        key = (row["amount"], row["amount_max"], row["unit"], row["per"], row["multiplier"])
        if key not in seen:
            seen.add(key)
            doses.append(Dose(**{f: row.get(f) for f in _DOSE_FIELDS}))
    return (
        Intervention(
            name=text[name_at[0] : name_at[1]],
            start=name_at[0],
            end=name_at[1],
            doses=tuple(doses),
            source="rules.dose_only",
        ),
    )


def _population(doc: Doc, spans: tuple[Span, ...]) -> Population:
    sizes = doc._.sample_sizes or []
    chosen = pick_total(sizes)
    populations = [s for s in spans if s.label == "POPULATION"]
    pop = next((s for s in populations if not _from_model(s)), None) or next(
        iter(populations), None
    )
    conditions = [s for s in spans if s.label == "CONDITION"]
    condition = None
    ranked = [s for s in conditions if s.source.endswith(".title")] + [
        s for s in conditions if s.source.endswith(".patients_with")
    ]
    if ranked:
        condition = ranked[0].text
    elif conditions:
        counts = Counter(s.text.lower() for s in conditions)
        best = counts.most_common(1)[0][0]
        condition = next(s.text for s in conditions if s.text.lower() == best)
    elif (doc._.title_entities or {}).get("condition"):
        condition = doc._.title_entities["condition"]
    return Population(
        description=pop.text if pop else None,
        condition=condition,
        n=chosen["n"] if chosen else None,
        start=pop.start if pop else None,
        end=pop.end if pop else None,
        sample_sizes=tuple(
            SampleSize(
                n=r["n"],
                kind=r.get("label") or r["kind"],  # randomised / enrolled totals keep that label
                text=r["text"],
                start=r["start"],
                end=r["end"],
            )
            for r in sizes
            if r["kind"] in SAMPLE_SIZE_KINDS
        ),
    )


def _outcomes(
    doc: Doc,
    spans: tuple[Span, ...],
    starts: list[int],
    interventions: tuple[Intervention, ...] = (),
) -> tuple[Outcome, ...]:
    """Results grouped by outcome, each with its arm (see :func:`_result_arms`).

    A result whose sentence names no outcome (no OUTCOME span before it, no subject phrase) is
    kept under the fallback outcome ``UNNAMED_OUTCOME`` (``start``/``end`` None, listed last).
    """
    text = doc_text(doc)
    named = [s for s in spans if s.label == "OUTCOME"]
    by_name: dict[tuple[int, int], list[Result]] = {}
    names: dict[tuple[int, int], str] = {}
    sentence_owner: dict[int, tuple[int, int]] = {}
    rows = list(doc._.results or [])
    arms = _result_arms(text, rows, starts, interventions)
    for i, row in enumerate(rows):
        sent = _sentence_of(starts, row["start"])
        result = _result(row, arms.get(i))
        key: tuple[int, int] | None = None
        if row.get("outcome_start") is not None:
            key = sentence_owner.setdefault(sent, (row["outcome_start"], row["outcome_end"]))
        else:
            before = [
                s for s in named if _sentence_of(starts, s.start) == sent and s.start < row["start"]
            ]
            if before:
                key = (before[-1].start, before[-1].end)
            elif sent in sentence_owner:
                key = sentence_owner[sent]
            else:
                found = _subject(text, starts, sent, row["start"])
                key = _UNNAMED_KEY if found is None else found
                if found is not None:
                    sentence_owner[sent] = found
        names.setdefault(key, UNNAMED_OUTCOME if key == _UNNAMED_KEY else text[key[0] : key[1]])
        by_name.setdefault(key, []).append(result)
    grouped = {
        (r["outcome_start"], r["outcome_end"])
        for r in doc._.results or []
        if r.get("outcome_start") is not None
    }
    for span in named:
        key = (span.start, span.end)
        if key in grouped and key not in names:
            continue  # a sibling level of an outcome already named ("partial improvement")
        if key not in names and not any(a <= span.start and span.end <= b for a, b in names):
            if _from_model(span) and span.text.casefold() in {n.casefold() for n in names.values()}:
                continue  # the model tags each mention; list an outcome once
            names[key] = span.text
            by_name.setdefault(key, [])
    out = [
        Outcome(name=names[k], results=tuple(by_name[k]), start=k[0], end=k[1])
        for k in sorted(names)
        if k != _UNNAMED_KEY
    ]
    if _UNNAMED_KEY in names:
        out.append(Outcome(name=UNNAMED_OUTCOME, results=tuple(by_name[_UNNAMED_KEY])))
    return tuple(out)


def _from_model(span: Span) -> bool:
    """True for a span a statistical model produced (not a rule)."""
    return span.source == "model" or span.source.startswith(("model", "pico"))


# A dose or count, not a name ("g/kgx2", "400 mg/kg"): never an arm name from a model span.
_DOSE_LIKE = re.compile(r"\d|\b(?:mg|g|kg|ug|mcg|ml|iu)\b|/kg", re.I)


#: Name of the outcome that holds results whose sentence names no outcome.
UNNAMED_OUTCOME = "unnamed outcome"
_UNNAMED_KEY = (-1, -1)


def _result(row: dict[str, Any], arm: str | None) -> Result:
    """A ``Result`` from one ``doc._.results`` row (effect rows: ``measure``/``value``)."""
    values: dict[str, Any] = {f: row.get(f) for f in _RESULT_FIELDS}
    if row.get("kind") == "effect":
        values.update(effect=row.get("measure"), effect_value=row.get("value"))
    return Result(**values, arm=arm)


#: Row kinds that hold a per-arm figure (effects, CIs and p-values compare arms).
_ARM_KINDS = {
    "count_threshold",
    "count_percent",
    "fraction",
    "percent",
    "mean_sd",
    "median_iqr",
    "continuous",
}
_ARM_AFTER = re.compile(
    r"[\s)\]%]*(?:[a-z-]+\s+){0,2}?(?:(?:patients?|participants?|subjects?|women|men|children|"
    r"cases|eyes)\s+)?(?:in|with|for|among|receiving|on|of|from|taking|given|treated\s+with|"
    r"randomi[sz]ed\s+to|allocated\s+to|after|under|using|vs\.?|versus)?\s*(?:the\s+|an?\s+)?$"
)
_NO_ARM_BETWEEN = re.compile(r"\d|\b(?:vs|versus|compared|than|and|respectively|but|while)\b|[;]")
_PAIR_JOIN = re.compile(
    r"^[\s,;)\]]*(?:[a-zA-Z/]+\s*)?[)\]]?\s*,?\s*(?:vs\.?|versus|compared\s+(?:with|to)|and|to|,)"
    r"\s*[(\[]?\s*$",
    re.IGNORECASE,
)


def _arm_aliases(interventions: tuple[Intervention, ...]) -> list[tuple[str, str]]:
    """``(alias, arm name)``: names, long forms, and generic words for the control arm."""
    out: list[tuple[str, str]] = []
    for arm in interventions:
        out.append((arm.name, arm.name))
        if arm.long_form:
            out.append((arm.long_form, arm.name))
    control = next((i for i in interventions if i.role == "comparator"), None) or next(
        (i for i in interventions if _INERT.match(i.name)), None
    )
    main = [i for i in interventions if i is not control]
    generic: list[tuple[str, str]] = []
    if control is not None:
        generic += [
            (w, control.name)
            for w in ("control group", "controls", "control", "placebo group", "placebo")
        ]
    if main:
        generic += [
            (w, main[0].name)
            for w in (
                "intervention group",
                "intervention arm",
                "experimental group",
                "experimental arm",
                "treatment group",
                "study group",
                "intervention",
            )
        ]
    known = {a.lower() for a, _ in out}
    out += [(a, n) for a, n in generic if a.lower() not in known]
    return out


def _arm_mentions(text: str, interventions: tuple[Intervention, ...]) -> list[tuple[int, int, str]]:
    """Every mention of an arm in ``text``: ``(start, end, arm name)``, longest first."""
    found: list[tuple[int, int, str]] = []
    for alias, name in _arm_aliases(interventions):
        alias = alias.strip()
        if len(alias) < 2:
            continue
        exact_case = len(alias) <= 5 and alias.upper() == alias
        found.extend((a, b, name) for a, b in find_phrase(text, alias, ignore_case=not exact_case))
    found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    out: list[tuple[int, int, str]] = []
    for m in found:
        if out and m[0] < out[-1][1]:
            continue
        out.append(m)
    return out


def _result_arms(
    text: str,
    rows: list[dict[str, Any]],
    starts: list[int],
    interventions: tuple[Intervention, ...],
) -> dict[int, str]:
    """Row index → arm name for per-arm figures.

    In order of trust: an arm named right after the figure ("12 (40%) in the IVIg group",
    "4/48 anastrozole patients"); "X and Y in the A and B groups, respectively" by order;
    an arm named right before it ("IVIg: 12%", "placebo (20%)"); pairs "X vs Y" after a
    sentence naming two arms, by order; else the arm named nearest before it in the same
    clause (not across ";").
    """
    if not interventions:
        return {}
    mentions = _arm_mentions(text, interventions)
    if not mentions:
        return {}
    out: dict[int, str] = {}
    by_sent: dict[int, list[int]] = {}
    for i, row in enumerate(rows):
        if row.get("kind") in _ARM_KINDS:
            by_sent.setdefault(_sentence_of(starts, row["start"]), []).append(i)
    for sent, idx in by_sent.items():
        s_start = starts[sent]
        s_end = starts[sent + 1] if sent + 1 < len(starts) else len(text)
        here = [m for m in mentions if s_start <= m[0] < s_end]
        if not here:
            continue
        # "... X and Y in the A and B groups, respectively"
        for resp in re.finditer(r"\brespectively\b", text[s_start:s_end]):
            at = s_start + resp.start()
            prev = [r.end() for r in re.finditer(r"\brespectively\b", text[s_start:at])]
            lo = s_start + (prev[-1] if prev else 0)
            group = [i for i in idx if lo <= rows[i]["start"] < at and i not in out]
            if len(group) < 2:
                continue
            window = [m for m in here if lo <= m[0] < at]
            after_first = [m for m in window if m[0] > rows[group[0]]["end"]]
            for pool in (after_first, window):
                names = list(dict.fromkeys(m[2] for m in pool))
                if len(names) == len(group):
                    out.update(zip(group, names, strict=True))
                    break
        for i in idx:
            if i in out:
                continue
            row = rows[i]
            after = [m for m in here if m[0] >= row["end"] and m[0] - row["end"] <= 60]
            if (
                after
                and _ARM_AFTER.fullmatch(text[row["end"] : after[0][0]])
                and not re.match(r"\s*[:=]", text[after[0][1] :])
            ):
                out[i] = after[0][2]
                continue
            nxt = idx[idx.index(i) + 1] if idx.index(i) + 1 < len(idx) else None
            if nxt is not None and _PAIR_JOIN.match(text[row["end"] : rows[nxt]["start"]]):
                continue  # "A compared with B (x vs y)": x is not B's; left to the pair rule
            before = [m for m in here if m[1] <= row["start"]]
            if before and row["start"] - before[-1][1] <= 25:
                between = text[before[-1][1] : row["start"]]
                if not _NO_ARM_BETWEEN.search(between):
                    out[i] = before[-1][2]
        # pairs "X vs Y" after a sentence naming two arms in order
        for a, b in itertools.pairwise(idx):
            if a in out or b in out:
                continue
            if not _PAIR_JOIN.match(text[rows[a]["end"] : rows[b]["start"]]):
                continue
            names = list(dict.fromkeys(m[2] for m in here if m[1] <= rows[a]["start"]))
            if len(names) >= 2:
                out[a], out[b] = names[0], names[1]
        for i in idx:
            if i in out:
                continue
            row = rows[i]
            clause = text.rfind(";", s_start, row["start"]) + 1 or s_start
            before = [m for m in here if clause <= m[0] and m[1] <= row["start"]]
            if before and not any(
                before[-1][1] <= rows[j]["start"] < row["start"] for j in idx if j != i
            ):
                out[i] = before[-1][2]  # no other figure between the arm and this one
    return out


def _directions(
    text: str,
    outcomes: tuple[Outcome, ...],
    interventions: tuple[Intervention, ...],
    sentences: list[list[Any]],
) -> tuple[Outcome, ...]:
    """Fill ``Outcome.direction*`` when the record names an intervention and a control arm."""
    main = next((i for i in interventions if i.role == "intervention"), None)
    control = next((i for i in interventions if i.role == "comparator"), None) or next(
        (i for i in interventions if i is not main and _INERT.match(i.name)), None
    )
    if main is None or control is None or not outcomes:
        return outcomes
    rows = [(int(r[0]), int(r[1]), r[2]) for r in sentences]
    out: list[Outcome] = []
    for outcome in outcomes:
        hit = find_direction(
            text,
            outcome.name,
            main.long_form or main.name,
            control.long_form or control.name,
            sentences=rows,
        )
        if hit is None:
            out.append(outcome)
            continue
        label, sentence, start, end = hit
        out.append(
            dataclasses.replace(
                outcome,
                direction=label,
                direction_text=sentence,
                direction_start=start,
                direction_end=end,
            )
        )
    return tuple(out)


def _subject(text: str, starts: list[int], sent: int, limit: int) -> tuple[int, int] | None:
    """Words from the sentence start to its first verb: a fallback outcome name, or None."""
    start = starts[sent]
    while start < limit and text[start].isspace():
        start += 1
    head = re.match(r"[A-Z][A-Z ]+:\s*", text[start:limit])
    if head:
        start += head.end()
    chunk = text[start:limit]
    stop = re.search(
        r"\s(?:was|were|is|are|had|has|increased|decreased|improved|reduced|did|showed|"
        r"remained|changed|differed|declined|rose|fell|resulted|led|in|of|for|at|on|with)\b|"
        r"[,;(:]",
        chunk,
    )
    end = start + (stop.start() if stop else len(chunk))
    phrase = text[start:end].rstrip()
    words = phrase.split()
    if not 1 <= len(words) <= 6 or not re.match(r"[A-Za-z]", phrase):
        return None
    if re.match(
        r"(?:patients?|participants?|subjects?|the\s+(?:patients|participants|subjects)|"
        r"there|this|these|those|it|we|they|both|all|overall|however|and|or|in|at|after|"
        r"compared|no|only|of|a|an|methods?|results?|background|conclusions?|"
        rf"{COUNT})\b",
        phrase,
        re.I,
    ):
        return None
    return start, start + len(phrase)


def _sample_noun(doc: Doc) -> str:
    chosen = pick_total(doc._.sample_sizes or [])
    if chosen and re.search(r"[A-Za-z]+$", chosen["text"]):
        return str(re.search(r"[A-Za-z]+$", chosen["text"]).group(0)).lower()  # type: ignore[union-attr]
    return "participants"


# --- summary ---------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def format_dose(dose: Dose) -> str:
    """``1 g/kg ×2 (loading)``, ``400 mg/kg monthly (maintenance)`` ... (see ``Dose.describe``)."""
    return dose.describe()


def summarize(evidence: Evidence, *, sample_noun: str = "participants") -> str:
    """A short plain-language paragraph built only from the extracted fields."""
    parts: list[str] = []
    main = [i for i in evidence.interventions if i.role == "intervention"][:2]
    comparators = [i for i in evidence.interventions if i.role == "comparator"][:1]
    design = (evidence.design or "study").split(" (")[0]
    lead = design[:1].upper() + design[1:]
    if main:
        names = " and ".join(f"{i.long_form} ({i.name})" if i.long_form else i.name for i in main)
        lead += f" of {names}"
    if comparators:
        lead += f" versus {comparators[0].name}"
    pop = evidence.population
    if pop.n:
        lead += f" in {pop.n} {sample_noun}"
        if pop.condition:
            lead += f" with {pop.condition}"
    elif pop.condition:
        lead += f" in {pop.condition}"
    parts.append(lead + ".")
    doses = [d for i in evidence.interventions for d in i.doses]
    if doses:
        seen: list[str] = []
        for d in doses:
            item = format_dose(d)
            if item not in seen:
                seen.append(item)
        parts.append("Dosing: " + ", then ".join(seen[:4]) + ".")
    shown = [o for o in evidence.outcomes if o.results][:2]
    for outcome in shown:
        items = []
        for r in outcome.results[:4]:
            if r.count is not None and r.threshold:
                items.append(f"{r.count} ({r.threshold})")
            elif r.count is not None and r.denominator:
                items.append(f"{r.count}/{r.denominator}")
            elif r.percent is not None:
                items.append(f"{_fmt(r.percent)}%")
            else:
                items.append(r.text)
        parts.append(f"{outcome.name[:1].upper()}{outcome.name[1:]}: {', '.join(items)}.")
    ae = [e for e in evidence.adverse_events if e.kind == "adverse_event"]
    wd = [e for e in evidence.adverse_events if e.kind == "withdrawal"]
    if ae:
        parts.append("Adverse events: " + "; ".join(_event(e) for e in ae[:3]) + ".")
    if wd:
        parts.append("Withdrawals: " + "; ".join(_event(e) for e in wd[:3]) + ".")
    return " ".join(parts)


def _event(event: AdverseEvent) -> str:
    name = event.name or event.text
    return f"{name} (n={event.count})" if event.count is not None else name


__all__ = [
    "evidence_from_doc",
    "extract_evidence",
    "extract_many",
    "format_dose",
    "make_doc",
    "summarize",
]
