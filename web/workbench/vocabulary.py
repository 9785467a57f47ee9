"""Vocabulary labels that no domain app's catalogue translates yet, listed so that makemessages puts them here.

The labels of vocab.choices, casualties, quality, risk_education and reports are lazily translated
by their own apps' catalogues; these few (shown in the report forms) were missing there. Move each
to its app's catalogue when that app translates it, and drop it here.
"""

from django.utils.translation import gettext_noop

LABELS = (
    gettext_noop("Handed over to authorities"),
    gettext_noop("0–4"),
    gettext_noop("5–11"),
    gettext_noop("18–29"),
    gettext_noop("30–44"),
    gettext_noop("45–59"),
    gettext_noop("18 and over"),
    gettext_noop("Community land"),
    gettext_noop("Military base"),
)
