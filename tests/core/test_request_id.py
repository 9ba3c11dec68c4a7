"""Each request has an id: the proxy's when acceptable, else a new one; it comes back as
X-Request-ID and is on every log line the request writes, in text and in JSON."""

import json
import logging
import sys

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from core import request_id
from core.logs import GunicornAccessFilter, JsonFormatter, RequestIdFilter
from core.middleware import RequestIdMiddleware

pytestmark = pytest.mark.django_db

logger = logging.getLogger("tests.request_id")


def serve(header=None):
    """A request through the middleware to a view that logs; the response and the records."""
    seen = []

    def view(request):
        record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "in the view", (), None)
        RequestIdFilter().filter(record)
        seen.append(record)
        return HttpResponse("ok")

    headers = {"HTTP_X_REQUEST_ID": header} if header is not None else {}
    response = RequestIdMiddleware(view)(RequestFactory().get("/", **headers))
    return response, seen[0]


def test_an_acceptable_id_from_the_proxy_is_kept_and_echoed():
    response, record = serve("proxy-id-0123456789")
    assert response["X-Request-ID"] == "proxy-id-0123456789"
    assert record.request_id == "proxy-id-0123456789"


@pytest.mark.parametrize(
    "bad",
    ["", "short", "x" * 65, "id with spaces", "evil\nFAKE LOG LINE", 'quote"s-0123', "é" * 10],
)
def test_a_missing_or_unacceptable_id_is_replaced_by_a_new_one(bad):
    response, record = serve(bad)
    value = response["X-Request-ID"]
    assert value != bad and len(value) == 32 and value.isalnum()
    assert record.request_id == value


def test_each_request_gets_its_own_id_and_none_is_left_after_it(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert first != second
    assert request_id.get() == ""


def test_pages_and_djangos_own_log_lines_carry_the_id(client, caplog):
    """Django logs a 404 after every middleware has returned: the id is still bound then."""
    caplog.handler.addFilter(RequestIdFilter())
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="trace-me-12345678")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "trace-me-12345678"
    not_found = [r for r in caplog.records if r.name == "django.request"]
    assert not_found and all(r.request_id == "trace-me-12345678" for r in not_found)


def test_outside_a_request_the_id_is_a_dash():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "idle", (), None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"


def test_a_json_line_parses_with_its_fields_and_exception():
    token = request_id.bind("json-line-12345678")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "skills", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info()
        )
    finally:
        RequestIdFilter().filter(record)
        request_id.reset(token)
    record.extra_field = 7
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert list(data)[:5] == ["time", "level", "logger", "message", "request_id"]
    assert data["level"] == "ERROR" and data["logger"] == "skills"
    assert data["message"] == "failed x" and data["request_id"] == "json-line-12345678"
    assert data["time"].endswith("+00:00")
    assert "ValueError: boom" in data["exception"] and data["extra_field"] == 7


def test_a_json_line_without_an_exception_has_no_exception_field():
    record = logging.LogRecord("skills", logging.INFO, __file__, 1, "fine", (), None)
    assert "exception" not in json.loads(JsonFormatter().format(record))


def test_gunicorns_access_line_takes_the_id_the_app_answered_with():
    atoms = {"h": "10.0.0.1", "{x-request-id}o": "from-the-app-1234"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(h)s", (), None)
    record.args = atoms
    GunicornAccessFilter().filter(record)
    RequestIdFilter().filter(record)
    assert record.request_id == "from-the-app-1234"
    assert json.loads(JsonFormatter().format(record))["message"] == "10.0.0.1"
