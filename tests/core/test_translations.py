"""The Swedish catalogue is complete and its compiled .mo matches the .po.

The .mo is committed so that no gettext tools are needed at set-up; this test
catches a .po edited without recompiling.
"""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "sv" / "LC_MESSAGES"


def test_every_swedish_entry_is_translated():
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))

    def table(catalogue):
        return {
            (entry.msgctxt, entry.msgid): entry.msgstr or tuple(entry.msgstr_plural.values())
            for entry in catalogue
            if entry.msgid and not entry.obsolete
        }

    assert table(mo) == table(po)
