from django.db import migrations, models


def clear_own_mentors(apps, schema_editor):
    """Nobody supervises themselves: an apprenticeship naming its apprentice as mentor (the
    edit form used to allow it) is left without a mentor, so a manager chooses one."""
    Apprenticeship = apps.get_model("accounts", "Apprenticeship")
    Apprenticeship.objects.filter(mentor=models.F("apprentice")).update(mentor=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_organisations_apprenticeships_invitations"),
        ("standards", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(clear_own_mentors, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="apprenticeship",
            constraint=models.CheckConstraint(
                condition=models.Q(("mentor", models.F("apprentice")), _negated=True),
                name="accounts_apprenticeship_not_own_mentor",
                violation_error_message="An apprentice cannot be their own mentor.",
            ),
        ),
    ]
