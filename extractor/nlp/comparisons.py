"""Comparison sentences and the outcome names they measure (plain functions over strings).

* :func:`states_comparison`: does a sentence report a comparison (a significance or p-value
  statement, "no difference", "higher/lower than", "compared with")?
* :func:`outcome_phrases`: the measured quantity a comparison sentence names when no span
  names it — "no significant difference in X between …", "X was significantly higher …",
  "improvement in X", "in terms of X";
* :func:`clean_outcome`: an outcome name trimmed to the quantity ("The mean HbA1c" → "HbA1c")
  or ``None`` for a sentence fragment, a statistic or a methods word ("data", "ANOVA",
  "The mean", "Statistical analysis", "Inclusion criteria", "During recovery").
"""

from __future__ import annotations

import re

_CUE = re.compile(
    r"\bsignifican|\bp\s*[<=>≤≥]|\bdiffer|\bsimilar\b|\bcomparable\b|\b(?:higher|lower|greater|"
    r"less|more|fewer|better|worse|shorter|longer|superior|inferior|faster|slower)\b|"
    r"\b(?:increas|decreas|reduc|improv|lower|rais|declin|prolong|shorten)\w*\b|"
    r"\b(?:versus|vs\.?|compared|than)\b|\b(?:odds|hazard|risk)\s+ratio\b|\b(?:OR|HR|RR)\b",
    re.I,
)
_STRONG = re.compile(r"\bsignifican|\bp\s*[<=>≤≥]|\bdiffer|\bsimilar\b|\bcomparable\b", re.I)

_DIFFERENCE_IN = re.compile(
    r"\b(?:difference|differences|change|changes|improvement|improvements|reduction|reductions|"
    r"increase|increases|decrease|decreases|benefit|effect|effects|rise|decline|deterioration)"
    r"\s+(?:in|on|of|for|regarding|with\s+(?:regard|respect)\s+to|in\s+terms\s+of)\s+"
    r"(?P<o>.+?)(?=\s+(?:between|among|across|in\s+(?:the|both|either|all|patients|group)|"
    r"with|compared|versus|vs\.?|was|were|at|after|from|by|favou?ring|when|than|for\s+the)\b|"
    r"\s*[(,;:]|\.?\s*$)",
    re.I,
)
_IN_TERMS = re.compile(
    r"\b(?:in\s+terms\s+of|regarding|with\s+(?:regard|respect)\s+to|as\s+regards)\s+"
    r"(?P<o>.+?)(?=\s+(?:between|among|in\s+the|was|were|with|compared|versus|vs)\b|"
    r"\s*[(,;:]|\.?\s*$)",
    re.I,
)
_SUBJECT = re.compile(
    r"^(?:(?:however|moreover|furthermore|additionally|also|in\s+addition|overall|"
    r"similarly|likewise|in\s+contrast|conversely|finally|thus|importantly)\s*,?\s+)?"
    r"(?:(?:at|after|during|in|on|by|within|over)\s+[^,]{1,40},\s+)?"
    r"(?P<o>[A-Za-z(][^,;:]{2,100}?)\s+(?:was|were|did\s+not|didn't|remained|tended|showed|"
    r"increased|decreased|improved|declined|fell|rose|differed|reduced|is|are|had|has|"
    r"significantly|did)\b",
    re.I,
)
_LEADING = re.compile(
    r"^(?:(?:(?:mean|median|average)\s+(?:and|or)\s+(?:mean|median|average)|the|a|an|all|both|its|their|overall|total|mean|median|average|absolute|relative|"
    r"respective|statistically|significant|significantly|no|any|further|greater|higher|lower|"
    r"similar|comparable|improved|better|worse|reduced|increased|decreased)\s+)+",
    re.I,
)
#: Words that on their own name no measured quantity.
_GENERIC = frozenset(
    [
        "data", "analysis", "analyses", "statistical", "statistics", "anova", "test", "tests",
        "t-test", "chi", "square", "chi-square", "spss", "criteria", "inclusion", "exclusion",
        "mean", "median", "average", "difference", "differences", "results", "result",
        "significant", "significance", "p", "value", "values", "group", "groups", "patients",
        "patient", "time", "times", "outcome", "outcomes", "variable", "variables", "parameter",
        "parameters", "measure", "measures", "effect", "effects", "change", "changes", "level",
        "levels", "rate", "rates", "score", "scores", "number", "numbers", "findings", "study",
        "trial", "the", "a", "an", "of", "in", "and", "or", "to", "was", "were", "is", "are",
        "this", "that", "these", "those", "there", "it", "they", "we", "baseline", "both", "two",
        "three", "each", "all", "other", "intervention", "treatment", "control", "placebo",
        "comparison", "end", "method", "methods", "characteristics", "demographic", "proportion",
        "percentage", "incidence", "total", "significantly", "statistically", "compared", "versus",
        "vs", "interventions", "treatments",
    ]
)  # fmt: skip
_BAD_START = re.compile(
    r"^(?:during|after|before|in|at|on|with|without|between|among|compared|however|although|"
    r"while|whereas|when|if|because|since|than|from|by|for|to|of|and|or|but|no|not|there|this|"
    r"these|those|it|we|they|our|all\s+patients|patients|participants|subjects|both|each|"
    r"statistical|inclusion|exclusion|randomi[sz]\w*|p|ci)\b|^\d",
    re.I,
)
_METHODS = re.compile(
    r"\b(?:analy[sz]ed|analysis|anova|t-test|chi[- ]square|spss|regression|criteria|"
    r"randomi[sz]ed|enrolled|recruited|were\s+included|statistical)\b",
    re.I,
)
_TRAIL = re.compile(
    r"\s+(?:for|in|among|of)\s+(?:the\s+)?(?:subjects|patients|participants|children|women|"
    r"men|those|individuals)\b.*$|"
    r"(?:\s+(?:in|of|for|at|with|between|among|and|or|the|was|were|is|are|than|by|to))+$|"
    r"[\s,;:(]+$",
    re.I,
)


