import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The copied columns every tally now has are required, and indexed for the dashboard: a
    page of any sort is a walk of that sort's index."""

    dependencies = [
        ("progress", "0004_tally_filled"),
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
        migrations.AlterField(
            model_name="tally", name="standard_reference", field=models.CharField(max_length=20)
        ),
        migrations.AlterField(
            model_name="tally", name="standard_version", field=models.CharField(max_length=20)
        ),
        migrations.RemoveIndex(model_name="tally", name="progress_tally_activity"),
        *(
            migrations.AddIndex(model_name="tally", index=models.Index(fields=fields, name=name))
            for name, fields in (
                ("progress_tally_organisation", ["organisation"]),
                ("progress_tally_mentor", ["mentor"]),
                ("progress_tally_apprentice", ["apprentice"]),
                (
                    "progress_tally_by_apprentice",
                    ["apprentice_full_name", "apprentice_email", "apprenticeship"],
                ),
                (
                    "progress_tally_by_standard",
                    ["standard_reference", "standard_version", "apprenticeship"],
                ),
                ("progress_tally_by_month", ["-start_date", "-apprenticeship"]),
                ("progress_tally_by_duties", ["duties_signed", "apprenticeship"]),
                ("progress_tally_by_coverage", ["coverage", "apprenticeship"]),
                (
                    "progress_tally_by_hours",
                    ["-behind_from", "accepted_hundredths", "-apprenticeship"],
                ),
                ("progress_tally_by_evidence", ["evidence_waiting", "apprenticeship"]),
                ("progress_tally_by_scan", ["scan_waiting", "apprenticeship"]),
                ("progress_tally_by_review", ["review_due_on", "apprenticeship"]),
                ("progress_tally_by_activity", ["last_activity", "apprenticeship"]),
            )
        ),
    ]
