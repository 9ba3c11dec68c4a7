from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Case, IntegerField, Value, When

from core.once import submission_key_field
from core.validators import no_bidi_controls
from standards.models import Standard

from .models import Apprenticeship, Invitation, Membership, Organisation, User
from .permissions import Action
from .rules import programme_date_errors
from .status import allowed_transitions


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SignupForm(forms.Form):
    """Extra fields of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        validators=[no_bidi_controls],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name"]
        widgets = {"full_name": forms.TextInput(attrs={"autocomplete": "name"})}

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError("Enter your name.", code="required")
        return name


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password, to confirm",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="wrong_password")
        return password


class OrganisationSettingsForm(forms.ModelForm):
    """The intervals of the organisation's reminders; the model's validators give the bounds."""

    class Meta:
        model = Organisation
        fields = [
            "review_interval_weeks",
            "evidence_waiting_days",
            "scan_interval_weeks",
            "decisions_by",
            "safeguarding_lead",
        ]
        widgets = {"decisions_by": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_provider:
            # The employer's intervals and choice apply to its apprenticeships; a provider
            # names its designated safeguarding lead, one of its own people.
            for name in self.Meta.fields[:-1]:
                del self.fields[name]
            lead = self.fields["safeguarding_lead"]
            lead.queryset = User.objects.filter(
                memberships__organisation=self.instance, is_active=True
            ).order_by("full_name", "email")
            lead.empty_label = "Nobody yet: the provider's managers are told"
            lead.help_text = (
                "Told at once of every safeguarding concern raised at a progress review; only "
                "the provider's people see those concerns."
            )
            return
        del self.fields["safeguarding_lead"]
        # The form says the model's bounds (not only "0 or more" of a positive field).
        for name, field in self.fields.items():
            if name == "decisions_by":
                continue
            limits = {type(v): v.limit_value for v in Organisation._meta.get_field(name).validators}
            field.min_value, field.max_value = limits[MinValueValidator], limits[MaxValueValidator]
            field.validators = [
                MinValueValidator(field.min_value),
                MaxValueValidator(field.max_value),
            ]
            field.widget.attrs.update(min=field.min_value, max=field.max_value)


class OrganisationForm(forms.ModelForm):
    submission_key = submission_key_field()

    class Meta:
        model = Organisation
        fields = ["name"]
        labels = {"name": "Organisation name"}
        help_texts = {"name": "The employer, as your apprentices know it."}

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the organisation's name.", code="required")
        return name


def _normalise_email(email):
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


DURATION_HELP = (
    "At least 8 months for starts from 1 August 2025 (12 months before), at most 6 years."
)


def typical_duration(standard):
    months = standard.typical_duration_months
    return f"typically {months} months" if months else "no typical duration published"


class StandardChoiceField(forms.ModelChoiceField):
    """Each standard with its typical duration, the hint for the planned end date."""

    def label_from_instance(self, obj):
        return f"{obj}, {typical_duration(obj)}"


def _open_invitation_state(invitations):
    """ "a pending" or "an expired" for the open invitation among ``invitations`` (at most one,
    by the database's rule), or "" when none is open."""
    found = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).first()
    if found is None:
        return ""
    return "a pending" if found.is_pending else "an expired"


class InviteFormMixin:
    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_email(self):
        return _normalise_email(self.cleaned_data["email"])

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())


class ApprenticeInviteForm(InviteFormMixin, forms.Form):
    submission_key = submission_key_field()
    email = forms.EmailField(label="Apprentice's e-mail address", max_length=254)
    full_name = forms.CharField(
        label="Apprentice's full name", max_length=200, validators=[no_bidi_controls]
    )
    standard = StandardChoiceField(
        queryset=Standard.objects.none(),
        empty_label=None,
        error_messages={
            "invalid_choice": "Choose a standard version that is approved for delivery."
        },
    )
    start_date = forms.DateField(widget=DateInput())
    planned_end_date = forms.DateField(
        widget=DateInput(),
        help_text=f"{DURATION_HELP} The standard's typical duration is beside its name.",
    )
    mentor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="No mentor yet",
        help_text="A manager or mentor of the organisation.",
    )
    weekly_hours = forms.DecimalField(
        label="Working hours a week",
        initial=30,
        min_value=1,
        max_value=60,
        max_digits=4,
        decimal_places=1,
    )
    otj_target_hours = forms.IntegerField(
        label="Off-the-job target (hours)",
        required=False,
        min_value=0,
        help_text="Leave empty for the minimum: 6 hours a week over the planned weeks (20% of "
        "the working hours when under 30 a week). Enter the published figure for later starts.",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, organisation=organisation, **kwargs)
        # Only versions approved for delivery; ST0825 first, then the others.
        self.fields["standard"].queryset = (
            Standard.objects.approved()
            .annotate(
                first=Case(
                    When(reference="ST0825", then=Value(0)), default=1, output_field=IntegerField()
                )
            )
            .order_by("first", "reference", "-version")
        )
        self.fields["mentor"].queryset = User.objects.filter(
            memberships__organisation=organisation, is_active=True
        ).order_by("full_name", "email")

    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("start_date"), cleaned_data.get("planned_end_date")
        if start and end:
            for field, error in programme_date_errors(start, end, date.today()).items():
                self.add_error(field, error)
        email, mentor = cleaned_data.get("email"), cleaned_data.get("mentor")
        if email and mentor and mentor.email.casefold() == email.casefold():
            self.add_error(
                "mentor",
                forms.ValidationError(
                    "An apprentice cannot be their own mentor: choose someone else.",
                    code="own_mentor",
                ),
            )
        standard = cleaned_data.get("standard")
        if email and standard:
            state = _open_invitation_state(
                self.organisation.invitations.filter(
                    kind=Invitation.Kind.APPRENTICE,
                    email__iexact=email,
                    standard=standard,
                    apprenticeship__isnull=False,
                )
            )
            if state:
                self.add_error(
                    "email",
                    forms.ValidationError(
                        f"This person already has {state} invitation onto this standard: resend "
                        "it from the organisation page instead.",
                        code="already_invited",
                    ),
                )
        return cleaned_data


