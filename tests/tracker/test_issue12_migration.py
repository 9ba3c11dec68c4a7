"""Issue 12: Evidence.ksbs moves onto an explicit through model over the same table, and the
links of evidence accepted before decisions were per KSB come out accepted."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("tracker", "0006_input_rules")]
AFTER = [("tracker", "0007_evidence_decisions_per_ksb")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_links_of_accepted_evidence_are_marked_accepted_and_none_are_lost():
    old = _migrate(BEFORE)
    Standard = old.get_model("standards", "Standard")
    KSB = old.get_model("standards", "KSB")
    Organisation = old.get_model("accounts", "Organisation")
    User = old.get_model("accounts", "User")
    Apprenticeship = old.get_model("accounts", "Apprenticeship")
    Evidence = old.get_model("tracker", "Evidence")
    standard = Standard.objects.create(
        reference="ST0003", title="Old", version="1.0", level=4, status="approved"
    )
    k1 = KSB.objects.create(standard=standard, kind="K", number=1, description="One")
    k2 = KSB.objects.create(standard=standard, kind="K", number=2, description="Two")
    apprentice = User.objects.create(email="old@example.com", full_name="Old")
    apprenticeship = Apprenticeship.objects.create(
        apprentice=apprentice,
        standard=standard,
        organisation=Organisation.objects.create(name="Old Ltd"),
        start_date="2025-01-01",
        planned_end_date="2026-06-01",
        otj_target_hours=100,
        status="active",
    )
    pieces = {}
    for status in ("accepted", "submitted", "changes_requested", "draft"):
        pieces[status] = Evidence.objects.create(
            apprenticeship=apprenticeship, title=status, occurred_on="2025-02-01", status=status
        )
        pieces[status].ksbs.set([k1, k2])

    new = _migrate(AFTER)
    EvidenceKSB = new.get_model("tracker", "EvidenceKSB")
    flags = {
        (link.evidence.title, link.ksb_id): link.accepted
        for link in EvidenceKSB.objects.select_related("evidence")
    }
    assert flags == {
        (status, ksb.pk): status == "accepted" for status in pieces for ksb in (k1, k2)
    }
    # The table keeps its one link per pair.
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceKSB.objects.create(evidence_id=pieces["draft"].pk, ksb_id=k1.pk)
    # A row written without the column (as a bulk COPY of old code would) is not accepted.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tracker_evidence_ksbs (evidence_id, ksb_id) VALUES (%s, %s)",
            [pieces["draft"].pk, KSB.objects.create(standard=standard, kind="S", number=1).pk],
        )
    assert EvidenceKSB.objects.filter(accepted=False).count() == 7

    back = _migrate(BEFORE)  # and back, with no link lost
    Evidence = back.get_model("tracker", "Evidence")
    assert Evidence.ksbs.through.objects.count() == 9
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
