from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Q, Value, When
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

# Sent with ``standard_ids`` after an edit of KSBs, duties or their links, in its transaction.
structure_changed = Signal()


def version_key(version):
    """A version number as a sortable tuple: "1.10" comes after "1.9"."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


# K before S before B, whatever the alphabet says.
KIND_RANK = {"K": 0, "S": 1, "B": 2}
KIND_ORDER = Case(*(When(kind=kind, then=Value(rank)) for kind, rank in KIND_RANK.items()))


class StandardQuerySet(models.QuerySet):
    def with_counts(self):
        """Annotate each standard with its KSB and duty counts in one query (subqueries, so the
        two counts do not multiply each other the way two joins would)."""
        ksb_count = (
            KSB.objects.filter(standard=models.OuterRef("pk"))
            .order_by()
            .values("standard")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        duty_count = (
            Duty.objects.filter(standard=models.OuterRef("pk"))
            .order_by()
            .values("standard")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(
            ksb_count=models.functions.Coalesce(models.Subquery(ksb_count), 0),
            duty_count=models.functions.Coalesce(models.Subquery(duty_count), 0),
        )

    def approved(self):
        """Versions approved for delivery: the only ones offered for new apprenticeships."""
        return self.filter(status=Standard.Status.APPROVED)

    def with_use(self):
        """Annotate each version with ``apprenticeship_count``: how many apprenticeships are on
        it (the reverse of Apprenticeship.standard). A version in use keeps its structure."""
        return self.annotate(apprenticeship_count=models.Count("apprenticeships", distinct=True))

    def mark_content_changed(self):
        """Stamp these standards as edited now, in one UPDATE: their pages' ETags and cached
        content move on to new keys in every process. Then ``structure_changed`` tells the
        apps above what keeps figures per standard (progress's tallies)."""
        ids = list(self.values_list("pk", flat=True))
        updated = Standard.objects.filter(pk__in=ids).update(content_updated_at=timezone.now())
        structure_changed.send(sender=Standard, standard_ids=ids)
        return updated


class StandardManager(models.Manager.from_queryset(StandardQuerySet)):
    def get_by_natural_key(self, reference, version):
        return self.get(reference=reference, version=version)


class Standard(models.Model):
    """An apprenticeship standard in one version, e.g. ST0825 DevOps engineer v1.0."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved for delivery"
        RETIRED = "retired", "Retired"

    reference = models.CharField(max_length=20, help_text='The IfATE reference, e.g. "ST0825".')
    title = models.CharField(max_length=255)
    version = models.CharField(max_length=20, help_text='e.g. "1.0"')
    level = models.PositiveSmallIntegerField()
    typical_duration_months = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        "version status",
        max_length=20,
        choices=Status,
        default=Status.DRAFT,
        help_text="Only versions approved for delivery are offered for new apprenticeships.",
    )
    route = models.CharField(max_length=100, blank=True)
    overview = models.TextField(blank=True)
    url = models.URLField("standard page", max_length=500, blank=True)
    # When anything its page shows last changed: this row, its KSBs, duties or their links
    # (standards/signals.py). The page's ETag and cache key are made from it. It belongs to
    # this database, not to the standard's data, so fixtures neither hold nor restore it.
    content_updated_at = models.DateTimeField(default=timezone.now, editable=False, serialize=False)

    objects = StandardManager()
    # Who changed what and when (the admin's history page); the stamp is bookkeeping.
    history = HistoricalRecords(excluded_fields=["content_updated_at"])

    class Meta:
        ordering = ["reference", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "version"],
                name="standards_standard_reference_version_unique",
                violation_error_message="This standard already has a version with that number.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "approved", "retired"]),
                name="standards_standard_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title} (v{self.version})"

    def save(self, **kwargs):
        # Stamped in the same UPDATE, so even a copy loaded before other edits writes a new
        # stamp, never its old one.
        self.content_updated_at = timezone.now()
        if kwargs.get("update_fields"):
            kwargs["update_fields"] = {*kwargs["update_fields"], "content_updated_at"}
        super().save(**kwargs)

    def get_absolute_url(self):
        # Asked once per KSB and duty on many pages: reversed once per reference and version.
        key = (self.reference, self.version)
        cached = self.__dict__.get("_url")
        if cached is None or cached[0] != key:
            kwargs = {"reference": self.reference, "version": self.version}
            cached = self.__dict__["_url"] = (
                key,
                reverse("standards:standard-detail", kwargs=kwargs),
            )
        return cached[1]

    def natural_key(self):
        return (self.reference, self.version)

    @property
    def version_key(self):
        return version_key(self.version)

    def is_newer_than(self, other):
        """Whether this is a later version of the same standard as ``other``."""
        return self.reference == other.reference and self.version_key > other.version_key


class KSBManager(models.Manager):
    def get_by_natural_key(self, reference, version, kind, number):
        return self.get(
            standard__reference=reference, standard__version=version, kind=kind, number=number
        )


class KSB(models.Model):
    """One Knowledge, Skill or Behaviour statement of a standard; its code is e.g. "K7"."""

    class Kind(models.TextChoices):
        KNOWLEDGE = "K", "Knowledge"
        SKILL = "S", "Skill"
        BEHAVIOUR = "B", "Behaviour"

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="ksbs")
    kind = models.CharField(max_length=1, choices=Kind)
    number = models.PositiveSmallIntegerField(help_text="1-based position within its kind.")
    description = models.TextField()

    objects = KSBManager()
    # Every wording correction: who, when, the text before and after (standards/wording.py
    # reads it to show a record the words it was made against).
    history = HistoricalRecords()

    class Meta:
        verbose_name = "KSB"
        verbose_name_plural = "KSBs"
        ordering = ["standard_id", KIND_ORDER, "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "kind", "number"],
                name="standards_ksb_standard_kind_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["K", "S", "B"]), name="standards_ksb_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="standards_ksb_number_positive"
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.description}"

    def get_absolute_url(self):
        return f"{self.standard.get_absolute_url()}#{self.code}"

    @property
    def code(self):
        return self.code_of(self.kind, self.number)

    @staticmethod
    def code_of(kind, number):
        """A KSB's code from its kind and number: "K7"."""
        return f"{kind}{number}"

    def natural_key(self):
        return (*self.standard.natural_key(), self.kind, self.number)

    natural_key.dependencies = ["standards.standard"]


class DutyManager(models.Manager):
    def get_by_natural_key(self, reference, version, number):
        return self.get(standard__reference=reference, standard__version=version, number=number)


class Duty(models.Model):
    """A task of the occupation, drawing on a set of KSBs of the same standard."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="duties")
    number = models.PositiveSmallIntegerField(help_text="1-based position in the standard.")
    description = models.TextField()
    ksbs = models.ManyToManyField(KSB, related_name="duties", blank=True, verbose_name="KSBs")

    objects = DutyManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "duties"
        ordering = ["standard_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "number"], name="standards_duty_standard_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="standards_duty_number_positive"
            ),
        ]

    def __str__(self):
        return f"Duty {self.number}: {self.description}"

    def get_absolute_url(self):
        return f"{self.standard.get_absolute_url()}#duty-{self.number}"

    def natural_key(self):
        return (*self.standard.natural_key(), self.number)

    natural_key.dependencies = ["standards.standard", "standards.ksb"]

    def validate_ksbs(self, ksbs):
        """Raise ValidationError unless every KSB in ``ksbs`` belongs to this duty's standard.

        A many-to-many cannot be checked in ``clean()`` before it is saved, so forms and
        services call this with the KSBs they are about to link."""
        foreign = sorted(
            (ksb for ksb in ksbs if ksb.standard_id != self.standard_id),
            key=lambda ksb: (ksb.standard_id, KIND_RANK[ksb.kind], ksb.number),
        )
        if foreign:
            codes = ", ".join(f"{ksb.code} of {ksb.standard}" for ksb in foreign)
            message = f"A duty can only draw on KSBs of its own standard; not {codes}."
            raise ValidationError({"ksbs": ValidationError(message, code="ksb_other_standard")})

    def clean(self):
        super().clean()
        # If the duty moves to another standard, the KSBs it already links must move with it.
        if self.pk and self.standard_id:
            self.validate_ksbs(self.ksbs.select_related("standard"))
