"""The factories' numbering holds for a whole run of the suite, on PostgreSQL too."""

import pytest

from tests.factories import DutyFactory, KSBFactory


@pytest.mark.django_db
def test_numbers_stay_small_integers_late_in_a_long_run():
    # The full suite had made about 41,000 KSBs when PostgreSQL refused one (a small
    # integer stops at 32,767): a sequence that far along still fits.
    KSBFactory.reset_sequence(41_084)
    DutyFactory.reset_sequence(41_084)
    assert 1 <= KSBFactory().number <= 32_767
    assert 1 <= DutyFactory().number <= 32_767