def states_comparison(sentence: str, *, strong: bool = False) -> bool:
    """True when the sentence reports a comparison (``strong``: significance, p or "differ")."""
    return bool((_STRONG if strong else _CUE).search(sentence))


def clean_outcome(name: str) -> str | None:
    """The measured quantity of an outcome name, or ``None`` when it names none."""
    name = " ".join(name.split()).strip(" ,;:.")
    name = re.sub(r"\s*\((?:[^()]*\d[^()]*)\)", "", name)  # "(30% of patients)", "(P=0.08)"
    if name.count("(") != name.count(")"):
        name = name.split("(")[0].strip() if name.count("(") > name.count(")") else name
    lead = _LEADING.match(name)
    if lead and lead.end() < len(name):
        name = name[lead.end() :]
    while True:
        trail = _TRAIL.search(name)
        if not trail or trail.start() == 0:
            break
        name = name[: trail.start()]
    name = name.strip(" ,;:.")
    if len(name) < 2 or _BAD_START.match(name):
        return None
    words = re.findall(r"[A-Za-z][\w-]*|\d+", name.casefold())
    if not words or all(w in _GENERIC for w in words):
        return None
    if len(words) > 14 or _METHODS.search(name):
        return None
    return name


_OBJECT = re.compile(
    r"\b(?:did\s+not|didn't|failed\s+to|to|does\s+not|significantly|also|further)?\s*"
    r"(?:reduce[sd]?|increase[sd]?|improve[sd]?|lower(?:ed|s)?|decrease[sd]?|raise[sd]?|"
    r"prolong(?:ed|s)?|shorten(?:ed|s)?|affect(?:ed|s)?|alter(?:ed|s)?|benefit(?:ed|s)?|"
    r"enhance[sd]?|attenuate[sd]?|delay(?:ed|s)?|prevent(?:ed|s)?)\s+(?:the\s+)?"
    r"(?P<o>[A-Za-z][^,;:()]{2,80}?)(?=\s+(?:in|among|compared|versus|vs\.?|than|relative|"
    r"at|after|from|by|when|with|over|during|but)\b|\s*[(,;:]|\.?\s*$)",
    re.I,
)
_BETTER_FOR = re.compile(
    r"\b(?:better|worse|higher|lower|greater|superior|inferior|more\s+effective|less\s+effective)"
    r"\s+(?:than\s+[^,;()]{1,60}?\s+)?(?:for|in|on|regarding|with\s+respect\s+to)\s+(?:the\s+)?"
    r"(?P<o>[A-Za-z][^,;:()]{2,80}?)(?=\s+(?:in|among|at|after|compared|versus|vs\.?|than|"
    r"and\s+(?:significantly|was|were))\b|\s*[(,;:]|\.?\s*$)",
    re.I,
)


