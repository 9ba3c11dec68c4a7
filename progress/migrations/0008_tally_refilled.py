from django.db import migrations


def fill(apps, schema_editor):
    """Tallying every apprenticeship moved to tracker's 0015_hours_tally_refilled: this step
    ran the app's current rule book, which now reads timesheet lines (accepted hours), a table
    that exists only from tracker's 0014 on. A database past this step is tallied again
    there."""


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0007_tally_provider_tutor"),
        ("accounts", "0012_providers_partnerships_tutors"),
        ("tracker", "0011_review_signatures_from_columns"),
        ("skillscan", "0002_submitted_has_a_date"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
