from django.db import migrations, models


def date_the_undated(apps, schema_editor):
    """Every submitted scan has been given its submission time by the service; one that has
    none (edited in admin, say) is dated by when it was last changed, so the rule of which scan
    is the latest never meets a gap."""
    SkillScan = apps.get_model("skillscan", "SkillScan")
    SkillScan.objects.exclude(status="draft").filter(submitted_at__isnull=True).update(
        submitted_at=models.F("updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("skillscan", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(date_the_undated, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="skillscan",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "draft"), ("submitted_at__isnull", False), _connector="OR"),
                name="skillscan_submitted_has_a_date",
                violation_error_message="A submitted scan has the time it was submitted.",
            ),
        ),
    ]
