import hashlib
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from standards.models import Standard


class UserManager(BaseUserManager):
    """Users are found by e-mail address, whatever its case."""

    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person using the service; the e-mail address is the login."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(
        "e-mail address",
        unique=True,
        error_messages={"unique": "A user with this e-mail address already exists."},
    )
    full_name = models.CharField("full name", max_length=200, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message="A user with this e-mail address already exists.",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    def get_full_name(self):
        return self.full_name

    @cached_property
    def is_employer(self):
        """A manager or mentor somewhere (or a superuser): the navigation shows employer pages."""
        return self.is_superuser or self.memberships.exists()

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Organisations where the user has a role: member (any role); all for superusers."""
        from .permissions import organisations_where

        return self.filter(organisations_where(user))

    def managed_by(self, user):
        """Organisations where the user may manage people: manager; all for superusers."""
        from .permissions import Action, organisations_where, roles_allowed

        return self.filter(organisations_where(user, roles_allowed(Action.MANAGE_PEOPLE)))


class Organisation(models.Model):
    """An employer. Its managers see every apprenticeship of it; its mentors those they mentor."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:organisation-detail", kwargs={"pk": self.pk})


class Membership(models.Model):
    """A person's role at an organisation."""

    class Role(models.TextChoices):
        MANAGER = "manager", "Manager"
        MENTOR = "mentor", "Mentor"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role, default=Role.MENTOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation_id", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="accounts_membership_user_organisation_unique",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["manager", "mentor"]), name="accounts_membership_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display().lower()} at {self.organisation})"


# Off-the-job training minimum for starts from August 2022 to July 2025: 6 hours a week for a
# working week of 30 hours or more, 20% of the working hours below that, over the planned weeks.
OTJ_HOURS_PER_WEEK = Decimal(6)
OTJ_SHARE_OF_HOURS = Decimal("0.2")


def otj_minimum_hours(start_date, planned_end_date, weekly_hours):
    """The off-the-job minimum in whole hours for the planned dates and working week."""
    if not (start_date and planned_end_date and weekly_hours) or planned_end_date <= start_date:
        return 0
    weeks = Decimal((planned_end_date - start_date).days) / 7
    per_week = min(OTJ_HOURS_PER_WEEK, Decimal(weekly_hours) * OTJ_SHARE_OF_HOURS)
    return int((weeks * per_week).quantize(Decimal(1), rounding=ROUND_HALF_UP))


DAYS_PER_MONTH = 365.25 / 12


def months_between(start, end):
    """Whole calendar months from start to end (negative before start)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


class ApprenticeshipQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The apprenticeships on which ``user`` has a role (see accounts/permissions.py): their
        own as apprentice, the ones they mentor while a member of the organisation, every one
        of the organisations they manage; all for superusers; none for anonymous or inactive
        users. Every view of apprenticeship data starts here or from the permission layer."""
        from .permissions import apprenticeships_where

        return self.filter(apprenticeships_where(user))

    def supervised_by(self, user):
        """The apprenticeships ``user`` supervises as employer (mentor, manager or admin):
        visible_to without their own, so nobody supervises themselves."""
        from .permissions import EMPLOYER, apprenticeships_where

        return self.filter(apprenticeships_where(user, EMPLOYER))

    def for_list(self):
        """What a list row shows, in a constant number of queries."""
        return self.select_related("apprentice", "standard", "organisation", "mentor")


