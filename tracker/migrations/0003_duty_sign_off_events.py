"""Duty progress becomes events: the sign-offs and their undoing are kept as DutySignOff
records and everything else about a duty is computed when read, so the DutyProgress rows (a
stored copy of derived state) and their events go. The tracker's status history moves to
accounts, beside the apprenticeship it records. Nothing recorded is lost: every event is
copied with its author, time and note, and a duty stored as signed off without an event gets
one from the stored sign-off."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def copy_records(apps, schema_editor):
    DutyProgress = apps.get_model("tracker", "DutyProgress")
    DutyProgressEvent = apps.get_model("tracker", "DutyProgressEvent")
    DutySignOff = apps.get_model("tracker", "DutySignOff")
    OldStatusChange = apps.get_model("tracker", "StatusChange")
    StatusChange = apps.get_model("accounts", "StatusChange")

    events = DutyProgressEvent.objects.select_related("duty_progress").order_by("at", "pk")
    latest = {}
    for event in events.iterator():
        progress = event.duty_progress
        DutySignOff.objects.create(
            apprenticeship_id=progress.apprenticeship_id,
            duty_id=progress.duty_id,
            action=event.action,
            by_id=event.by_id,
            at=event.at,
            note=event.note,
        )
        latest[progress.pk] = event.action
    for progress in DutyProgress.objects.filter(status="signed_off").order_by("pk").iterator():
        if latest.get(progress.pk) != "signed_off":
            DutySignOff.objects.create(
                apprenticeship_id=progress.apprenticeship_id,
                duty_id=progress.duty_id,
                action="signed_off",
                by_id=progress.signed_off_by_id,
                at=progress.signed_off_at or django.utils.timezone.now(),
                note=progress.note,
            )
    for change in OldStatusChange.objects.order_by("at", "pk").iterator():
        StatusChange.objects.create(
            apprenticeship_id=change.apprenticeship_id,
            old_status=change.old_status,
            new_status=change.new_status,
            by_id=change.by_id,
            at=change.at,
            note=change.note,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_status_history"),
        ("standards", "0001_initial"),
        ("tracker", "0002_statuschange"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DutySignOff",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[("signed_off", "Signed off"), ("undone", "Sign-off undone")],
                        max_length=20,
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("note", models.TextField(blank=True)),
                (
                    "apprenticeship",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="duty_sign_offs",
                        to="accounts.apprenticeship",
                    ),
                ),
                (
                    "by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "duty",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sign_offs",
                        to="standards.duty",
                    ),
                ),
            ],
            options={"ordering": ["at", "pk"]},
        ),
        migrations.AddIndex(
            model_name="dutysignoff",
            index=models.Index(
                fields=["apprenticeship", "duty", "-id"], name="tracker_signoff_latest"
            ),
        ),
        migrations.AddConstraint(
            model_name="dutysignoff",
            constraint=models.CheckConstraint(
                condition=models.Q(("action__in", ["signed_off", "undone"])),
                name="tracker_dutysignoff_action_valid",
            ),
        ),
        migrations.RunPython(copy_records, migrations.RunPython.noop),
        migrations.DeleteModel(name="DutyProgressEvent"),
        migrations.DeleteModel(name="DutyProgress"),
        migrations.DeleteModel(name="StatusChange"),
    ]
