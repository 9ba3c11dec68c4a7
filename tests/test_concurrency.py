"""Simultaneous writes in the shape of a real deployment: gunicorn with four workers on a fresh
database of the suite's engine (a SQLite file, or a PostgreSQL database of its own on the
suite's server). Six identical POSTs at once, as a double click or a second tab sends them,
each get an answer (none a 500, such as SQLite's "database is locked") and have one effect;
wrong passwords sent at once are counted across the workers."""

import http.client
import os
import secrets
import socket
import sqlite3
import threading
import uuid
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest
from django.conf import settings
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from demo import loadgen
from demo.management.commands.bench_load import HOST, _Gunicorn, _manage, _recreate
from demo.management.commands.seed_demo import DEMO_PASSWORD

SIMULTANEOUS = 6
WORKERS = 4
TIMEOUT = 30  # seconds, for each request and each thread
INVITEE = "invitee@example.com"
TOKEN = secrets.token_urlsafe(32)

# Run in `manage.py shell` after seed_demo: the demo data has a submitted piece of evidence
# but no complete draft scan and no invitation, so it makes one of each.
SETUP = f"""
from datetime import date, timedelta

from allauth.account.models import EmailAddress

from accounts.models import Membership, User, hash_token
from accounts.services import apprentice_invite
from skillscan.models import Rating, SkillScan
from skillscan.services import missing_ksbs

scan = SkillScan.objects.get(
    apprenticeship__apprentice__email="apprentice2@example.com", status="draft"
)
Rating.objects.bulk_create([Rating(scan=scan, ksb=ksb, score=2) for ksb in missing_ksbs(scan)])
invitee = User.objects.create_user({INVITEE!r}, {DEMO_PASSWORD!r}, full_name="Ivy Invitee")
EmailAddress.objects.create(user=invitee, email=invitee.email, verified=True, primary=True)
manager = Membership.objects.select_related("organisation", "user").get(
    user__email="manager@example.com"
)
invitation = apprentice_invite(
    organisation=manager.organisation,
    invited_by=manager.user,
    email=invitee.email,
    full_name=invitee.full_name,
    standard=scan.apprenticeship.standard,
    start_date=date.today(),
    planned_end_date=date.today() + timedelta(days=450),
    build_url=str,
)
invitation.token_hash = hash_token({TOKEN!r})
invitation.save(update_fields=["token_hash"])
"""


def _free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _fresh_database(tmp_path):
    """(DATABASE_URL, query function, drop function) of a new, empty database of the engine
    the suite runs on."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        path = tmp_path / "concurrency.sqlite3"

        def query(statement, *params):
            with sqlite3.connect(path, timeout=TIMEOUT) as conn:
                return conn.execute(statement.replace("%s", "?"), params).fetchall()

        return f"sqlite:///{path}", query, lambda: None

    name = f"concurrency_{secrets.token_hex(4)}"
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
    params = {key: value for key, value in conninfo_to_dict(url).items() if value}
    _recreate(params)

    def query(statement, *params_):
        with psycopg.connect(**params, connect_timeout=TIMEOUT) as conn:
            return conn.execute(statement, params_).fetchall()

    def drop():
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as conn:
            conn.execute(statement.format(sql.Identifier(name)))

    return url, query, drop


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo data plus a complete draft scan and an invitation, served by gunicorn."""
    url, query, drop = _fresh_database(tmp_path_factory.mktemp("concurrency"))
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    # As behind one proxy: a test that uses up an address's limits sends its own address.
    env.update(DEBUG="1", DATABASE_URL=url, LOG_LEVEL="WARNING", TRUSTED_PROXY_COUNT="1")
    try:
        _manage(env, "migrate", "--noinput")
        _manage(env, "seed_demo")
        _manage(env, "shell", "-c", SETUP)
        with _Gunicorn(env, _free_port(), WORKERS) as server:
            yield SimpleNamespace(port=server.port, query=query, log=server.log.name)
    finally:
        drop()


def _one(site, statement, *params):
    (row,) = site.query(statement, *params)
    return row[0] if len(row) == 1 else row


def _mails_sent(site):
    """How many e-mails the console backend has printed to gunicorn's log so far."""
    with open(site.log, errors="replace") as log:
        return log.read().count("\nMessage-ID: ")


def _post_at_once(site, path, form=None, *, email=None, times=SIMULTANEOUS, client=None):
    """Send the same POST ``times`` at once from as many threads, each on a connection of its
    own, signed in as ``email`` (else anonymous, with a CSRF secret of its own making), from
    the address ``client`` behind the proxy when given; return the answers as (status, page),
    the status an exception's name for no answer. ``form`` may be a function of the thread's
    index, for forms that differ (the same form opened in several tabs)."""
    if email:
        cookies = loadgen.login(HOST, site.port, email, DEMO_PASSWORD, timeout=TIMEOUT)
    else:
        cookies = {"csrftoken": secrets.token_hex(16)}

    def body(index):
        fields = form(index) if callable(form) else form or {}
        return urlencode({"csrfmiddlewaretoken": cookies["csrftoken"], **fields}, doseq=True)

    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": loadgen.cookie_header(cookies),
        **({"X-Forwarded-For": client} if client else {}),
    }
    ready = threading.Barrier(times, timeout=TIMEOUT)
    answers = [("no answer in time", "")] * times

    def send(index):
        connection = http.client.HTTPConnection(HOST, site.port, timeout=TIMEOUT)
        try:
            connection.connect()
            ready.wait()
            connection.request("POST", path, body=body(index), headers=headers)
            response = connection.getresponse()
            answers[index] = (response.status, response.read().decode(errors="replace"))
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as exc:
            answers[index] = (type(exc).__name__, "")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,), daemon=True) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    return answers


