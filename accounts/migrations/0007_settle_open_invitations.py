import django.utils.timezone
from django.db import migrations


def settle_open_invitations(apps, schema_editor):
    """Before the one-open-invitation rules: each apprentice invitation names its standard;
    an open invitation whose apprenticeship is no longer pending is revoked (it could not be
    accepted, and withdrawing now revokes them); of duplicates, all but the newest are."""
    Invitation = apps.get_model("accounts", "Invitation")
    now = django.utils.timezone.now()
    for invitation in Invitation.objects.filter(kind="apprentice", apprenticeship__isnull=False):
        invitation.standard_id = invitation.apprenticeship.standard_id
        invitation.save(update_fields=["standard"])
    open_ = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    open_.filter(kind="apprentice", apprenticeship__isnull=False).exclude(
        apprenticeship__status="pending"
    ).update(revoked_at=now)
    seen = set()
    for invitation in open_.order_by("-sent_at", "-pk"):
        key = (
            invitation.kind,
            invitation.email.lower(),
            invitation.organisation_id,
            invitation.standard_id if invitation.apprenticeship_id else f"void-{invitation.pk}",
        )
        if key in seen:
            invitation.revoked_at = now
            invitation.save(update_fields=["revoked_at"])
        seen.add(key)



class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_input_rules")]

    operations = [migrations.RunPython(settle_open_invitations, migrations.RunPython.noop)]
