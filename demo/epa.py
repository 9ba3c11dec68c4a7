"""The demo's end-point assessment hand-off: Cal (apprentice3@example.com, close to the end of
the programme) at gateway with the declaration signed by the employer and the training
provider, an end-point assessor with open access to his portfolio, and the assessment booked.
Idempotent, like the rest of seed_demo; it goes through the services, so the status history
and the declaration are as the app would record them (the checklist aside: see
_checklist_set_aside)."""

from contextlib import contextmanager
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts import status
from accounts.models import (
    ASSESSOR_ACCESS_DAYS,
    Apprenticeship,
    AssessorAccess,
    EpaEvent,
    User,
    hash_token,
)
from accounts.status import StatusError, gateway_declare

ASSESSOR = "assessor@example.com"
ASSESSOR_NAME = "Asha Assessor"
ASSESSMENT_ORGANISATION = "Skills Assessment Ltd"
AT_GATEWAY = "apprentice3@example.com"
EPA_LOGINS = {ASSESSOR: f"end-point assessor ({ASSESSMENT_ORGANISATION}), {AT_GATEWAY}'s portfolio"}


@contextmanager
def _checklist_set_aside():
    """The demo's records of Cal leave a few gateway lines open (duties not all signed off,
    hours short): the demo shows the hand-off all the same, so the checklist's guard is set
    aside while the two parties sign. Nothing but the demo does this."""
    saved = status._GUARDS.get(Apprenticeship.Status.GATEWAY, [])
    status._GUARDS[Apprenticeship.Status.GATEWAY] = []
    try:
        yield
    finally:
        status._GUARDS[Apprenticeship.Status.GATEWAY] = saved


def seed_epa(password_hash, today=None):
    """Take Cal's apprenticeship to gateway (both declarations), give the demo assessor open
    access to it and book the assessment. ``password_hash``: the demo users' (seed_demo's
    ``self.password_hash``). Returns a sentence for the command's output."""
    today = today or date.today()
    apprenticeship = (
        Apprenticeship.objects.select_related("mentor", "tutor")
        .filter(apprentice__email=AT_GATEWAY)
        .order_by("pk")
        .first()
    )
    if apprenticeship is None:
        return f"{AT_GATEWAY} has no apprenticeship."
    # Once only: a Cal someone took back from gateway stays as they left him.
    if (
        apprenticeship.status == Apprenticeship.Status.ACTIVE
        and not apprenticeship.gateway_agreements.exists()
    ):
        signers = [apprenticeship.mentor, apprenticeship.tutor]
        try:
            with _checklist_set_aside():
                for signer in signers[: 2 if apprenticeship.provider_id else 1]:
                    gateway_declare(
                        apprenticeship=apprenticeship, by=signer, note="Ready for the assessment."
                    )
        except StatusError as exc:
            return f"{AT_GATEWAY} is not taken to gateway: {exc}"
    if apprenticeship.status != Apprenticeship.Status.GATEWAY:
        return f"{AT_GATEWAY} is {apprenticeship.get_status_display().lower()}; left as it is."
    assessor, created = User.objects.get_or_create(
        email=ASSESSOR, defaults={"full_name": ASSESSOR_NAME, "password": password_hash}
    )
    if created:
        EmailAddress.objects.create(user=assessor, email=ASSESSOR, verified=True, primary=True)
    if not AssessorAccess.objects.filter(apprenticeship=apprenticeship, assessor=assessor).exists():
        AssessorAccess.objects.create(
            apprenticeship=apprenticeship,
            email=ASSESSOR,
            assessment_organisation=ASSESSMENT_ORGANISATION,
            token_hash=hash_token(f"demo-assessor-{apprenticeship.pk}"),
            assessor=assessor,
            expires_on=today + timedelta(days=ASSESSOR_ACCESS_DAYS),
            invited_by=apprenticeship.tutor,
            accepted_at=timezone.now(),
        )
    if not apprenticeship.epa_events.exists():
        EpaEvent.objects.create(
            apprenticeship=apprenticeship,
            kind=EpaEvent.Kind.BOOKED,
            on=today + timedelta(days=21),
            by=apprenticeship.tutor,
            party="provider",
            note="Portfolio review and professional discussion.",
        )
    return f"{AT_GATEWAY} is at gateway; {ASSESSOR} may see the portfolio."
