"""The vocabulary labels the administration pages show, marked here so this app's catalogue carries them.

vocab/locale holds their translations, but vocab is not an installed app and settings names no
LOCALE_PATHS, so Django never loads that catalogue: without these entries an Arabic page would show
English role and organisation names. Drop this module once settings loads vocab/locale (decision 0025).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_noop

from vocab.choices import ActivityKind, OrganisationKind, Role

LABELS = [
    gettext_noop("National mine action authority"),
    gettext_noop("Operator (NGO)"),
    gettext_noop("Operator (commercial)"),
    gettext_noop("Military or police"),
    gettext_noop("United Nations"),
    gettext_noop("National authority admin"),
    gettext_noop("Information management officer"),
    gettext_noop("Data clerk"),
    gettext_noop("QA officer"),
    gettext_noop("Viewer"),
    gettext_noop("Non-technical survey"),
    gettext_noop("Technical survey"),
    gettext_noop("Clearance"),
    gettext_noop("EOD spot task"),
    gettext_noop("Battle area clearance"),
    gettext_noop("Marking"),
    gettext_noop("Post-clearance inspection"),
    gettext_noop("Handover"),
]


def missing_labels() -> list[str]:
    """Labels of the vocabularies shown here that LABELS lacks (a test keeps the two in step)."""
    # The labels are lazy; English is what they are keyed by.
    with translation.override("en"):
        shown = [str(label) for choices in (OrganisationKind, Role, ActivityKind) for label in choices.labels]
    return [s for s in shown if s not in LABELS]
