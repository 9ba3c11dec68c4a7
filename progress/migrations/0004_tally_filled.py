from django.db import migrations


def fill(apps, schema_editor):
    """Tallying every apprenticeship moved to 0008_tally_refilled: this step ran the app's
    current rule book, which now writes columns (the provider and the tutor) that the tally
    has only from 0007 on. A database past this step is tallied again there."""


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0003_organisation_stamp"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
