from django.db import migrations


def fill(apps, schema_editor):
    """Tally every apprenticeship there is. This runs the app's current rule book, not a
    historical model, because the figures are that code's answers; on a new database there is
    nothing to tally and no query of today's models runs. It comes after every table that
    code writes exists; a later change to those tables must replace this step (the code it
    calls would then write columns these tables do not have yet)."""
    ids = list(apps.get_model("accounts", "Apprenticeship").objects.values_list("pk", flat=True))
    if ids:
        from progress.tally import tally_refresh

        tally_refresh(ids)


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0003_organisation_stamp"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
