"""Reads about apprenticeships that pages of several apps share."""

from django.db.models import Count, Prefetch

from .models import Apprenticeship, Invitation, Membership


def with_invitations(queryset):
    """Prefetch each apprenticeship's invitations, newest first, as ``invitation_list``."""
    return queryset.prefetch_related(
        Prefetch(
            "invitations",
            queryset=Invitation.objects.order_by("-sent_at"),
            to_attr="invitation_list",
        )
    )


def apprenticeship_overview(*, user, apprenticeship, kinds=None, duty_count=None):
    """What an apprenticeship's home page shows about the programme and the people, for an
    apprenticeship already looked up through ``visible_to``, in at most four queries. Pass the
    standard's KSB counts per kind and its duty count when the caller has them already."""
    standard = apprenticeship.standard
    if kinds is None:
        kinds = dict(standard.ksbs.values_list("kind").annotate(n=Count("pk")).order_by())
    if duty_count is None:
        duty_count = standard.duties.count()
    invitation = None
    if apprenticeship.status in (Apprenticeship.Status.PENDING, Apprenticeship.Status.WITHDRAWN):
        invitation = apprenticeship.invitations.order_by("-sent_at").first()
    memberships = list(user.memberships.all())
    # The navigation asks whether the user is an employer: answer from what is loaded anyway.
    user.is_employer = user.is_superuser or bool(memberships)
    return {
        "apprenticeship": apprenticeship,
        "apprentice_name": str(apprenticeship.apprentice or "")
        or (invitation.full_name if invitation else "Invited apprentice"),
        "is_apprentice": apprenticeship.apprentice_id == user.pk,
        "is_manager": user.is_superuser
        or any(
            m.organisation_id == apprenticeship.organisation_id
            and m.role == Membership.Role.MANAGER
            for m in memberships
        ),
        "invitation": invitation,
        "ksb_counts": {kind: kinds.get(kind, 0) for kind in "KSB"},
        "ksb_total": sum(kinds.values()),
        "duty_count": duty_count,
        "month": apprenticeship.month_of_programme(),
    }
