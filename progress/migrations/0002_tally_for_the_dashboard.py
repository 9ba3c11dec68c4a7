import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _user(null=True, on_delete=django.db.models.deletion.DO_NOTHING):
    return models.ForeignKey(
        blank=True,
        null=null,
        on_delete=on_delete,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
    )


class Migration(migrations.Migration):
    """The dashboard reads one table: who may see each apprenticeship and what it sorts on are
    copied into its tally, with the day each day-dependent rule starts to hold. The columns
    that will not be empty are added empty here, filled by 0003 and required by 0004: each in
    a transaction of its own, because PostgreSQL alters or indexes no table that has
    foreign-key checks pending from rows written in the same transaction."""

    dependencies = [
        ("accounts", "0005_invitation_inviter_may_be_gone"),
        ("standards", "0002_content_updated_at"),
        ("progress", "0001_tally"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveField(model_name="tally", name="next_review_due_on"),
        migrations.AddField(model_name="tally", name="apprentice", field=_user()),
        migrations.AddField(
            model_name="tally",
            name="apprentice_full_name",
            field=models.CharField(blank=True, max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="tally",
            name="apprentice_email",
            field=models.EmailField(blank=True, max_length=254, null=True),
        ),
        migrations.AddField(
            model_name="tally",
            name="mentor",
            field=_user(on_delete=django.db.models.deletion.SET_NULL),
        ),
        migrations.AddField(
            model_name="tally",
            name="organisation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="accounts.organisation",
            ),
        ),
        migrations.AddField(
            model_name="tally",
            name="standard",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="standards.standard",
            ),
        ),
        migrations.AddField(
            model_name="tally",
            name="standard_reference",
            field=models.CharField(max_length=20, null=True),
        ),
        migrations.AddField(
            model_name="tally",
            name="standard_version",
            field=models.CharField(max_length=20, null=True),
        ),
        migrations.AddField(
            model_name="tally",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Invitation pending"),
                    ("active", "Active"),
                    ("paused", "On a break"),
                    ("gateway", "At gateway"),
                    ("completed", "Completed"),
                    ("withdrawn", "Withdrawn"),
                ],
                max_length=10,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="tally", name="start_date", field=models.DateField(null=True)
        ),
        migrations.AddField(
            model_name="tally",
            name="pending_hundredths",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="tally",
            name="changes_requested",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="tally",
            name="coverage",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="tally", name="review_due_on", field=models.DateField(null=True)
        ),
        migrations.AddField(
            model_name="tally",
            name="behind_from",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="tally",
            name="gateway_ready",
            field=models.BooleanField(default=False),
        ),
    ]
