from django.db import migrations


def fill(apps, schema_editor):
    """Tally every apprenticeship there is, again: the tallies gain the provider and the tutor
    (the caseload's visibility and filters), and a database that skipped 0004's fill gets its
    tallies here. This runs the app's current rule book, not a historical model, because the
    figures are that code's answers; on a new database there is nothing to tally and no query
    of today's models runs. It comes after every table that code writes and reads exists; a
    later change to those tables must replace this step, as this one replaced 0004's."""
    ids = list(apps.get_model("accounts", "Apprenticeship").objects.values_list("pk", flat=True))
    if ids:
        from progress.tally import tally_refresh

        tally_refresh(ids)


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
