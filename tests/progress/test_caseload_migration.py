"""Issue 16: the tallies gain the provider and the tutor; 0008_tally_refilled filled them for the
apprenticeships there already are (and tallied any that were never tallied), a step tracker's
0015_hours_tally_refilled now takes."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("progress", "0007_tally_provider_tutor")]
AFTER = [("tracker", "0015_hours_tally_refilled")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_tallies_get_their_provider_and_tutor():
    old = _migrate(BEFORE)
    Organisation = old.get_model("accounts", "Organisation")
    User = old.get_model("accounts", "User")
    Apprenticeship = old.get_model("accounts", "Apprenticeship")
    Standard = old.get_model("standards", "Standard")
    Tally = old.get_model("progress", "Tally")
    standard = Standard.objects.create(
        reference="ST0016", title="Old", version="1.0", level=4, status="approved"
    )
    employer = Organisation.objects.create(name="Employer")
    provider = Organisation.objects.create(name="Provider", kind="provider")
    tutor = User.objects.create(email="tutor@example.com", full_name="Tia Tutor")
    delivered, alone = (
        Apprenticeship.objects.create(
            apprentice=User.objects.create(email=f"a{n}@example.com"),
            standard=standard,
            organisation=employer,
            provider=provider if n == 0 else None,
            tutor=tutor if n == 0 else None,
            start_date=date(2026, 1, 5),
            planned_end_date=date(2027, 6, 5),
            otj_target_hours=400,
        )
        for n in range(2)
    )
    # Historical models send no signals: neither is tallied yet.
    assert not Tally.objects.exists()
    try:
        _migrate(AFTER)
        from progress.models import Tally as Current
        from progress.tally import tally_check

        assert set(Current.objects.values_list("pk", "provider", "tutor")) == {
            (delivered.pk, provider.pk, tutor.pk),
            (alone.pk, None, None),
        }
        assert tally_check() == []
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
