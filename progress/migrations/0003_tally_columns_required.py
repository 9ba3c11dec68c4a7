import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The copied columns every tally now has are required, and indexed for the dashboard."""

    dependencies = [
        ("progress", "0002_tally_for_the_dashboard"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tally",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="accounts.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="tally",
            name="standard",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="standards.standard",
            ),
        ),
        migrations.AlterField(
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
            ),
        ),
        migrations.AlterField(model_name="tally", name="start_date", field=models.DateField()),
        migrations.AlterField(model_name="tally", name="review_due_on", field=models.DateField()),
        migrations.AddIndex(
            model_name="tally",
            index=models.Index(
                fields=["organisation", "-last_activity", "apprenticeship"],
                name="progress_tally_org",
            ),
        ),
        migrations.AddIndex(
            model_name="tally",
            index=models.Index(fields=["mentor"], name="progress_tally_mentor"),
        ),
        migrations.AddIndex(
            model_name="tally",
            index=models.Index(fields=["apprentice"], name="progress_tally_apprentice"),
        ),
    ]
