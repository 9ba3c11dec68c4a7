"""The error pages (400, 403, 404 and the CSRF failure) in the site's layout, each saying what
happened and offering a way back: the page the person came from, when that is a page of this
site, and their home page. Django's own handlers would render the same templates without the
way back. The 500 page is Django's ``server_error``: it renders ``500.html`` with no context at
all, so that page needs neither a request nor a user nor the database.

No exception's text reaches a page, except a PermissionDenied's: the project raises those only
with a sentence written for people (accounts.permissions.NotAllowed: "Only the mentor ... may
..."), and Django's own carry none."""

from django.core.exceptions import DisallowedHost, PermissionDenied
from django.http import (
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
)
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token


def came_from(request):
    """The page of this site the request came from (its Referer), or None when it came from
    elsewhere, from nowhere, or from this very address."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    safe = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    )
    if not safe or referer == request.build_absolute_uri():
        return None
    return referer


def _render(request, template_name, response_class, **context):
    if not hasattr(request, "user"):
        # Refused before the user was known (core.middleware.RefuseMalformedQueryMiddleware
        # runs first): the layout then offers no log-in links to someone who may be logged in.
        context["user"] = None
    context["back_url"] = came_from(request)
    return response_class(loader.render_to_string(template_name, context, request))


@requires_csrf_token
def bad_request(request, exception):
    return _render(request, "400.html", HttpResponseBadRequest)


@requires_csrf_token
def permission_denied(request, exception):
    reason = str(exception) if isinstance(exception, PermissionDenied) else ""
    return _render(request, "403.html", HttpResponseForbidden, reason=reason)


@requires_csrf_token
def page_not_found(request, exception):
    return _render(request, "404.html", HttpResponseNotFound)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent with a missing or out-of-date security token (the page was
    open for long, or the person logged in or out in another tab). ``reason`` is for the log."""
    return _render(request, "403_csrf.html", HttpResponseForbidden)
