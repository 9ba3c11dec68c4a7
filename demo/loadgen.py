"""A small HTTP load generator for `make bench-load`, standard library only: a few threads, each
with its own keep-alive connection, ask one page over and over for a fixed time (or up to a
number of requests, whichever comes first) and record every answer's status, time and size.
It only ever targets the loopback interface: it is for measuring our own server."""

import http.client
import ipaddress
import math
import re
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


class LoadError(Exception):
    pass


@dataclass
class Result:
    """What one page answered under load."""

    path: str
    seconds: float = 0.0
    latencies: list = field(default_factory=list)  # ms, of the answered requests
    sizes: list = field(default_factory=list)  # body bytes, of the answered requests
    statuses: dict = field(default_factory=dict)  # status -> count; None for no answer

    @property
    def count(self):
        return sum(self.statuses.values())

    @property
    def failures(self):
        """Requests not answered 200 (a redirect to the login page counts: the session is lost)."""
        return sum(n for status, n in self.statuses.items() if status != 200)

    @property
    def per_second(self):
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def mean_kb(self):
        return sum(self.sizes) / len(self.sizes) / 1024 if self.sizes else 0.0

    def percentile(self, p):
        return percentile(sorted(self.latencies), p)


def percentile(ordered, p):
    """The nearest-rank ``p``th percentile of an ascending list (0.0 for an empty one)."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def check_loopback(host):
    if not ipaddress.ip_address(host).is_loopback:
        raise LoadError(f"{host} is not a loopback address: the load generator targets only ours.")


def cookie_header(cookies):
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _store_cookies(response, cookies):
    for header in response.headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or not morsel.value:
                cookies.pop(name, None)
            else:
                cookies[name] = morsel.value


def fetch(host, port, path, *, cookies=None, timeout=30):
    """One GET: (status, headers, body)."""
    check_loopback(host)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        headers = {"Cookie": cookie_header(cookies)} if cookies else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def login(host, port, email, password, *, path="/accounts/login/", timeout=30):
    """Log in through the real login form as a browser does; return the cookies to send (the
    session and the CSRF token)."""
    check_loopback(host)
    cookies = {}
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        page = response.read().decode()
        if response.status != 200:
            raise LoadError(f"GET {path} answered {response.status}")
        _store_cookies(response, cookies)
        token = _CSRF_INPUT.search(page)
        if not token or "csrftoken" not in cookies:
            raise LoadError(f"GET {path} gave no CSRF token")
        form = urlencode(
            {"csrfmiddlewaretoken": token.group(1), "login": email, "password": password}
        )
        connection.request(
            "POST",
            path,
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie_header(cookies),
                "Referer": f"http://{host}:{port}{path}",
            },
        )
        response = connection.getresponse()
        response.read()
        _store_cookies(response, cookies)
    finally:
        connection.close()
    if response.status != 302 or "sessionid" not in cookies:
        raise LoadError(f"logging in as {email} answered {response.status} without a session")
    return cookies


def run(host, port, path, *, cookies=None, connections=10, duration=10.0, max_requests=100_000):
    """Ask ``path`` from ``connections`` threads for ``duration`` seconds or ``max_requests``
    requests in all, whichever comes first; return the Result."""
    check_loopback(host)
    if connections < 1 or duration <= 0 or max_requests < 1:
        raise LoadError("connections, duration and max_requests must be positive")
    headers = {"Cookie": cookie_header(cookies)} if cookies else {}
    result = Result(path)
    lock = threading.Lock()
    issued = 0
    started = time.perf_counter()
    deadline = started + duration

    def take_turn():
        nonlocal issued
        with lock:
            if issued >= max_requests or time.perf_counter() >= deadline:
                return False
            issued += 1
            return True

    def worker():
        latencies, sizes, statuses = [], [], {}
        # The timeout stops a request hung past the deadline from holding up the run for long.
        connection = http.client.HTTPConnection(host, port, timeout=max(duration, 5))
        try:
            while take_turn():
                began = time.perf_counter()
                try:
                    connection.request("GET", path, headers=headers)
                    response = connection.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException):
                    connection.close()  # the next request opens a new connection
                    statuses[None] = statuses.get(None, 0) + 1
                    continue
                latencies.append((time.perf_counter() - began) * 1000)
                sizes.append(len(body))
                statuses[response.status] = statuses.get(response.status, 0) + 1
        finally:
            connection.close()
            with lock:
                result.latencies.extend(latencies)
                result.sizes.extend(sizes)
                for status, n in statuses.items():
                    result.statuses[status] = result.statuses.get(status, 0) + n

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result
