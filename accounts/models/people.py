"""People and the organisations they belong to."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.functional import cached_property

from core.once import submission_key_column
from core.validators import no_bidi_controls


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
    full_name = models.CharField(
        "full name", max_length=200, blank=True, validators=[no_bidi_controls]
    )

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
        return self.name_of(self.full_name, self.email)

    @staticmethod
    def name_of(full_name, email):
        """How a person is named on every page: their name, else their e-mail address."""
        return full_name or email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    def get_full_name(self):
        return self.full_name

    @cached_property
    def _memberships(self):
        """[(organisation id, role, organisation kind)]: this user's memberships, read once for
        the request the user object belongs to (what they see, and the navigation, ask it)."""
        return list(
            Membership.objects.filter(user_id=self.pk)
            .order_by()
            .values_list("organisation_id", "role", "organisation__kind")
        )

    @cached_property
    def organisation_roles(self):
        """{organisation id: "manager", "mentor" or "tutor"}: this user's memberships."""
        return {pk: role for pk, role, _kind in self._memberships}

    @cached_property
    def provider_roles(self):
        """{provider organisation id: "manager" or "tutor"}: the memberships at training
        providers (a "manager" there is a provider manager)."""
        return {
            pk: role for pk, role, kind in self._memberships if kind == Organisation.Kind.PROVIDER
        }

    @cached_property
    def partner_employers(self):
        """{provider organisation id: frozenset of the employers it is in an active partnership
        with}, for the providers this user belongs to: one query, only for provider people."""
        if not self.provider_roles:
            return {}
        from .partnerships import Partnership

        partners = {pk: set() for pk in self.provider_roles}
        rows = Partnership.objects.active().filter(provider_id__in=list(partners))
        for provider_id, employer_id in rows.values_list("provider_id", "employer_id"):
            partners[provider_id].add(employer_id)
        return {pk: frozenset(ids) for pk, ids in partners.items()}

    @cached_property
    def is_employer(self):
        """A manager or mentor at an employer (or a superuser): the navigation shows employer
        pages."""
        return self.is_superuser or any(
            kind == Organisation.Kind.EMPLOYER for _pk, _role, kind in self._memberships
        )

    @cached_property
    def is_provider(self):
        """A tutor or manager at a training provider: the navigation shows the caseload."""
        return bool(self.provider_roles)

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Organisations where the user has a role: member (any role); all for superusers."""
        from ..permissions import organisations_where

        return self.filter(organisations_where(user))

    def managed_by(self, user):
        """Organisations where the user may manage people: manager; all for superusers."""
        from ..permissions import Action, organisations_where, roles_allowed

        return self.filter(organisations_where(user, roles_allowed(Action.MANAGE_PEOPLE)))


class Organisation(models.Model):
    """An employer or a training provider. An employer's managers see every apprenticeship of
    it, its mentors those they mentor; a provider's managers see every apprenticeship it
    delivers for an employer it is in partnership with, its tutors those on their caseload."""

    class Kind(models.TextChoices):
        EMPLOYER = "employer", "Employer"
        PROVIDER = "provider", "Training provider"

    class DecisionsBy(models.TextChoices):
        EMPLOYER = "employer", "The employer (mentor or manager)"
        PROVIDER = "provider", "The training provider (tutor or provider manager)"
        EITHER = "either", "Either of them"

    name = models.CharField(max_length=200, validators=[no_bidi_controls])
    kind = models.CharField(
        max_length=10, choices=Kind, default=Kind.EMPLOYER, db_default=Kind.EMPLOYER
    )
    # An employer's choice: who validates scans, decides evidence and signs off duties on its
    # apprenticeships that a provider delivers (accounts.permissions applies it).
    decisions_by = models.CharField(
        "who validates scans, decides evidence and signs off duties",
        max_length=10,
        choices=DecisionsBy,
        default=DecisionsBy.EITHER,
        db_default=DecisionsBy.EITHER,
        help_text="For apprenticeships a training provider delivers; without a provider the "
        "employer always decides.",
    )
    # A provider's designated safeguarding lead: told of every concern raised at a review.
    safeguarding_lead = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="designated safeguarding lead",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The key of the form it was set up from: a form sent twice makes one (core.once).
    submission_key = submission_key_column()
    # The intervals its reminders and its rule book run on (its managers set them). The
    # database has the defaults too, so rows written by code that predates them are valid.
    review_interval_weeks = models.PositiveSmallIntegerField(
        "progress review every (weeks)",
        default=12,
        db_default=12,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="When a review agrees no next date, the next is due this many weeks on.",
    )
    evidence_waiting_days = models.PositiveSmallIntegerField(
        "remind about evidence waiting for review after (working days)",
        default=5,
        db_default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="The mentor is reminded after this many working days, managers after twice.",
    )
    scan_interval_weeks = models.PositiveSmallIntegerField(
        "review skills scan every (weeks)",
        default=26,
        db_default=26,
        validators=[MinValueValidator(4), MaxValueValidator(104)],
        help_text="A review scan is due this many weeks after the latest validated scan.",
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_interval_weeks__range=(1, 52)),
                name="accounts_organisation_review_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(evidence_waiting_days__range=(1, 30)),
                name="accounts_organisation_evidence_waiting_range",
            ),
            models.CheckConstraint(
                condition=Q(scan_interval_weeks__range=(4, 104)),
                name="accounts_organisation_scan_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["employer", "provider"]),
                name="accounts_organisation_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(decisions_by__in=["employer", "provider", "either"]),
                name="accounts_organisation_decisions_by_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:organisation-detail", kwargs={"pk": self.pk})

    @property
    def is_provider(self):
        return self.kind == self.Kind.PROVIDER


class Membership(models.Model):
    """A person's role at an organisation."""

    class Role(models.TextChoices):
        MANAGER = "manager", "Manager"
        MENTOR = "mentor", "Mentor"  # at an employer
        TUTOR = "tutor", "Tutor"  # at a training provider

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
                condition=Q(role__in=["manager", "mentor", "tutor"]),
                name="accounts_membership_role_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display().lower()} at {self.organisation})"
