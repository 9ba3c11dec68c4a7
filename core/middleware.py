"""The project's own middleware."""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.signals import request_finished
from django.utils.cache import patch_cache_control

from core import request_id


class RequestIdMiddleware:
    """Each request gets an id for every log line it writes and every task it enqueues: the one
    the proxy sent as X-Request-ID when it is acceptable (core.request_id), else a new one. The
    response carries it back as X-Request-ID, so a user's report or the proxy's log leads to the
    app's lines."""

    def __init__(self, get_response):
        self.get_response = get_response
        # The id stays bound after this middleware returns, for what Django logs after every
        # middleware ("Not Found: ...", "Internal Server Error: ..."), until the response is
        # closed.
        request_finished.connect(_unbind, dispatch_uid="core.middleware.request_id")

    def __call__(self, request):
        value = request_id.acceptable(request.headers.get("X-Request-ID")) or request_id.new()
        request.request_id = value
        request_id.bind(value)
        response = self.get_response(request)
        response["X-Request-ID"] = value
        return response


def _unbind(**kwargs):
    request_id.bind("")


class PrivateNoStoreMiddleware:
    """Every response that depends on who asks is sent `Cache-Control: private, no-store`,
    unless its view chose its own caching: so no shared cache keeps a page or file with someone's
    personal data, and no browser keeps one after they log out. A response depends on who asks
    when the request carries a session (everyone logged in) or the view read or changed the
    session. no-store alone suffices: what is never stored needs no revalidating. Static files
    never get here: WhiteNoise answers them first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and _depends_on_session(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _depends_on_session(request):
    session = request.session
    return settings.SESSION_COOKIE_NAME in request.COOKIES or session.accessed or session.modified


# The longest query value the app asks for is a search or a `next` address; far longer is not
# a person typing (and a 100,000-character search is too complex a LIKE pattern for SQLite).
MAX_QUERY_VALUE = 1000
# The admin's date drill-down turns these into a date: a year beyond a C long is OverflowError.
DATE_PARTS = ("__year", "__month", "__day")


class RefuseMalformedQueryMiddleware:
    """A query string that no page of the app can mean is a 400 before any view reads it: a NUL
    byte (PostgreSQL refuses it in text, as a server error), a value over MAX_QUERY_VALUE
    characters, or a date part of the admin's drill-down that is not a short whole number.
    Paths are checked by the URL patterns (core/converters.py), form fields by the forms."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for key, values in request.GET.lists():
            for value in [key, *values]:
                if "\x00" in value or len(value) > MAX_QUERY_VALUE:
                    raise BadRequest("Malformed query string.")
            if key.endswith(DATE_PARTS) and not all(
                value.isascii() and value.isdigit() and len(value) <= 4 for value in values
            ):
                raise BadRequest("Malformed date in the query string.")
        return self.get_response(request)
