from .apprenticeships import (
    Apprenticeship,
    ApprenticeshipQuerySet,
    Party,
    StatusChange,
    StatusWriteError,
    TutorChange,
    apprenticeships_changed,
    party_field,
)
from .gateway import GatewayAgreement
from .invitations import INVITATION_VALID_DAYS, Invitation, InvitationQuerySet, hash_token
from .outbox import OutgoingEmail, OutgoingEmailQuerySet
from .partnerships import Partnership, PartnershipQuerySet
from .people import Membership, Organisation, OrganisationQuerySet, User, UserManager

__all__ = [
    "INVITATION_VALID_DAYS",
    "Apprenticeship",
    "ApprenticeshipQuerySet",
    "GatewayAgreement",
    "Invitation",
    "InvitationQuerySet",
    "Membership",
    "Organisation",
    "OrganisationQuerySet",
    "OutgoingEmail",
    "OutgoingEmailQuerySet",
    "Partnership",
    "PartnershipQuerySet",
    "Party",
    "StatusChange",
    "StatusWriteError",
    "TutorChange",
    "User",
    "UserManager",
    "apprenticeships_changed",
    "hash_token",
    "party_field",
]
