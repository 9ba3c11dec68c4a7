"""Figures kept per apprenticeship so that the dashboard sorts, filters and counts thousands of
apprenticeships without recomputing each one's history on every request."""

from django.db import models

from accounts.models import Apprenticeship
from skillscan.models import SkillScan


class Tally(models.Model):
    """The dashboard's figures of one apprenticeship that do not depend on the day: each is the
    rule book's SQL form, stored by ``progress.tally.tally_refresh`` in the same transaction as
    the change it follows (``tests/progress/test_tally.py`` recomputes them). Figures that move
    with the day (hours expected by today, days to the next review) are worked out from these
    and the apprenticeship's own columns when read. Never edited by hand."""

    apprenticeship = models.OneToOneField(
        Apprenticeship, on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    duties_total = models.PositiveIntegerField(default=0)
    duties_signed = models.PositiveIntegerField(default=0)
    ksbs_total = models.PositiveIntegerField(default=0)
    ksbs_covered = models.PositiveIntegerField(default=0)
    accepted_hundredths = models.BigIntegerField(default=0)
    evidence_waiting = models.PositiveIntegerField(default=0)
    scan_waiting = models.BooleanField(default=False)
    # NULL, not "", for no scan yet: the value the rule book's SQL gives and the rules expect.
    latest_scan_status = models.CharField(  # noqa: DJ001
        max_length=20, choices=SkillScan.Status, null=True, blank=True
    )
    latest_review_signed = models.BooleanField(default=False)
    next_review_due_on = models.DateField(null=True, blank=True)
    last_activity = models.DateTimeField()

    class Meta:
        verbose_name_plural = "tallies"
        indexes = [models.Index(fields=["last_activity"], name="progress_tally_activity")]

    def __str__(self):
        return f"Tally of apprenticeship {self.apprenticeship_id}"
