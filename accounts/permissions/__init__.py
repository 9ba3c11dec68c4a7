"""Who may do what: a user's role on an apprenticeship or an organisation, and one table of
which role may take which action. Views, services, templates and the permission walk of the
tests all ask this module; nothing else decides.

Roles come from relationships, never from flags:

- apprentice: the apprenticeship names the user as its apprentice. This role wins over every
  other, so nobody supervises their own apprenticeship, whatever else they are;
- admin: a superuser (staff of the service);
- manager: a manager of the apprenticeship's organisation (its employer);
- mentor: the apprenticeship names the user as its mentor *and* the user is still a member of
  its organisation; a membership that ends takes the rights with it at once;
- provider manager: a manager of the training provider the apprenticeship names, while the
  provider and the employer are in an active partnership;
- tutor: the apprenticeship names the user as its tutor *and* the user is a member of its
  provider, under the same partnership;
- end-point assessor: the user accepted an assessor access to the apprenticeship that is not
  revoked and runs until today or later, and has no other role on it. They may only see the
  portfolio, its evidence and files (VIEW_PORTFOLIO), and each such view is logged.

Ending a partnership ends the provider's access to the apprenticeships not yet completed; a
completed one stays visible to the people who delivered it. An employer decides who acts on
scans, evidence and duty sign-offs of the apprenticeships a provider delivers
(Organisation.decisions_by): ``allowed`` applies it on top of the table.

A user with no role on an apprenticeship does not see it at all (404, never 403). To add a
role: the role, its rule in ``role_of`` and its SQL twin in ``_role_conditions``, and its line
in ``PERMISSIONS``; the permission walk fails until every URL has an expectation for it.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from ..models import Apprenticeship, AssessorView, Organisation
from .roles import (
    _any_role_conditions,
    _membership_role_now,
    _provider_now,
    _role_conditions,
    apprenticeships_where,
    deciders_where,
    managers_of,
    open_assessor_access,
    organisations_where,
    role_of,
    role_on_organisation,
)
from .table import (
    EMPLOYER,
    EVERYONE,
    MANAGERS,
    ORGANISATION_ACTIONS,
    PARTY_WORDS,
    PERMISSIONS,
    PROVIDER,
    SHARED_DECISIONS,
    Action,
    NotAllowed,
    NotChosen,
    Role,
    allowed,
    can_on,
    deciding_party,
    markdown_table,
    may,
    require,
    roles_allowed,
    who_may,
)

__all__ = [
    "EMPLOYER",
    "EVERYONE",
    "MANAGERS",
    "ORGANISATION_ACTIONS",
    "PARTY_WORDS",
    "PERMISSIONS",
    "PROVIDER",
    "SHARED_DECISIONS",
    "Action",
    "NotAllowed",
    "NotChosen",
    "Role",
    "_any_role_conditions",
    "_role_conditions",
    "allowed",
    "apprenticeships_where",
    "can_on",
    "check",
    "deciders_where",
    "deciding_party",
    "get_apprenticeship_for",
    "get_organisation_for",
    "get_record_for",
    "managers_of",
    "markdown_table",
    "may",
    "open_assessor_access",
    "organisations_where",
    "require",
    "role_of",
    "role_on_organisation",
    "roles_allowed",
    "who_may",
]


# --- the entry points of every view ---------------------------------------------------------


def _require_role(role, action, apprenticeship=None):
    """404 for no role at all (the object is not even confirmed to exist), 403 for a role that
    may not take ``action`` (on ``apprenticeship``: with its employer's choice of who acts)."""
    if role is None:
        raise Http404
    require(role, action, apprenticeship)


def _log_assessor(user, role, apprenticeship, seen, label):
    """Record an end-point assessor's page view or download (``seen``: (request, "page" or
    "download")) once the permission check has let it through: the one place every view an
    assessor may open passes."""
    if role != Role.ASSESSOR or seen is None:
        return
    request, what = seen
    access_id = open_assessor_access(user).get(apprenticeship.pk)
    AssessorView.objects.create(
        access_id=access_id, what=what, path=request.path[:500], label=label[:300]
    )


def get_apprenticeship_for(user, pk, *, action=Action.VIEW, queryset=None, seen=None):
    """(the apprenticeship ``pk``, the user's role on it): 404 when the user has no role on it
    (or it does not exist), 403 when their role may not take ``action``. One query: the row
    and the user's memberships (read once per request), from which role_of decides. A page an
    end-point assessor may open passes ``seen=(request, "page")``: their view is logged."""
    queryset = Apprenticeship.objects.all() if queryset is None else queryset
    apprenticeship = get_object_or_404(queryset, pk=pk)
    role = role_of(user, apprenticeship)
    _require_role(role, action, apprenticeship)
    _log_assessor(user, role, apprenticeship, seen, "Portfolio")
    return apprenticeship, role


def get_record_for(user, queryset, *, action=Action.VIEW, seen=None, **lookup):
    """(a record of an apprenticeship, such as a piece of evidence, a scan or a review, and the
    user's role on its apprenticeship): 404 and 403 as for get_apprenticeship_for (and ``seen``
    the same). The queryset's model has an ``apprenticeship`` foreign key. The end-point
    assessor sees only records in the portfolio (a record says so with ``in_portfolio``; one
    that does not say is not): any other is a 404 to them."""
    record = get_object_or_404(queryset.select_related("apprenticeship"), **lookup)
    role = role_of(user, record.apprenticeship)
    _require_role(role, action, record.apprenticeship)
    if role == Role.ASSESSOR and not getattr(record, "in_portfolio", False):
        raise Http404("No such record in this portfolio.")
    _log_assessor(user, role, record.apprenticeship, seen, str(record))
    return record, role


def get_organisation_for(user, pk, *, action=Action.SEE_ORGANISATION):
    """(the organisation ``pk``, the user's role there): 404 for someone with no role there,
    403 when their role may not take ``action``."""
    organisation = get_object_or_404(Organisation, pk=pk)
    role = role_on_organisation(user, organisation)
    _require_role(role, action)
    return organisation, role


def check(user, apprenticeship, action):
    """For services: the user's role on ``apprenticeship``, asked of the database now (so a
    membership ended a moment ago counts), raising NotAllowed unless it may take ``action``."""
    role = role_of(
        user,
        apprenticeship,
        member_role=_membership_role_now(user, apprenticeship.organisation_id),
        provider=_provider_now(user, apprenticeship),
    )
    require(role, action, apprenticeship)
    return role
