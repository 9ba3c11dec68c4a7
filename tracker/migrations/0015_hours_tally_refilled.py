from django.db import migrations


def fill(apps, schema_editor):
    """Tally every apprenticeship there is, again (progress's 0008_tally_refilled moved here):
    accepted and waiting hours now count timesheet lines. This runs the app's current rule
    book, not a historical model, because the figures are that code's answers; on a new
    database there is nothing to tally and no query of today's models runs. It comes after
    every table that code writes and reads exists; a later change to those tables must replace
    this step, as this one replaced 0008's."""
    ids = list(apps.get_model("accounts", "Apprenticeship").objects.values_list("pk", flat=True))
    if ids:
        from progress.tally import tally_refresh

        tally_refresh(ids)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0014_plan_and_hours"),
        ("progress", "0008_tally_refilled"),
        ("accounts", "0015_epa_and_jobs"),
        ("skillscan", "0003_acting_party"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