class Apprenticeship(models.Model):
    """One apprentice on one standard at one employer, from start to planned end."""

    class Status(models.TextChoices):
        PENDING = "pending", "Invitation pending"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "On a break"
        GATEWAY = "gateway", "At gateway"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    apprentice = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="apprenticeships",
        help_text="Empty while the invitation is pending.",
    )
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="apprenticeships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="apprenticeships"
    )
    mentor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentored_apprenticeships",
    )
    start_date = models.DateField()
    planned_end_date = models.DateField()
    weekly_hours = models.DecimalField(
        "working hours a week",
        max_digits=4,
        decimal_places=1,
        default=Decimal(30),
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(60))],
    )
    otj_target_hours = models.PositiveIntegerField(
        "off-the-job target (hours)",
        blank=True,
        help_text="Minimum off-the-job training hours. Leave empty to use 6 hours a week over "
        "the planned weeks (20% of the working hours for weeks under 30 hours).",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApprenticeshipQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_date__gt=models.F("start_date")),
                name="accounts_apprenticeship_end_after_start",
                violation_error_message="The planned end date must be after the start date.",
            ),
            models.CheckConstraint(
                condition=Q(otj_target_hours__gte=0),
                name="accounts_apprenticeship_otj_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(weekly_hours__gt=0) & Q(weekly_hours__lte=60),
                name="accounts_apprenticeship_weekly_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(apprentice__isnull=False) | Q(status__in=["pending", "withdrawn"]),
                name="accounts_apprenticeship_apprentice_unless_pending",
                violation_error_message="Only a pending or withdrawn apprenticeship may have no "
                "apprentice.",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "active", "paused", "gateway", "completed", "withdrawn"]
                ),
                name="accounts_apprenticeship_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(mentor=models.F("apprentice")),
                name="accounts_apprenticeship_not_own_mentor",
                violation_error_message="An apprentice cannot be their own mentor.",
            ),
        ]

    def __str__(self):
        who = self.apprentice or "invited apprentice"
        return f"{who}: {self.standard.reference} {self.standard.title} at {self.organisation}"

    def save(self, *args, **kwargs):
        if self.otj_target_hours is None:
            self.otj_target_hours = self.default_otj_target_hours
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        # The apprenticeship's home page is composed at the top of the project (config/urls.py)
        # from the apps that add to it.
        return reverse("apprenticeship-home", kwargs={"pk": self.pk})

    def clean(self):
        super().clean()
        if self.start_date and self.planned_end_date and self.planned_end_date <= self.start_date:
            raise ValidationError(
                {"planned_end_date": "The planned end date must be after the start date."},
                code="end_before_start",
            )
        if self.mentor_id and self.mentor_id == self.apprentice_id:
            raise ValidationError(
                {"mentor": "An apprentice cannot be their own mentor: choose someone else."},
                code="own_mentor",
            )
        if (
            self.mentor_id
            and self.organisation_id
            and not Membership.objects.filter(
                user_id=self.mentor_id, organisation_id=self.organisation_id
            ).exists()
        ):
            raise ValidationError(
                {"mentor": "The mentor must be a member of the organisation."},
                code="mentor_not_member",
            )

    @property
    def default_otj_target_hours(self):
        return otj_minimum_hours(self.start_date, self.planned_end_date, self.weekly_hours)

    @property
    def duration_months(self):
        """Planned length in months, rounded (26 April 2026 to 25 April 2028 is 24)."""
        days = (self.planned_end_date - self.start_date).days
        return max(1, round(days / DAYS_PER_MONTH))

    def month_of_programme(self, today=None):
        """1-based month of the programme today (0 before the start), capped at the duration."""
        today = today or date.today()
        if today < self.start_date:
            return 0
        return min(months_between(self.start_date, today) + 1, self.duration_months)


INVITATION_VALID_DAYS = 14


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def by_token(self, token):
        return self.filter(token_hash=hash_token(token))


class Invitation(models.Model):
    """An invitation by e-mail: onto an apprenticeship (as its apprentice) or into an
    organisation (as a manager or mentor). Only a hash of the link's token is stored."""

    class Kind(models.TextChoices):
        APPRENTICE = "apprentice", "Apprentice"
        MEMBER = "member", "Organisation member"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"
        VOID = "void", "Apprenticeship removed"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    apprenticeship = models.ForeignKey(
        Apprenticeship,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
    )
    role = models.CharField(
        "role in the organisation", max_length=10, choices=Membership.Role, blank=True
    )
    email = models.EmailField("e-mail address")
    full_name = models.CharField("full name", max_length=200)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="member", role__in=["manager", "mentor"])
                | Q(kind="apprentice", role=""),
                name="accounts_invitation_role_matches_kind",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.full_name} <{self.email}> ({self.get_state_display()})"

    @property
    def state(self):
        if self.accepted_at:
            return self.State.ACCEPTED
        if self.revoked_at:
            return self.State.REVOKED
        if self.kind == self.Kind.APPRENTICE and self.apprenticeship_id is None:
            return self.State.VOID
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.PENDING

    def get_state_display(self):
        return self.State(self.state).label

    @property
    def is_pending(self):
        return self.state == self.State.PENDING

    def matches(self, user):
        return bool(user.email) and user.email.casefold() == self.email.casefold()
