"""Reads about apprenticeships that pages of several apps share."""

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404

from .models import Apprenticeship, Invitation, Organisation


def with_invitations(queryset):
    """Prefetch each apprenticeship's invitations, newest first, as ``invitation_list``."""
    return queryset.prefetch_related(
        Prefetch(
            "invitations",
            queryset=Invitation.objects.order_by("-sent_at"),
            to_attr="invitation_list",
        )
    )


def apprenticeship_overview(*, user, pk):
    """The apprenticeship ``pk`` as ``user`` may see it (404 otherwise) with what its home page
    shows about the programme and the people, in a constant number of queries."""
    apprenticeship = get_object_or_404(
        with_invitations(Apprenticeship.objects.visible_to(user).for_list()), pk=pk
    )
    standard = apprenticeship.standard
    kinds = dict(standard.ksbs.values_list("kind").annotate(n=Count("pk")).order_by())
    invitation = (apprenticeship.invitation_list or [None])[0]
    return {
        "apprenticeship": apprenticeship,
        "apprentice_name": str(apprenticeship.apprentice or "")
        or (invitation.full_name if invitation else "Invited apprentice"),
        "is_apprentice": apprenticeship.apprentice_id == user.pk,
        "is_manager": Organisation.objects.managed_by(user)
        .filter(pk=apprenticeship.organisation_id)
        .exists(),
        "invitation": invitation,
        "ksb_counts": {kind: kinds.get(kind, 0) for kind in "KSB"},
        "ksb_total": sum(kinds.values()),
        "duty_count": standard.duties.count(),
        "month": apprenticeship.month_of_programme(),
    }
