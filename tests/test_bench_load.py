"""The load generator of `make bench-load`, against a tiny server of the standard library's, and
its login helper against the app's real login form."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError

from demo import loadgen
from demo.management.commands.bench_load import Command

from .factories import PASSWORD

HOST = "127.0.0.1"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    wbufsize = -1  # headers and body in one write (two would wait on a delayed ACK)

    def do_GET(self):
        server = self.server
        with server.lock:
            server.requests += 1
            server.clients.add(self.client_address)
            server.cookies.add(self.headers.get("Cookie"))
        if self.path == "/slow":
            time.sleep(0.05)
        status = {"/redirect": 302, "/error": 500}.get(self.path, 200)
        body = b"x" * 2048
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer((HOST, 0), _Handler)
    httpd.daemon_threads = True
    httpd.lock = threading.Lock()
    httpd.requests = 0
    httpd.clients = set()
    httpd.cookies = set()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def port_of(server):
    return server.server_address[1]


def test_run_stops_at_the_request_cap_and_counts_every_answer(server):
    began = time.perf_counter()
    result = loadgen.run(HOST, port_of(server), "/", connections=3, duration=5, max_requests=25)
    assert time.perf_counter() - began < 2
    assert result.count == server.requests == 25
    assert result.statuses == {200: 25}
    assert result.failures == 0
    assert len(result.latencies) == 25
    assert result.mean_kb == 2.0
    assert result.per_second > 0


def test_run_stops_at_the_deadline(server):
    result = loadgen.run(
        HOST, port_of(server), "/slow", connections=2, duration=0.3, max_requests=10_000
    )
    assert 0.3 <= result.seconds < 1.0
    # Two connections of 50 ms requests for 0.3 s: about 12, far below the cap.
    assert 2 <= result.count <= 20
    assert result.count == server.requests


def test_each_connection_is_kept_alive(server):
    loadgen.run(HOST, port_of(server), "/", connections=2, duration=5, max_requests=30)
    assert server.requests == 30
    assert len(server.clients) <= 2


def test_the_cookies_go_with_every_request(server):
    loadgen.run(
        HOST,
        port_of(server),
        "/",
        cookies={"sessionid": "abc", "csrftoken": "def"},
        duration=5,
        max_requests=5,
    )
    assert server.cookies == {"sessionid=abc; csrftoken=def"}


@pytest.mark.parametrize("path, status", [("/redirect", 302), ("/error", 500)])
def test_answers_other_than_200_are_failures(server, path, status):
    result = loadgen.run(HOST, port_of(server), path, connections=2, duration=5, max_requests=10)
    assert result.statuses == {status: 10}
    assert result.failures == 10


def test_a_server_that_does_not_answer_fails_every_request():
    with ThreadingHTTPServer((HOST, 0), _Handler) as closed:
        port = closed.server_address[1]  # bound, then closed: nothing listens there
    result = loadgen.run(HOST, port, "/", connections=2, duration=5, max_requests=6)
    assert result.statuses == {None: 6}
    assert result.failures == 6
    assert result.latencies == []
    assert result.percentile(50) == 0.0


def test_only_the_loopback_is_a_target():
    with pytest.raises(loadgen.LoadError, match="not a loopback"):
        loadgen.run("192.0.2.1", 80, "/", duration=1, max_requests=1)
    with pytest.raises(loadgen.LoadError, match="not a loopback"):
        loadgen.login("192.0.2.1", 80, "someone@example.com", PASSWORD)


@pytest.mark.parametrize(
    "connections, duration, max_requests", [(0, 1, 1), (1, 0, 1), (1, 1, 0), (-1, 1, 1)]
)
def test_bounds_must_be_positive(connections, duration, max_requests):
    with pytest.raises(loadgen.LoadError, match="positive"):
        loadgen.run(
            HOST, 1, "/", connections=connections, duration=duration, max_requests=max_requests
        )


@pytest.mark.parametrize(
    "values, p, expected",
    [
        (list(range(1, 101)), 50, 50),
        (list(range(1, 101)), 99, 99),
        (list(range(1, 101)), 100, 100),
        (list(range(1, 11)), 99, 10),
        ([7.5], 50, 7.5),
        ([1, 2], 50, 1),
        ([], 99, 0.0),
    ],
)
def test_percentile_is_the_nearest_rank(values, p, expected):
    assert loadgen.percentile(values, p) == expected


@pytest.mark.django_db(transaction=True)
def test_login_through_the_form_gives_a_session(live_server, user):
    port = live_server.thread.port
    cookies = loadgen.login(HOST, port, user.email, PASSWORD)
    assert {"sessionid", "csrftoken"} <= cookies.keys()
    status, _, _ = loadgen.fetch(HOST, port, "/profile/", cookies=cookies)
    assert status == 200
    status, headers, _ = loadgen.fetch(HOST, port, "/profile/")
    assert status == 302
    assert headers["Location"].startswith("/accounts/login/")


@pytest.mark.django_db(transaction=True)
def test_login_with_a_wrong_password_fails(live_server, user):
    with pytest.raises(loadgen.LoadError, match="without a session"):
        loadgen.login(HOST, live_server.thread.port, user.email, "not-the-password")


def _result(statuses):
    return loadgen.Result("/", seconds=1.0, statuses=statuses)


def test_the_verdict_names_the_pages_that_miss_the_goal():
    out = StringIO()
    Command(stdout=out)._verdict(
        [
            ("login page", _result({200: 100}), 1.0),
            ("standard page", _result({200: 90}), 1.1),
            ("dashboard", _result({200: 30}), 3.3),
            ("hours", _result({200: 40}), 2.5),
        ]
    )
    assert "missed by standard page (1.10), dashboard (3.30)." in out.getvalue()


def test_a_page_answering_other_than_200_fails_the_run():
    out = StringIO()
    with pytest.raises(CommandError, match=r"dashboard \(3 of 10: 200 x7, 302 x3\)"):
        Command(stdout=out)._verdict(
            [
                ("login page", _result({200: 10}), 1.0),
                ("dashboard", _result({200: 7, 302: 3}), 1.0),
            ]
        )
    assert "met by every page" in out.getvalue()


def test_pages_are_counted_in_login_pages_at_the_mean_of_the_first_and_last(monkeypatch):
    """The login page is measured first and again last; the yardstick is their mean, and a
    run in which the two differ by more than a fifth says the machine changed under it."""
    rates = iter([100, 50, 60])  # login, dashboard, login again: requests in one second

    def run(host, port, path, *, duration, max_requests, cookies, connections):
        if max_requests == 2 * connections:  # the warm-up
            return _result({200: 1})
        return _result({200: next(rates)})

    monkeypatch.setattr(loadgen, "run", run)
    out = StringIO()
    command = Command(stdout=out, stderr=StringIO())
    results = command._measure(
        8810,
        [("login page", None, "/accounts/login/"), ("dashboard", None, "/dashboard/")],
        connections=10,
        duration=1,
        options={"max_requests": 100},
    )
    assert [(name, round(ratio, 2)) for name, _, ratio in results] == [
        ("login page", 0.8),
        ("dashboard", 1.6),
        ("login page, again", 1.33),
    ]
    assert "against 80.0 req/s, the mean of the login page first and last" in out.getvalue()
    assert "changed from 100.0 to 60.0 req/s" in out.getvalue()
