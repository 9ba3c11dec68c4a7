"""Checks 1 to 4 of the scale-out test: state shared between the two instances (sessions, files,
rate limits) and e-mail sent exactly once by the worker, killed mid-send."""

import secrets
import time
from datetime import date

from tests.stack.client import Client
from tests.stack.services import StackError, query, wait_for

PASSWORD = "demo-pass-1234"  # seed_demo's published demo password
APPRENTICE = "apprentice@example.com"
MANAGER = "manager@example.com"
OUTSIDER = "globex@example.com"  # a manager of another organisation
LIMITED = "mentor@example.com"  # the address check 4 fails to log in as
TOO_MANY = b"Too many failed login attempts"
# allauth's default limit on failed logins per address (ACCOUNT_LOGIN_ATTEMPTS_LIMIT): the next
# attempt is refused.
FAILED_LOGIN_LIMIT = 5


def apprenticeship_of(stack, email):
    rows = query(
        stack.database,
        "SELECT a.id FROM accounts_apprenticeship a JOIN accounts_user u ON u.id = a.apprentice_id "
        "WHERE u.email = %s ORDER BY a.id LIMIT 1",
        [email],
    )
    if not rows:
        raise StackError(f"{email} has no apprenticeship: did seed_demo run?")
    return int(rows[0][0])


def evidence_values(title):
    return {
        "title": title,
        "occurred_on": date.today().isoformat(),
        "off_the_job_hours": "1",
        "description": "Written by the scale-out test.",
    }


def session_shared(stack):
    """1. Logged in through A, the same cookie is logged in on B."""
    client = Client.logged_in(stack.a, APPRENTICE, PASSWORD)
    on_a, _, _ = client.get(stack.a, "/profile/")
    on_b, _, _ = client.get(stack.b, "/profile/")
    anonymous, _, _ = Client().get(stack.b, "/profile/")
    stack.apprentice = client
    ok = on_a == 200 and on_b == 200 and anonymous == 302
    return ok, f"/profile/ on A {on_a}, on B {on_b} with A's cookie; {anonymous} without it"


def file_shared(stack):
    """2. A file uploaded through A is downloaded through B byte for byte, by its owner only."""
    client = stack.apprentice
    content = b"".join(
        f"line {n} {secrets.token_hex(16)}\n".encode() for n in range(2000)
    )  # about 50 KB
    path = f"/apprenticeships/{apprenticeship_of(stack, APPRENTICE)}/evidence/new/"
    status, location, _ = client.submit(
        stack.a,
        path,
        evidence_values("Uploaded through A"),
        files={"attachment": ("notes.txt", content, "text/plain")},
        needed=("title", "csrfmiddlewaretoken"),
    )
    if status != 302 or not location.startswith("/evidence/"):
        return False, f"uploading through A answered {status} {location!r}"
    download = f"{location}file/"
    status, headers, body = client.get(stack.b, download)
    if status in (301, 302, 303, 307) and headers.get("Location", "").startswith("http"):
        status, body = stack.fetch_url(headers["Location"])  # a short-lived signed URL
    outsider, _, _ = Client.logged_in(stack.b, OUTSIDER, PASSWORD).get(stack.b, download)
    anonymous, _, _ = Client().get(stack.b, download)
    in_store = stack.stored_objects()
    ok = (
        status == 200
        and body == content
        and outsider == 404
        and anonymous == 302
        and any(size == len(content) for size in in_store.values())
    )
    return ok, (
        f"{len(content):,} bytes up through A; through B: {status}, "
        f"{'identical' if body == content else f'{len(body):,} bytes, different'}; "
        f"another organisation's manager {outsider}, anonymous {anonymous}; "
        f"{len(in_store)} object(s) in the S3 bucket"
    )


class InvitationMail:
    """3. An invitation created through A while the worker is down is e-mailed exactly once,
    though the worker is killed (SIGKILL) in the middle of sending it. ``start`` does the
    killing; ``verify`` waits for the e-mail (beat's flush of the outbox finds it again)."""

    def __init__(self, stack):
        self.stack = stack
        self.address = f"invitee-{secrets.token_hex(4)}@example.net"

    def start(self):
        stack = self.stack
        stack.worker.stop()
        stack.smtp.slow_to = self.address
        manager = Client.logged_in(stack.a, MANAGER, PASSWORD)
        (organisation,) = query(
            stack.database,
            "SELECT o.id FROM accounts_organisation o JOIN accounts_membership m ON "
            "m.organisation_id = o.id JOIN accounts_user u ON u.id = m.user_id "
            "WHERE u.email = %s ORDER BY o.id LIMIT 1",
            [MANAGER],
        )[0]
        status, _, _ = manager.submit(
            stack.a,
            f"/organisations/{organisation}/invite-member/",
            {"email": self.address, "full_name": "Ivy Invitee", "role": "mentor"},
            needed=("email", "csrfmiddlewaretoken"),
        )
        self.created = status
        self.queued = self.status()
        stack.manager = manager
        stack.worker.start()
        self.killed = stack.smtp.arrived.wait(timeout=40)
        if self.killed:
            time.sleep(0.5)  # the message is on its way; the stand-in holds the answer
            stack.worker.kill()
            self.killed_at = time.monotonic()
            stack.worker.start()

    def status(self):
        rows = query(
            self.stack.database,
            'SELECT status FROM accounts_outgoingemail WHERE "to" = %s ORDER BY id',
            [self.address],
        )
        return ",".join(row[0] for row in rows) or "none"

    def verify(self, timeout=90):
        if self.created != 302 or not self.killed:
            return False, (
                f"invitation through A answered {self.created} (outbox: {self.queued}); "
                f"{'the worker was killed mid-send' if self.killed else 'no e-mail arrived'}"
            )
        try:
            wait_for(lambda: self.stack.smtp.count(self.address)[0] >= 1, timeout, "no e-mail")
            wait_for(lambda: self.status() == "sent", 15, "not marked sent")
        except StackError:
            pass
        time.sleep(2)  # room for a duplicate to arrive
        delivered, distinct = self.stack.smtp.count(self.address)
        seconds = time.monotonic() - self.killed_at
        status = self.status()
        ok = delivered == 1 and status == "sent"
        return ok, (
            f"outbox after the invitation: {self.queued}; worker killed mid-send "
            f"({self.stack.smtp.aborted} delivery cut off); delivered {delivered} time(s) "
            f"({distinct} Message-ID), {seconds:.0f} s after the kill; outbox now: {status}"
        )


def rate_limit_shared(stack):
    """4. Failed logins alternating A and B are refused at allauth's limit, not twice it."""
    refused_at = None
    for attempt in range(1, 2 * FAILED_LOGIN_LIMIT + 3):
        port = stack.a if attempt % 2 else stack.b
        # One site name on both ports, as behind the balancer: allauth's key for an address's
        # failures holds the host the request named (with its port).
        status, _, body = Client(host="localhost").submit(
            port,
            "/accounts/login/",
            {"login": LIMITED, "password": "not-the-password"},
            needed=("login", "password"),
        )
        if status != 200:
            return False, f"attempt {attempt} answered {status}"
        if TOO_MANY in body:
            refused_at = attempt
            break
    ok = refused_at == FAILED_LOGIN_LIMIT + 1
    return ok, (
        f"wrong passwords alternating A/B: refused at attempt {refused_at or 'never (12 tried)'}"
        f", allauth's limit is {FAILED_LOGIN_LIMIT}"
    )
