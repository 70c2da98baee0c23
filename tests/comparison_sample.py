"""Hand-built records with comparisons, for the store, card, summary, export and CLI tests.

Until the extractor fills ``Evidence.comparisons`` these records stand in for its output.
Every offset is computed from the abstract, so ``abstract[start:end] == text`` holds.
"""

from __future__ import annotations

from extractor.records import (
    Comparison,
    Document,
    Effect,
    Evidence,
    Intervention,
    Population,
    Quote,
    Result,
)

CONDITION = "day-case surgery"


def _at(abstract: str, text: str) -> tuple[int, int]:
    start = abstract.index(text)
    return start, start + len(text)


def _arm(abstract: str, name: str, role: str) -> Intervention:
    start, end = _at(abstract, name)
    return Intervention(name=name, start=start, end=end, role=role)


def _quote(abstract: str, text: str) -> Quote:
    return Quote(text, *_at(abstract, text))


def _result(abstract: str, text: str, arm: str, **values: object) -> Result:
    return Result(text, *_at(abstract, text), arm=arm, **values)  # type: ignore[arg-type]


def trial(
    pmid: str,
    year: int,
    intervention: str,
    control: str,
    control_role: str,
    *,
    direction: str | None,
    figures: tuple[str, str],
    p: str,
    outcome: str = "nausea and vomiting",
    both_interventions: bool = False,
) -> Evidence:
    """A two-arm trial reporting one comparison of ``outcome`` with per-arm percentages."""
    verb = {
        "increased": "was more frequent with",
        "decreased": "was less frequent with",
        "no_difference": "did not differ between",
        None: "was recorded with",
    }[direction]
    joiner = " and " if direction == "no_difference" else " than with "
    sentence = (
        f"Postoperative {outcome} {verb} {intervention}{joiner}{control} "
        f"({figures[0]} vs {figures[1]}, {p})."
    )
    abstract = (
        f"METHODS: Sixty patients undergoing {CONDITION} were randomised to {intervention} or "
        f"{control}.\nRESULTS: {sentence}"
    )
    doc = Document(
        title=f"{intervention} versus {control}", abstract=abstract, pmid=pmid, year=year
    )
    a_start = abstract.index(sentence)
    fig_a = abstract.index(figures[0], a_start)
    fig_b = abstract.index(figures[1], fig_a + len(figures[0]))
    results = (
        Result(
            figures[0], fig_a, fig_a + len(figures[0]), percent=_pct(figures[0]), arm=intervention
        ),
        Result(figures[1], fig_b, fig_b + len(figures[1]), percent=_pct(figures[1]), arm=control),
    )
    arm_role = "intervention" if both_interventions else control_role
    return Evidence(
        id=doc.record_id,
        document=doc,
        population=Population(description="Sixty patients", condition=CONDITION, n=60),
        interventions=(
            _arm(abstract, intervention, "intervention"),
            _arm(abstract, control, arm_role),
        ),
        comparisons=(
            Comparison(
                intervention=intervention,
                comparator=control,
                outcome=outcome,
                direction=direction,
                evidence=_quote(abstract, sentence),
                results=results,
                p_value=p,
                confidence=0.9,
            ),
        ),
        design="randomized controlled trial",
    )


def _pct(text: str) -> float:
    return float(text.rstrip("%"))


# The brief's example: nausea and vomiting, Remifentanil vs Alfentanil, increased, 30% vs 5%.
REMI_ABSTRACT = (
    "METHODS: Sixty patients undergoing day-case surgery were randomised to Remifentanil (n=30) "
    "or Alfentanil (n=30).\nRESULTS: Nausea and vomiting occurred more often with Remifentanil "
    "than with Alfentanil (30% vs 5%, P=0.045; OR 8.1, 95% CI 1.6 to 41). Pain scores did not "
    "differ between the groups (P=0.62)."
)


#: The record's nausea-and-vomiting comparison as a row of ``comparisons_view`` (title aside).
PONV_ROW = {
    "pmid": "11111111",
    "year": 2004,
    "outcome": "nausea and vomiting",
    "intervention": "Remifentanil",
    "comparator": "Alfentanil",
    "direction": "increased",
    "arm_results": "Remifentanil: 30%; Alfentanil: 5%",
    "p_value": "P=0.045",
}


def remifentanil_record() -> Evidence:
    """Two arms, two comparisons: one increased with per-arm values, p and effect; one null."""
    a = REMI_ABSTRACT
    doc = Document(
        title="Remifentanil versus alfentanil for day-case surgery",
        abstract=a,
        pmid="11111111",
        year=2004,
        source="remi.txt",
    )
    ponv = _quote(
        a,
        "Nausea and vomiting occurred more often with Remifentanil than with Alfentanil "
        "(30% vs 5%, P=0.045; OR 8.1, 95% CI 1.6 to 41).",
    )
    pain = _quote(a, "Pain scores did not differ between the groups (P=0.62).")
    return Evidence(
        id=doc.record_id,
        document=doc,
        population=Population(description="Sixty patients", condition=CONDITION, n=60),
        interventions=(
            Intervention("Remifentanil", *_at(a, "Remifentanil"), n=30),
            Intervention("Alfentanil", *_at(a, "Alfentanil"), role="comparator", n=30),
        ),
        comparisons=(
            Comparison(
                intervention="Remifentanil",
                comparator="Alfentanil",
                outcome="nausea and vomiting",
                direction="increased",
                evidence=ponv,
                results=(
                    _result(a, "30%", "Remifentanil", percent=30.0),
                    _result(a, "5%", "Alfentanil", percent=5.0),
                ),
                p_value="P=0.045",
                effect=Effect("OR", 8.1, 1.6, 41.0),
                confidence=0.87,
                source="rules",
            ),
            Comparison(
                intervention="Remifentanil",
                comparator="Alfentanil",
                outcome="pain scores",
                direction="no_difference",
                evidence=pain,
                p_value="P=0.62",
                source="model:comparisons",
            ),
        ),
        design="randomized controlled trial",
    )


def remifentanil_studies() -> list[Evidence]:
    """Four remifentanil trials in one condition. For remifentanil and nausea and vomiting:
    increased 1 (the brief's example), decreased 2 (one as the comparator of a head-to-head
    trial, so reversed), no difference 1; pain scores: no difference 1."""
    return [
        remifentanil_record(),
        trial(
            "22222222",
            2010,
            "remifentanil",
            "placebo",
            "placebo",
            direction="no_difference",
            figures=("12%", "10%"),
            p="P=0.70",
        ),
        trial(
            "33333333",
            2012,
            "remifentanil",
            "usual care",
            "usual_care",
            direction="decreased",
            figures=("8%", "20%"),
            p="P=0.03",
            outcome="Nausea and Vomiting",
        ),
        trial(
            "44444444",
            2015,
            "sevoflurane",
            "remifentanil",
            "intervention",
            direction="increased",
            figures=("40%", "15%"),
            p="P=0.002",
            both_interventions=True,
        ),
    ]
