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
from .epa import ASSESSOR_ACCESS_DAYS, AssessorAccess, AssessorView, EpaEvent
from .gateway import GatewayAgreement
from .invitations import INVITATION_VALID_DAYS, Invitation, InvitationQuerySet, hash_token
from .jobs import BackgroundJob
from .outbox import OutgoingEmail, OutgoingEmailQuerySet
from .partnerships import Partnership, PartnershipQuerySet
from .people import Membership, Organisation, OrganisationQuerySet, User, UserManager

__all__ = [
    "ASSESSOR_ACCESS_DAYS",
    "INVITATION_VALID_DAYS",
    "Apprenticeship",
    "ApprenticeshipQuerySet",
    "AssessorAccess",
    "AssessorView",
    "BackgroundJob",
    "EpaEvent",
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
