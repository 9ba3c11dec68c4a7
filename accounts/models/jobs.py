"""Background work a person starts and watches: a bulk enrolment from a CSV, a portfolio's PDF
or zip. The task updates ``done`` of ``total`` as it goes (the page's progress bar), and leaves
its result file in the storage."""

from django.db import models
from django.utils import timezone

from .apprenticeships import Apprenticeship
from .people import Organisation, User


class BackgroundJob(models.Model):
    class Kind(models.TextChoices):
        BULK_ENROLMENT = "bulk_enrolment", "Bulk enrolment"
        PORTFOLIO_PDF = "portfolio_pdf", "Portfolio PDF"
        PORTFOLIO_ZIP = "portfolio_zip", "Portfolio zip"

    class State(models.TextChoices):
        PREVIEW = "preview", "Waiting for confirmation"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=Kind)
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # The uploaded input (a CSV) and the result (a CSV, PDF or zip), in the storage.
    source = models.CharField(max_length=300, blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    result = models.CharField(max_length=300, blank=True)
    result_name = models.CharField(max_length=255, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_by", "kind", "-created_at"], name="accounts_job_mine"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_state_display().lower()})"

    @property
    def percent(self):
        return (
            100
            if self.state == self.State.DONE
            else (100 * self.done // self.total if self.total else 0)
        )
