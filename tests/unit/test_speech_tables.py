"""The tables speech normalisation reads are whole and consistent."""

from __future__ import annotations

import string

from vidc.compiler.speech import spoken_text
from vidc.compiler.speech_tables import ABBREVIATIONS, CURRENCY, LETTERS, MONTHS, RESPELL, SAID, UNITS


def test_every_letter_has_a_name_and_every_month_is_there():
    assert sorted(LETTERS) == list(string.ascii_uppercase)
    assert len(MONTHS) == 12 and MONTHS[0] == "January" and MONTHS[-1] == "December"


def test_a_respelled_acronym_is_one_said_as_a_word():
    assert set(RESPELL) <= SAID


def test_abbreviations_end_in_a_full_stop_and_units_and_currencies_have_every_form():
    assert all(k.endswith(".") and k == k.lower() for k in ABBREVIATIONS)
    assert all(len(forms) == 2 and all(forms) for forms in UNITS.values())
    assert all(len(forms) == 4 and all(forms) for forms in CURRENCY.values())


def test_the_tables_are_what_normalise_reads():
    assert spoken_text("Dr. Ng owes £2.01 for 3 GB of JSON.") == (
        "Doctor Ng owes two pounds and one penny for three gigabytes of jason."
    )