class MemberInviteForm(InviteFormMixin, forms.Form):
    submission_key = submission_key_field()
    email = forms.EmailField(label="E-mail address", max_length=254)
    full_name = forms.CharField(label="Full name", max_length=200, validators=[no_bidi_controls])
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        initial=Membership.Role.MENTOR,
        widget=forms.RadioSelect,
        help_text="Managers see every apprenticeship of the organisation and invite people; "
        "mentors see the apprenticeships they mentor.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.organisation.is_provider:
            # A provider has tutors where an employer has mentors.
            field = self.fields["role"]
            field.choices = [
                (Membership.Role.MANAGER, "Manager"),
                (Membership.Role.TUTOR, "Tutor"),
            ]
            field.initial = Membership.Role.TUTOR
            field.help_text = (
                "Managers see every apprenticeship the provider delivers, choose tutors and "
                "invite people; tutors see the apprenticeships on their caseload."
            )

    def clean_email(self):
        email = super().clean_email()
        if Membership.objects.filter(
            organisation=self.organisation, user__email__iexact=email
        ).exists():
            raise forms.ValidationError(
                "This person is already a member of the organisation.", code="already_member"
            )
        state = _open_invitation_state(
            self.organisation.invitations.filter(kind=Invitation.Kind.MEMBER, email__iexact=email)
        )
        if state:
            raise forms.ValidationError(
                f"This person already has {state} invitation: resend it instead.",
                code="already_invited",
            )
        return email


class ApprenticeshipForm(forms.ModelForm):
    """A manager's edit of an apprenticeship's mentor, dates and target. The status has forms of
    its own (StatusChangeForm, and gateway's checklist), which go through the status service;
    the working week is changed from a day on the hours page, with a record, so the target
    follows it."""

    class Meta:
        model = Apprenticeship
        fields = ["mentor", "start_date", "planned_end_date", "otj_target_hours"]
        widgets = {"start_date": DateInput(), "planned_end_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mentors = User.objects.filter(
            memberships__organisation_id=self.instance.organisation_id, is_active=True
        )
        if self.instance.apprentice_id:
            mentors = mentors.exclude(pk=self.instance.apprentice_id)
        self.fields["mentor"].queryset = mentors.order_by("full_name", "email")
        self.fields["mentor"].empty_label = "No mentor"
        if self.instance.standard_id:
            self.fields["planned_end_date"].help_text = (
                f"{DURATION_HELP} {self.instance.standard.reference} is "
                f"{typical_duration(self.instance.standard)}."
            )
        self.fields[
            "mentor"
        ].help_text = "A manager or mentor of the organisation; never the apprentice themselves."


class StatusChangeForm(forms.Form):
    """Move an apprenticeship to one of the statuses its current one allows to ``role`` (other
    than gateway, which has its checklist page), with a reason."""

    status = forms.ChoiceField(label="New status", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the apprenticeship's history with your name and the time.",
        error_messages={"required": "Say why the status changes."},
    )

    def __init__(self, *args, apprenticeship, role, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (to, Apprenticeship.Status(to).label)
            for to, action in allowed_transitions(apprenticeship, role)
            if action == Action.CHANGE_STATUS
        ]

    @property
    def choices(self):
        return self.fields["status"].choices

    def change(self):
        """The status service's arguments: where to, and why."""
        return {"to": self.cleaned_data["status"], "reason": self.cleaned_data["reason"]}
