from .apprenticeships import (
    Apprenticeship,
    ApprenticeshipQuerySet,
    StatusChange,
    StatusWriteError,
    TutorChange,
    apprenticeships_changed,
)
from .invitations import INVITATION_VALID_DAYS, Invitation, InvitationQuerySet, hash_token
from .outbox import OutgoingEmail, OutgoingEmailQuerySet
from .partnerships import Partnership, PartnershipQuerySet
from .people import Membership, Organisation, OrganisationQuerySet, User, UserManager

__all__ = [
    "INVITATION_VALID_DAYS",
    "Apprenticeship",
    "ApprenticeshipQuerySet",
    "Invitation",
    "InvitationQuerySet",
    "Membership",
    "Organisation",
    "OrganisationQuerySet",
    "OutgoingEmail",
    "OutgoingEmailQuerySet",
    "Partnership",
    "PartnershipQuerySet",
    "StatusChange",
    "StatusWriteError",
    "TutorChange",
    "User",
    "UserManager",
    "apprenticeships_changed",
    "hash_token",
]