def _statuses(answers):
    return [status for status, _ in answers]


def test_simultaneous_decisions_accept_the_evidence_once(site):
    evidence = _one(
        site,
        "SELECT e.id FROM tracker_evidence e"
        " JOIN accounts_apprenticeship a ON a.id = e.apprenticeship_id"
        " JOIN accounts_user u ON u.id = a.apprentice_id"
        " WHERE u.email = %s AND e.status = 'submitted' ORDER BY e.id LIMIT 1",
        "apprentice@example.com",
    )
    ksbs = [
        row[0]
        for row in site.query(
            "SELECT ksb_id FROM tracker_evidence_ksbs WHERE evidence_id = %s", evidence
        )
    ]
    mails = _mails_sent(site)
    answers = _post_at_once(
        site,
        f"/evidence/{evidence}/decide/",
        {"decision": "accepted", "ksbs": ksbs},
        email="manager@example.com",
    )
    assert _statuses(answers) == [302] * SIMULTANEOUS
    assert _one(site, "SELECT status FROM tracker_evidence WHERE id = %s", evidence) == "accepted"
    accepted = (
        "SELECT COUNT(*) FROM tracker_evidencefeedback WHERE evidence_id = %s AND decision = %s"
    )
    assert _one(site, accepted, evidence, "accepted") == 1
    assert _mails_sent(site) - mails == 1


def test_simultaneous_submits_submit_the_scan_once(site):
    scan = _one(
        site,
        "SELECT s.id FROM skillscan_skillscan s"
        " JOIN accounts_apprenticeship a ON a.id = s.apprenticeship_id"
        " JOIN accounts_user u ON u.id = a.apprentice_id"
        " WHERE u.email = %s AND s.status = 'draft'",
        "apprentice2@example.com",
    )
    mails = _mails_sent(site)
    answers = _post_at_once(site, f"/scans/{scan}/submit/", email="apprentice2@example.com")
    assert _statuses(answers) == [302] * SIMULTANEOUS
    assert _one(site, "SELECT status FROM skillscan_skillscan WHERE id = %s", scan) == "submitted"
    # The mentor and the tutor (Northwind Training delivers it) are told, once each.
    assert _mails_sent(site) - mails == 2


def test_simultaneous_accepts_start_the_apprenticeship_once(site):
    statuses = _statuses(_post_at_once(site, f"/invite/{TOKEN}/", email=INVITEE))
    # The first is taken to the apprenticeship; the rest see the link is used (410), or, having
    # read it just before, are sent back to it with a message (302).
    assert set(statuses) <= {302, 410}, statuses
    apprenticeship, apprentice = _one(
        site,
        "SELECT i.apprenticeship_id, u.email FROM accounts_invitation i"
        " JOIN accounts_apprenticeship a ON a.id = i.apprenticeship_id"
        " JOIN accounts_user u ON u.id = a.apprentice_id"
        " WHERE i.email = %s AND i.accepted_at IS NOT NULL",
        INVITEE,
    )
    assert apprentice == INVITEE
    started = (
        "SELECT COUNT(*) FROM accounts_statuschange"
        " WHERE apprenticeship_id = %s AND new_status = %s"
    )
    assert _one(site, started, apprenticeship, "active") == 1


def test_simultaneous_wrong_passwords_are_counted_across_the_workers(site):
    """allauth checks five wrong passwords for an account in five minutes, then refuses to
    check more: counted in each worker's memory, four workers checked twenty."""
    answers = _post_at_once(
        site,
        "/accounts/login/",
        {"login": "mentor@example.com", "password": "not-the-password"},
        times=12,
        client="192.0.2.12",
    )
    assert set(_statuses(answers)) == {200}, _statuses(answers)
    checked = [page for _, page in answers if "Too many failed login attempts" not in page]
    assert len(checked) <= 5


def _invitation_form(site, email):
    organisation, standard = _one(
        site,
        "SELECT m.organisation_id, s.id FROM accounts_membership m, standards_standard s"
        " JOIN accounts_user u ON u.email = %s WHERE m.user_id = u.id AND s.reference = 'ST0825'",
        "manager@example.com",
    )
    start = date.today()
    form = {
        "email": email,
        "full_name": "Dee Double",
        "standard": standard,
        "start_date": start.isoformat(),
        "planned_end_date": (start + timedelta(days=730)).isoformat(),
        "weekly_hours": "30",
    }
    return f"/organisations/{organisation}/invite-apprentice/", form


@pytest.mark.parametrize("tabs", [False, True], ids=["double-click", "several-tabs"])
def test_simultaneous_invitations_invite_once(site, tabs):
    """One form sent six times (one key), or six forms filled alike (six keys): either way one
    pending apprenticeship, one invitation and one e-mail."""
    email = f"dee.{'tabs' if tabs else 'click'}@example.com"
    path, form = _invitation_form(site, email)
    key = str(uuid.uuid4())
    mails = _mails_sent(site)
    answers = _post_at_once(
        site,
        path,
        lambda _: {**form, "submission_key": str(uuid.uuid4()) if tabs else key},
        email="manager@example.com",
    )
    statuses = _statuses(answers)
    assert 500 not in statuses and set(statuses) <= {200, 302}, statuses
    invitations = "SELECT COUNT(*) FROM accounts_invitation WHERE email = %s"
    assert _one(site, invitations, email) == 1
    pending = (
        "SELECT COUNT(*) FROM accounts_statuschange WHERE new_status = 'pending' AND note LIKE %s"
    )
    assert _one(site, pending, f"%{email}%") == 1
    assert _mails_sent(site) - mails == 1
