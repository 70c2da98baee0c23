"""scispaCy's abbreviation detector with its contract declared and no W036 warning per doc.

``evidence_abbreviations`` builds scispaCy's ``AbbreviationDetector`` (the Schwartz & Hearst
algorithm; it writes ``doc._.abbreviations``) and differs in two ways only:

* the factory declares ``assigns=["doc._.abbreviations"]``, so ``nlp.analyze_pipes()`` sees who
  writes what ``evidence_dosing`` and ``evidence_entities`` read (scispaCy's own factory
  declares nothing);
* with ``never_match`` (the default) one pattern that never matches (two invisible separators)
  is added to the detector's global matcher. scispaCy runs that matcher on every doc, also when
  the doc defines no abbreviation and the matcher is empty, and spaCy then warns
  "[W036] The component 'matcher' does not have any patterns defined." (once per process
  under spaCy's default warning filter; once per doc where the filters are reset, as pytest
  and ``python -W`` do). scispaCy only removes the keys it added itself, so the pattern stays.
  Being in the component's config, it is back after ``nlp.to_disk`` → ``spacy.load``.

The abbreviations found are the same as scispaCy's: the extra pattern never matches.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language

#: Key and pattern of the global-matcher entry that never matches (U+2063 INVISIBLE SEPARATOR).
NEVER_KEY = "_evidence_never"
NEVER_PATTERN = [[{"ORTH": "\u2063\u2063"}]]


@Language.factory(
    "evidence_abbreviations",
    assigns=["doc._.abbreviations"],
    default_config={"make_serializable": True, "never_match": True},
)
def make_abbreviations(nlp: Language, name: str, make_serializable: bool, never_match: bool) -> Any:
    """Build scispaCy's abbreviation detector (``evidence_abbreviations``).

    Args:
        nlp: the pipeline.
        name: component name (``abbreviation_detector`` keeps scispaCy's name in a pipeline).
        make_serializable: store plain dicts in ``doc._.abbreviations`` (needed for
            ``nlp.pipe(n_process=...)``), as scispaCy's option of that name.
        never_match: add the never-matching pattern that keeps spaCy's W036 off stderr.
    """
    from scispacy.abbreviation import AbbreviationDetector

    detector = AbbreviationDetector(nlp, name=name, make_serializable=make_serializable)
    if never_match:
        detector.global_matcher.add(NEVER_KEY, NEVER_PATTERN)
    return detector


__all__ = ["NEVER_KEY", "NEVER_PATTERN", "make_abbreviations"]
