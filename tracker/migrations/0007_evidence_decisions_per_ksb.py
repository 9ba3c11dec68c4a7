"""Decisions per KSB, withdrawals and comments on evidence.

Evidence.ksbs gets an explicit through model, EvidenceKSB, over the very table Django made for
it (tracker_evidence_ksbs: id, evidence_id, ksb_id, and its unique pair), plus one column,
``accepted``: whether the latest decision accepted that KSB. Until now a decision accepted every
KSB of the evidence, so the links of accepted evidence are marked accepted."""

import django.db.models.deletion
from django.db import migrations, models


def mark_links_of_accepted_evidence(apps, schema_editor):
    EvidenceKSB = apps.get_model("tracker", "EvidenceKSB")
    EvidenceKSB.objects.filter(evidence__status="accepted").update(accepted=True)


class Migration(migrations.Migration):
    dependencies = [
        ("standards", "0002_content_updated_at"),
        ("tracker", "0006_input_rules"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The table is there already: only Django's picture of it changes.
            state_operations=[
                migrations.CreateModel(
                    name="EvidenceKSB",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "evidence",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="ksb_links",
                                to="tracker.evidence",
                            ),
                        ),
                        (
                            "ksb",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="evidence_links",
                                to="standards.ksb",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "KSB of evidence",
                        "verbose_name_plural": "KSBs of evidence",
                        "db_table": "tracker_evidence_ksbs",
                        "unique_together": {("evidence", "ksb")},
                    },
                ),
                migrations.AlterField(
                    model_name="evidence",
                    name="ksbs",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="evidence",
                        through="tracker.EvidenceKSB",
                        to="standards.ksb",
                        verbose_name="KSBs",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="evidenceksb",
            name="accepted",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(mark_links_of_accepted_evidence, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="evidencefeedback",
            name="decision",
            field=models.CharField(
                choices=[
                    ("submitted", "Submitted for review"),
                    ("accepted", "Accepted"),
                    ("changes_requested", "Changes requested"),
                    ("withdrawn", "Withdrawn from review"),
                    ("comment", "Reply"),
                ],
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="KSBDecision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("accepted", models.BooleanField()),
                ("reason", models.TextField(blank=True)),
                (
                    "feedback",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ksb_decisions",
                        to="tracker.evidencefeedback",
                    ),
                ),
                (
                    "ksb",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="standards.ksb",
                    ),
                ),
            ],
            options={
                "ordering": ["pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("feedback", "ksb"), name="tracker_ksbdecision_once"
                    )
                ],
            },
        ),
    ]