def outcome_phrases(sentence: str) -> list[tuple[int, int]]:
    """``(start, end)`` in ``sentence`` of the quantities a comparison sentence names."""
    out: list[tuple[int, int]] = []
    for pattern in (_DIFFERENCE_IN, _IN_TERMS, _BETTER_FOR, _OBJECT):
        for m in pattern.finditer(sentence):
            out.append((m.start("o"), m.end("o")))
    subject = None if out else _SUBJECT.match(sentence)
    if subject:
        out.append((subject.start("o"), subject.end("o")))
    return out


_CLAUSE = re.compile(
    r"(?:,|;)\s+(?:but|whereas|while|although|though|however|yet)\b|;\s+|\s+whereas\s+|"
    r",\s+and\s+(?=(?:the\s+)?[a-z][\w-]*(?:\s+[\w-]+){0,6}\s+(?:was|were)\b)",
    re.I,
)
_FINITE = re.compile(
    r"\b(?:was|were|is|are|did|does|had|has|showed|remained|differed|increased|decreased|"
    r"improved|reduced|declined|rose|fell)\b",
    re.I,
)


def clauses(sentence: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the clauses of a sentence that contrasts two findings ("X did not
    differ, but Y was higher"); the whole sentence when it has one."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _CLAUSE.finditer(sentence):
        if m.start() - pos > 15 and _FINITE.search(sentence, pos, m.start()):
            out.append((pos, m.start()))
            pos = m.end()
    if out and len(sentence) - pos > 15:
        out.append((pos, len(sentence)))
    elif out:
        out[-1] = (out[-1][0], len(sentence))
    return [piece for a, b in out or [(0, len(sentence))] for piece in _by_p_value(sentence, a, b)]


_P_STATED = re.compile(r"\bp\s*(?:value)?\s*[<=>≤≥]", re.I)
_AND_FINDING = re.compile(
    r"\s+and\s+(?=(?:the\s+)?[\w(][\w()–-]*(?:\s+[\w()–'-]+){0,8}\s+(?:was|were|showed|"
    r"had|did|remained|tended)\b)",
    re.I,
)


def _by_p_value(sentence: str, start: int, end: int) -> list[tuple[int, int]]:
    """A clause with two findings, each with its own p value ("A was significant (p = 0.019)
    and B showed a trend (p = 0.06)"), split at the "and" between them."""
    if len(_P_STATED.findall(sentence, start, end)) < 2:
        return [(start, end)]
    for m in _AND_FINDING.finditer(sentence, start, end):
        if _P_STATED.search(sentence, start, m.start()) and _P_STATED.search(
            sentence, m.end(), end
        ):
            return [(start, m.start()), *_by_p_value(sentence, m.end(), end)]
    return [(start, end)]


def cut_at_arm(name: str, arm_names: list[str]) -> str:
    """Drop a trailing "in the X group" / "with X" where X is an arm ("nausea and vomiting in
    Remifentanil group" → "nausea and vomiting")."""
    low = name.casefold()
    cut = len(name)
    for arm in arm_names:
        if not arm:
            continue
        pos = low.find(arm.casefold())
        if pos > 0:
            head = re.search(
                r"\s+(?:in|with|of|for|on|after|between|among|under|using|by)?\s*(?:the\s+)?$",
                name[:pos],
                re.I,
            )
            cut = min(cut, head.start() if head else pos)
    return name[:cut].strip(" ,;:")


_LIST_SEP = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def split_list(name: str) -> list[str]:
    """A list of three or more short quantities split into its items ("PEEP, VT, FiO2 and
    P0.1" → four); anything else (including "nausea and vomiting") kept whole."""
    items = [p.strip() for p in _LIST_SEP.split(name) if p and p.strip()]
    if len(items) < 3 or name.count(",") < 1 or any(len(i.split()) > 5 for i in items):
        return [name]
    cleaned = [c for c in (clean_outcome(i) for i in items) if c]
    return cleaned or [name]


_BACK_REFERENCE = re.compile(
    r"^\W*(?:(?:this|the|these|such|that)\s+(?:\w+\s+){0,2}(?:difference|differences|"
    r"reduction|increase|decrease|improvement|effect|change)s?\b"
    r"|(?:however,?\s+)?(?:no|there\s+(?:was|were)\s+no|not)\b[^.;]{0,60}?\bdifferences?\b"
    r"(?!\s+(?:in|of|for|regarding|with\s+regard\s+to|in\s+terms\s+of)\b))",
    re.I,
)


def refers_back(clause: str) -> bool:
    """A comparison clause about the finding just stated ("This difference was significant",
    "No difference was observed between groups"): its outcome is the previous sentence's."""
    return bool(_BACK_REFERENCE.search(clause))
