"""Stage 4: cross-study evidence summaries (terminal table, Markdown, self-contained HTML).

:func:`build_summary` turns stored records into an :class:`EvidenceSummary`; the three
``render_*`` functions only lay it out. Every figure in a summary (sample size, dose, result,
direction, adverse event) is a :class:`Source`: the study it came from, its exact text and
offsets, and the sentence around it, so each rendering can point back to where it was read.

Grouping rules:

* A group is one **intervention** in one **condition**. A study with several interventions
  appears in several groups; the same intervention named twice in one study counts once.
* Interventions are compared case-folded with whitespace collapsed. An abbreviation and its long
  form are one intervention: an arm with a ``long_form`` is keyed by it (IVIg → "intravenous
  immunoglobulin"), and an arm without one joins the long form that other records give the same
  abbreviation, when they all give the same one.
* Control arms (a role in ``CONTROL_ROLES``: active comparator, placebo, usual care) never form
  groups of their own; they are listed as the comparators of the groups their studies fall in.
  Records with no intervention arm are counted in ``EvidenceSummary.ungrouped`` and not
  summarised.
* Comparisons (``Evidence.comparisons``) are summarised per outcome for the group's
  intervention: how many say increased, decreased, no difference (or state no direction), each
  with its study, the arm it was compared with, the per-arm figures, p value, effect and the
  sentence that states it. A comparison in which the group's intervention is the comparator is
  read the other way round (increased ↔ decreased) and marked ``reversed``; a comparison
  between two other arms of the study is left out. Outcome names are compared case-folded.
* The condition is ``population.condition`` compared case-folded; a record without one goes to
  ``"unspecified condition"``.
* Groups are sorted by number of studies, then total participants (both descending), then
  intervention and condition; studies newest first, then by id. Every other list has a fixed
  order too, so the same records always give the same report.

Doses are summarised per unit: amounts in mass, volume or molar units are converted to mg, mL or
mmol (keeping the ``per`` part: mg/kg, mg/day ...), so "1 g/kg" and "400 mg/kg" form one range
shown as "400 mg/kg – 1 g/kg"; units that cannot be converted (IU, U, %) get their own range.
"""

from __future__ import annotations

from .build import build_summary, normalize_name, source_of
from .html import render_html
from .markdown import render_markdown
from .model import (
    DIRECTIONS,
    NOT_STATED,
    PUBMED_URL,
    UNSPECIFIED_CONDITION,
    ComparisonItem,
    ComparisonSummary,
    DoseRange,
    EventItem,
    EvidenceSummary,
    GroupSummary,
    OutcomeFinding,
    OutcomeSummary,
    ResultItem,
    Source,
    StudyRef,
    iter_sources,
)
from .terminal import render_terminal
from .wording import format_effect, format_result

__all__ = [
    "DIRECTIONS",
    "NOT_STATED",
    "PUBMED_URL",
    "UNSPECIFIED_CONDITION",
    "ComparisonItem",
    "ComparisonSummary",
    "DoseRange",
    "EventItem",
    "EvidenceSummary",
    "GroupSummary",
    "OutcomeFinding",
    "OutcomeSummary",
    "ResultItem",
    "Source",
    "StudyRef",
    "build_summary",
    "format_effect",
    "format_result",
    "iter_sources",
    "normalize_name",
    "render_html",
    "render_markdown",
    "render_terminal",
    "source_of",
]
