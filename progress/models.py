"""Figures kept per apprenticeship so that the dashboard sorts, filters and counts thousands of
apprenticeships by reading one narrow table, without recomputing each one's history on every
request."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Apprenticeship, Organisation, User
from skillscan.models import SkillScan
from standards.models import Standard

# The dashboard's sorts: key -> the columns it orders by, ascending ("-key" reverses them all).
# Hours: on track first and behind last (the day one falls behind is later, or never: the most
# slack first), then the hours accepted.
SORTS = {
    "apprentice": ("apprentice_full_name", "apprentice_email"),
    "standard": ("standard_reference", "standard_version"),
    "month": ("-start_date",),
    "duties": ("duties_signed",),
    "coverage": ("coverage",),
    "hours": ("-behind_from", "accepted_hundredths"),
    "evidence": ("evidence_waiting",),
    "scan": ("scan_waiting",),
    "review": ("review_due_on",),
    "activity": ("last_activity",),
}


def sorted_by(key):
    """The columns of the sort ``key``, then the apprenticeship's id in the direction of the
    first: the order of its index, and of its page."""
    columns = SORTS[key]
    return [*columns, "-apprenticeship" if columns[0].startswith("-") else "apprenticeship"]


class Tally(models.Model):
    """One apprenticeship as the dashboard sees it, stored by ``progress.tally.tally_refresh``
    in the same transaction as the change it follows (``tests/progress/test_tally.py``
    recomputes it). Never edited by hand, never the record: an index of the records.

    - Who may see it (its employer, mentor, provider and tutor) and what the table filters and
      sorts on, copied from the apprenticeship, so the dashboard's and the caseload's queries
      need no join.
    - The rule book's figures that do not depend on the day, each its SQL form.
    - For the figures that do depend on the day, the day from which they hold, each worked out
      by the rule's Python form: behind on hours from ``behind_from`` on, the review overdue
      after ``review_due_on``, ready for gateway while ``gateway_ready`` and the review is not
      overdue. So "behind today" is a date comparison, for any day."""

    apprenticeship = models.OneToOneField(
        Apprenticeship, on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    apprentice = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+"
    )
    # The apprentice's name and address, which the table sorts on (null while invited).
    apprentice_full_name = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    apprentice_email = models.EmailField(max_length=254, null=True, blank=True)  # noqa: DJ001
    organisation = models.ForeignKey(Organisation, on_delete=models.DO_NOTHING, related_name="+")
    mentor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The training provider that delivers it and the tutor (the caseload's filters).
    provider = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tutor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    standard = models.ForeignKey(Standard, on_delete=models.DO_NOTHING, related_name="+")
    standard_reference = models.CharField(max_length=20)
    standard_version = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Apprenticeship.Status)
    start_date = models.DateField()

    duties_total = models.PositiveIntegerField(default=0)
    duties_signed = models.PositiveIntegerField(default=0)
    ksbs_total = models.PositiveIntegerField(default=0)
    ksbs_covered = models.PositiveIntegerField(default=0)
    coverage = models.PositiveSmallIntegerField(default=0)
    accepted_hundredths = models.BigIntegerField(default=0)
    pending_hundredths = models.BigIntegerField(default=0)
    evidence_waiting = models.PositiveIntegerField(default=0)
    changes_requested = models.PositiveIntegerField(default=0)
    scan_waiting = models.BooleanField(default=False)
    # NULL, not "", for no scan yet: the value the rule book's SQL gives and the rules expect.
    latest_scan_status = models.CharField(  # noqa: DJ001
        max_length=20, choices=SkillScan.Status, null=True, blank=True
    )
    latest_review_signed = models.BooleanField(default=False)
    last_activity = models.DateTimeField()

    review_due_on = models.DateField()
    behind_from = models.DateField(null=True, blank=True)
    gateway_ready = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "tallies"
        indexes = [
            models.Index(fields=["organisation"], name="progress_tally_organisation"),
            models.Index(fields=["mentor"], name="progress_tally_mentor"),
            models.Index(fields=["apprentice"], name="progress_tally_apprentice"),
            models.Index(fields=["provider"], name="progress_tally_provider"),
            models.Index(fields=["tutor"], name="progress_tally_tutor"),
            # One per sort of the dashboard, in its order: a page is a walk of the index, in
            # either direction, that stops after 25 visible rows.
            *(
                models.Index(fields=sorted_by(key), name=f"progress_tally_by_{key}")
                for key in SORTS
            ),
        ]

    def __str__(self):
        return f"Tally of apprenticeship {self.apprenticeship_id}"


class OrganisationStamp(models.Model):
    """A number that moves on, in the same transaction, whenever a tally of the organisation's
    apprenticeships is written or deleted (the employer's, and the provider's that delivers
    it, before and after the change). The dashboard keeps its counts under the stamps of
    the organisations it counts, so a count is never older than the tallies it came from."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"Stamp {self.version} of organisation {self.organisation_id}"


class StandardMove(models.Model):
    """An apprenticeship moved from one version of its standard to a newer one: who, when, from
    and to, and in ``details`` what the move did (the dry-run report's counts, each evidence
    link re-pointed as [link id, from KSB id, to KSB id], the sign-offs carried as [original
    id, new id]), so it can be audited and undone by hand. Never changed or deleted."""

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.PROTECT, related_name="standard_moves"
    )
    from_standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+")
    to_standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+")
    moved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moved_at = models.DateTimeField(default=timezone.now, editable=False)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-moved_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_standard=models.F("to_standard")),
                name="progress_standardmove_to_another_version",
            ),
        ]

    def __str__(self):
        return (
            f"{self.apprenticeship_id}: v{self.from_standard.version} to "
            f"v{self.to_standard.version}"
        )

    def get_absolute_url(self):
        return reverse("progress:apprenticeship-home", kwargs={"pk": self.apprenticeship_id})
