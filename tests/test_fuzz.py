"""Boundary values at every form, query parameter and path segment of the app: huge and
negative numbers, NaN, 100,000-character strings, NUL bytes, invalid UTF-8, far dates, ids of
other standards, other organisations and of nothing, unicode and bidi oddities. No request may
answer 500 (or raise), none may change other people's data, and the pages a successful change
shows up on must still open.

The URLs, users and world are the permission walk's (tests/walk.py, tests/conftest.py); the
forms are the ones the pages render, field by field. Hypothesis draws each example from a fixed
list of nasty values mixed with generated ones. Every example runs in a transaction that is
rolled back, and a failing request does not stop the run: each test collects what broke and
fails once with every distinct failure (URL, user, field, value, exception, app line).
"""

import hashlib
import logging
import re
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import example as hypothesis_example
from hypothesis import strategies as st

from accounts.models import (
    Apprenticeship,
    Invitation,
    Membership,
    Organisation,
    StatusChange,
    User,
)
from accounts.permissions import may, role_of, role_on_organisation
from progress.models import Tally
from skillscan.models import Rating, RatingChange, SkillScan
from standards.models import KSB, Duty, Standard
from standards.selectors import forget_structures
from tests.conftest import verified_user
from tests.walk import APP, URLS, USERS, LoggedIn, On, Public, Staff
from tracker.models import DutySignOff, Evidence, EvidenceFeedback, ProgressReview

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

# --- the values -----------------------------------------------------------------------------

LONG = "x" * 100_000
BIDI = "\u202eevil\u202c \u2066isolate\u2069 \u200fRTL\u200e \u061c"
INVALID_UTF8 = [b"\xff\xfe", b"caf\xe9", b"\xc0\x80", b"\xed\xa0\x80"]
HUGE = [str(2**63), str(2**63 - 1), str(-(2**63) - 1), str(2**64), str(10**30), "9" * 400]
TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    LONG,
    "é" * 100_000,
    BIDI,
    "\u202e",
    "\u200b\ufeff\u2060",
    "e" + "\u0301" * 200,
    "\U0001d573\U0001d58a\U0001d591\U0001d591\U0001d594 😀👩‍👩‍👧‍👦 \U0010fffd",
    "İıßﬃ",
    "\r\n\t\x0b\x0c\x1b[31m",
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% now 'Y' %}",
    "' OR 1=1 --",
    "%s%n%x\\",
    "../../../etc/passwd",
    '=HYPERLINK("http://evil")',
    "javascript:alert(1)",
    "A" * 256,
    *INVALID_UTF8,
]
NUMBERS = [
    "-1",
    "0",
    "-0",
    "0.001",
    "24.0000001",
    "1e308",
    "1e309",
    "-1e309",
    "1e-400",
    "inf",
    "-Infinity",
    "NaN",
    "nan",
    "sNaN",
    "99999999999999999999.99",
    "\u0661\u0662",
    "\uff11\uff12",
    "1_000",
    " 12 ",
    "0x10",
    "12abc",
    *HUGE,
]
DATES = [
    "0001-01-01",
    "9999-12-31",
    "9999-12-30",
    "0000-00-00",
    "0001-01-00",
    "10000-01-01",
    "2026-02-30",
    "1900-01-01",
    "1969-12-31",
    "2038-01-19",
    "-0001-01-01",
    "9999-12-31T23:59:59",
    "31/12/9999",
    "01/01/0001",
    "99999-01-01",
    "1-1-1",
    "2026-W01-1",
    "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661",
]
EMAILS = [
    "a@b",
    "x" * 300 + "@example.com",
    "MANAGER@EXAMPLE.COM",
    "globex@example.com",
    "apprentice2@example.com",
    "invitee@example.com",
    "a\x00@example.com",
    "ünïcödé@例え.jp",
    "\u202emoc.elpmaxe@a",
]
# Ids that are not anything's, or that overflow a database integer.
BAD_IDS = [
    "0",
    "-1",
    "999999",
    str(2**31),
    *HUGE,
    "1.0",
    "01",
    " 1",
    "+1",
    "\u0661",
    "1e3",
    "0x1",
    "1\x00",
    "[1]",
    "null",
]
SORTS = ["-", "--activity", "activity-", "-" + "x" * 300, "pk", "-pk", "id", "?", "password"]
# Every query parameter some page reads (grep request.GET: the dashboard's filters and sort,
# evidence's, pagination, the admin's search, allauth's next and email), and some none reads.
PARAMS = [
    "page",
    "sort",
    "status",
    "mentor",
    "attention",
    "ready",
    "overdue",
    "behind",
    "evidence",
    "scan",
    "ksb",
    "duty",
    "q",
    "o",
    "p",
    "e",
    "next",
    "email",
    "pk",
    "format",
]


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes
    content_type: str

    def file(self):
        return SimpleUploadedFile(self.name, self.content, self.content_type)


UPLOADS = [
    Upload("walk.pdf", b"", "application/pdf"),
    Upload("evil\u202efdp.exe", b"%PDF-1.4 x", "application/pdf"),
    Upload("a\x00b.pdf", b"%PDF-1.4 x", "application/pdf"),
    Upload("x" * 1000 + ".pdf", b"%PDF-1.4 x", "application/pdf"),
    Upload("../../../settings.py", b"SECRET_KEY = 1", "text/x-python"),
    Upload(".pdf", b"%PDF-1.4 x", "application/pdf"),
    Upload("ünïcödé 😀.txt", "😀 \x00 ünïcödé".encode(), "text/plain"),
    Upload("notes.md", b"\xff\xfe\x00\x00", "text/markdown"),
    Upload("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
    Upload("image.svg", b"<svg onload=alert(1)></svg>", "image/svg+xml"),
    Upload("big.pdf", b"%PDF-1.4 " + b"0" * (10 * 1024 * 1024), "application/pdf"),
]

ODD_CHARACTERS = (
    "\x00\u202e\u202d\u2066\u2067\u2068\u2069\u200f\u200b\ufeff\u0301\r\n<>&'\"%./İ😀a1-"
)
generated_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.text(st.sampled_from(ODD_CHARACTERS), max_size=20),
)
generated_number = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(str),
    st.decimals().map(str),
)
generated_date = st.one_of(
    st.dates().map(date.isoformat),
    st.builds(
        "{:04d}-{:02d}-{:02d}".format,
        st.integers(-10, 100_000),
        st.integers(0, 13),
        st.integers(0, 32),
    ),
)


def pools(foreign_ids):
    """{kind of field: strategy of values}. Each kind draws mostly from its own nasty values,
    sometimes from everyone's; ``foreign_ids`` are ids of other standards and organisations."""
    ids = [*BAD_IDS, *foreign_ids]
    common = st.sampled_from(["", "\x00", LONG, BIDI, *INVALID_UTF8, *HUGE, "9999-12-31"])
    own = {
        "text": st.one_of(st.sampled_from(TEXT), generated_text),
        "number": st.one_of(st.sampled_from(NUMBERS), generated_number),
        "date": st.one_of(st.sampled_from(DATES), generated_date),
        "email": st.one_of(st.sampled_from(EMAILS), generated_text),
        "choice": st.one_of(st.sampled_from(ids), st.sampled_from(TEXT), generated_number),
        "param": st.one_of(
            st.sampled_from([*ids, *SORTS, *DATES[:3], *TEXT]), generated_text, generated_number
        ),
    }
    strategies = {kind: st.one_of(values, values, common) for kind, values in own.items()}
    strategies["file"] = st.one_of(st.sampled_from(UPLOADS), common)
    return strategies


FUZZ = {
    "database": None,
    "derandomize": True,
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    # Nothing fails inside an example (failures are collected), so nothing is shrunk.
    "phases": (Phase.explicit, Phase.generate),
}


def fuzz(examples, strategy, check, explicit=()):
    """Run ``check`` on each of ``explicit`` and on ``examples`` values drawn from ``strategy``."""

    def run(value):
        check(value)

    test = given(strategy)(run)
    for value in reversed(explicit):
        test = hypothesis_example(value)(test)
    settings(max_examples=examples, **FUZZ)(test)()


# --- what broke -----------------------------------------------------------------------------


def shown(value, limit=60):
    if isinstance(value, list):
        return "[" + ", ".join(shown(item, 30) for item in value) + "]"
    if isinstance(value, Upload):
        return f"file {shown(value.name, 40)} ({len(value.content)} bytes, {value.content_type})"
    text = repr(value)
    if len(text) > limit:
        return f"{text[: limit - 20]}…{text[-8:]} ({len(value)} long)"
    return text


def _is_app(frame):
    return frame.filename.startswith(str(ROOT)) and not any(
        part in frame.filename for part in ("/.venv/", "/tests/", "site-packages")
    )


def _where(frame):
    try:
        name = Path(frame.filename).relative_to(ROOT)
    except ValueError:
        name = Path(frame.filename).name
    return f"{name}:{frame.lineno} in {frame.name}"


@dataclass
class Request:
    """One request of the fuzz, described for the report: ``field`` is what was fuzzed (a form
    field, a query parameter, a path segment), ``after`` the change a GET follows."""

    method: str
    name: str
    walker: str
    path: str
    field: str = ""
    value: object = ""
    after: str = ""

    @property
    def key(self):
        return (self.method, self.name, self.field, self.after)

    def title(self, walkers):
        parts = [f"{self.method} {self.name} as {', '.join(walkers)}"]
        if self.field:
            parts.append(f"field {self.field!r}")
        if self.after:
            parts.append(f"after {self.after}")
        return ", ".join(parts)


@dataclass
class Finding:
    request: Request
    what: str
    detail: list
    walkers: list = field(default_factory=list)
    values: list = field(default_factory=list)
    paths: list = field(default_factory=list)
    times: int = 0


@dataclass
class Findings:
    """Every distinct failure of a test (by request, field, exception and the app's line),
    each with who met it and the first values and paths that caused it."""

    found: dict = field(default_factory=dict)

    def add(self, request, what, detail=()):
        finding = self.found.setdefault((*request.key, what), Finding(request, what, detail))
        finding.times += 1
        for seen, new, most in (
            (finding.walkers, request.walker, 8),
            (finding.values, shown(request.value), 4),
            (finding.paths, shown(request.path, 100), 3),
        ):
            if new not in seen and len(seen) < most:
                seen.append(new)

    def crash(self, request, exc=None, status=None):
        """A request that raised (or answered 5xx)."""
        if exc is None:
            self.add(request, f"answered {status}")
            return
        frames = traceback.extract_tb(exc.__traceback__)
        app = [frame for frame in frames if _is_app(frame)]
        where = _where(app[-1]) if app else f"{_where(frames[-1])} (no app code on the stack)"
        detail = [
            f"{type(exc).__module__}.{type(exc).__name__}: {' '.join(str(exc).split())[:300]}",
            f"raised at {_where(frames[-1])}",
            *(f"  app: {_where(frame)}" for frame in app[-4:]),
        ]
        cause = exc.__cause__ or exc.__context__
        if cause is not None:
            detail.append(f"caused by {type(cause).__name__}: {str(cause)[:200]}")
        self.add(request, f"{type(exc).__name__} at {where}", detail)

    def huge(self, request, size):
        self.add(request, f"answered {size:,} bytes (more than {MAX_PAGE_BYTES:,})")

    def changed(self, request, whose):
        self.add(request, f"changed other people's data: {whose}")

    def assert_none(self):
        if not self.found:
            return
        lines = [f"{len(self.found)} distinct failures:"]
        for number, finding in enumerate(self.found.values(), start=1):
            title = finding.request.title(finding.walkers)
            lines += [
                f"\n{number}. {title}: {finding.what}  ({finding.times}x)",
                f"   values: {'; '.join(finding.values)}",
                f"   paths: {'; '.join(finding.paths)}",
                *(f"   {line}" for line in finding.detail),
            ]
        pytest.fail("\n".join(lines), pytrace=False)


def send(client, method, path, data=None, multipart=False):
    """The response to one request, its streamed content read (a CSV fails while streaming)."""
    if method == "GET":
        response = client.get(path)
    elif multipart:
        files = {
            name: [item.file() if isinstance(item, Upload) else item for item in value]
            if isinstance(value, list)
            else (value.file() if isinstance(value, Upload) else value)
            for name, value in data.items()
        }
        response = client.post(path, files)
    else:
        body = urlencode({k: v for k, v in data.items() if not isinstance(v, Upload)}, doseq=True)
        response = client.post(path, body, content_type="application/x-www-form-urlencoded")
    if response.streaming:
        response.size = len(b"".join(response.streaming_content))
    else:
        response.size = len(response.content)
    return response


# Far more than any page of the world is (the largest is a few hundred KB): a page this big is
# drawing something without end, e.g. a week per row from a start in year 1 (22 MB). Counted in
# bytes, not seconds, so the finding does not depend on how busy the machine is.
MAX_PAGE_BYTES = 5_000_000


def attempt(findings, client, request, data=None, multipart=False):
    """Send ``request`` in a savepoint of its own (on PostgreSQL a failed query spoils the rest
    of the transaction); a raise, a 5xx or a page of runaway size is a finding. Returns the
    response, or None."""
    try:
        with transaction.atomic():
            response = send(client, request.method, request.path, data, multipart)
    except Exception as exc:
        findings.crash(request, exc)
        return None
    if response.status_code >= 500:
        findings.crash(request, status=response.status_code)
    if response.size > MAX_PAGE_BYTES:
        findings.huge(request, response.size)
    return response


@contextmanager
def example(keep=False):
    """One example, in a transaction that is rolled back (unless ``keep``: a GET's, so that a
    GET that writes shows in the guard), with no cached counts or standards' structures left
    from the one before."""
    cache.clear()
    forget_structures()
    with transaction.atomic():
        yield
        transaction.set_rollback(not keep)


# --- the world, its users and whose data is whose -------------------------------------------


@pytest.fixture
def fuzz_world(world, globex_apprenticeship, other_apprentice):
    """The walk's world, with data of other people to protect: a second standard, records of
    the outsider's apprenticeship at Acme and of Globex's, and the invitee of the invitation."""
    from tests.factories import (
        EvidenceFactory,
        ProgressReviewFactory,
        invitation_with_token,
        make_scan,
        make_standard,
    )

    elsewhere = make_standard(
        reference="ST0116", title="Elsewhere", knowledge=2, skills=1, behaviours=1, duties=2
    )
    outsider = Apprenticeship.objects.get(apprentice=other_apprentice)
    ksb = world["standard"].ksbs.last()
    globex = globex_apprenticeship
    world["others"] = {
        "standard": elsewhere,
        "outsider": outsider,
        "globex": globex,
        "globex_evidence": EvidenceFactory(apprenticeship=globex, ksbs=[ksb], status="submitted"),
        "globex_review": ProgressReviewFactory(apprenticeship=globex, recorded_by=globex.mentor),
        "globex_scan": make_scan(globex, status="submitted"),
        "outsider_evidence": EvidenceFactory(apprenticeship=outsider, ksbs=[ksb]),
    }
    world["users"]["invitee"] = verified_user("invitee@example.com", "Ivy Invitee")
    world["others"]["globex_invitation"], _ = invitation_with_token(
        organisation=globex.organisation,
        email="globex.invitee@example.com",
        apprenticeship__standard=world["standard"],
    )
    others = world["others"]
    world["foreign_ids"] = [
        str(pk)
        for pk in (
            *elsewhere.ksbs.values_list("pk", flat=True),
            *elsewhere.duties.values_list("pk", flat=True),
            elsewhere.pk,
            globex.pk,
            globex.organisation_id,
            outsider.pk,
            others["globex_evidence"].pk,
            others["globex_scan"].pk,
            others["globex_review"].pk,
            others["globex_invitation"].pk,
            world["users"]["other_manager"].pk,
            world["users"]["other_apprentice"].pk,
            world["users"]["former_manager"].pk,
            world["users"]["superuser"].pk,
        )
    ]
    # The walk makes some of its objects (a timesheet line, a job of someone outside the walk)
    # the first time a URL asks for them: make them all now, before a test takes its snapshot
    # of other people's data, so that asking for a URL is never taken for a page's change.
    for kwargs, _ in URLS.values():
        kwargs(world)
    return world


# Rows hanging from an apprenticeship, each as (model, lookup to the apprenticeship's pk).
APPRENTICESHIP_ROWS = [
    (Apprenticeship, "pk"),
    (Tally, "apprenticeship_id"),
    (StatusChange, "apprenticeship_id"),
    (Evidence, "apprenticeship_id"),
    (Evidence.ksbs.through, "evidence__apprenticeship_id"),
    (EvidenceFeedback, "evidence__apprenticeship_id"),
    (DutySignOff, "apprenticeship_id"),
    (ProgressReview, "apprenticeship_id"),
    (SkillScan, "apprenticeship_id"),
    (Rating, "scan__apprenticeship_id"),
    (RatingChange, "rating__scan__apprenticeship_id"),
    (Invitation, "apprenticeship_id"),
]
ORGANISATION_ROWS = [
    (Organisation, "pk"),
    (Membership, "organisation_id"),
    (Invitation, "organisation_id"),
]
USER_COLUMNS = ("pk", "email", "full_name", "password", "is_active", "is_staff", "is_superuser")
OWN_APPRENTICESHIP, OWN_ORGANISATION = "the world's apprenticeship", "Acme Digital"


class Guard:
    """Fingerprints of other people's data, taken before a request, to compare after it: the
    apprenticeships, organisations and users other than the ones the request may change, and the
    standards. ``mutable`` names what the request may change (OWN_APPRENTICESHIP and
    OWN_ORGANISATION); the actor's own user row is always theirs."""

    def __init__(self, world, actor, mutable=()):
        others = world["others"]
        apprenticeships = {
            OWN_APPRENTICESHIP: world["apprenticeship"].pk,
            "the outsider's apprenticeship": others["outsider"].pk,
            "Globex's apprenticeship": others["globex"].pk,
        }
        organisations = {
            OWN_ORGANISATION: world["acme"].pk,
            "Globex": others["globex"].organisation_id,
        }
        kept = {name: pk for name, pk in apprenticeships.items() if name not in mutable}
        orgs = {name: pk for name, pk in organisations.items() if name not in mutable}
        whose = ", ".join([*kept, *orgs])
        self.tables = [
            (f"{model.__name__} of {whose}", model.objects.filter(**{f"{lookup}__in": pks}))
            for rows, pks in (
                (APPRENTICESHIP_ROWS, kept.values()),
                (ORGANISATION_ROWS, orgs.values()),
            )
            for model, lookup in rows
        ]
        actor_pk = actor.pk if actor else None
        self.tables += [
            ("the standards", Standard.objects.all()),
            ("the standards' KSBs", KSB.objects.all()),
            ("the standards' duties", Duty.objects.all()),
            ("the duties' KSBs", Duty.ksbs.through.objects.all()),
            ("other users", User.objects.exclude(pk=actor_pk).values_list(*USER_COLUMNS)),
            ("other users' addresses", EmailAddress.objects.exclude(user_id=actor_pk)),
        ]
        self.before = self._fingerprints()

    def _fingerprints(self):
        fingerprints = {}
        for name, queryset in self.tables:
            rows = queryset if queryset._fields else queryset.values_list()
            rows = repr(list(rows.order_by("pk"))).encode()
            fingerprints[name] = hashlib.sha256(rows).hexdigest()
        return fingerprints

    def changed(self):
        after = self._fingerprints()
        return [name for name, digest in self.before.items() if after[name] != digest]


OUTSIDERS = ["other_manager", "other_apprentice", "former_manager"]


def outsiders_let_in(world):
    """The outsiders of the walk who now have a role on the world's apprenticeship or at Acme
    (a change naming one of them as its mentor, say)."""
    apprenticeship = Apprenticeship.objects.get(pk=world["apprenticeship"].pk)
    return [
        walker
        for walker in OUTSIDERS
        if role_of(user := User.objects.get(pk=world["users"][walker].pk), apprenticeship)
        or role_on_organisation(user, world["acme"])
    ]


# --- users, URLs and forms --------------------------------------------------------------------

PREFERENCE = ["manager", "mentor", "apprentice", "superuser"]


def _role(need, walker):
    on_apprenticeship, at_acme, _ = USERS[walker]
    return on_apprenticeship if need.scope == APP else at_acme


def viewer(name):
    """Who may GET the URL ``name``; None for a POST-only one."""
    _, need = URLS[name]
    if isinstance(need, Public):
        return "anonymous"
    if isinstance(need, Staff):
        return "superuser"
    if isinstance(need, LoggedIn):
        return "manager"
    if need.post_only:
        return None
    return next(w for w in PREFERENCE if (role := _role(need, w)) and may(role, need.action))


def posters(name):
    """(who may POST to ``name``, [who may not])."""
    _, need = URLS[name]
    if name == "accounts:invitation-accept":
        return "invitee", ["other_manager"]
    if isinstance(need, Public):
        return "anonymous", []
    if isinstance(need, LoggedIn):
        return "manager", ["anonymous"]
    action = need.post_action or need.action
    allowed = next(w for w in PREFERENCE if (role := _role(need, w)) and may(role, action))
    refused = [w for w in PREFERENCE if (role := _role(need, w)) and not may(role, action)][:1]
    return allowed, [*refused, "other_manager"]


class Clients:
    """A logged-in test client per walker, logged in before any example (whose transaction,
    rolled back, would take the session with it)."""

    def __init__(self, world):
        self.clients = {"anonymous": Client()}
        for walker, user in world["users"].items():
            self.clients[walker] = Client()
            self.clients[walker].force_login(user)

    def __call__(self, walker):
        return self.clients[walker]


@dataclass
class Field:
    kind: str
    multiple: bool = False
    button: bool = False
    options: list = field(default_factory=list)
    initial: list = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: dict = field(default_factory=dict)


INPUT_KINDS = {"date": "date", "number": "number", "email": "email", "file": "file"}
CHOICES = ("checkbox", "radio", "submit", "select", "button")


class FormParser(HTMLParser):
    """The forms of a page, field by field, and the query strings of its links."""

    def __init__(self):
        super().__init__()
        self.forms, self.links = [], []
        self.form = self.select = self.textarea = None

    def _field(self, name, kind, multiple=False):
        return self.form.fields.setdefault(name, Field(kind, multiple))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "?" in (attrs.get("href") or ""):
            self.links.append(attrs["href"])
        if tag == "form":
            self.form = Form(
                action=attrs.get("action") or "",
                method=(attrs.get("method") or "get").lower(),
                multipart=attrs.get("enctype") == "multipart/form-data",
            )
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = attrs.get("name")
        if tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            self.select.options.append(value)
            if "selected" in attrs:
                self.select.initial.append(value)
        elif tag == "select" and name:
            self.select = self._field(name, "choice", "multiple" in attrs)
        elif tag == "textarea" and name:
            self.textarea = self._field(name, "text")
            self.textarea.initial = [""]
        elif tag in ("input", "button") and name and name != "csrfmiddlewaretoken":
            kind = attrs.get("type", "text" if tag == "input" else "submit")
            value = attrs.get("value", "")
            if kind in CHOICES:
                found = self._field(name, "choice", kind == "checkbox")
                found.button = kind in ("submit", "button")
                found.options.append(value)
                if "checked" in attrs:
                    found.initial.append(value)
            else:
                self._field(name, INPUT_KINDS.get(kind, "text")).initial = [value]

    def handle_data(self, data):
        if self.textarea is not None:
            text = self.textarea.initial[0] + data
            self.textarea.initial = [text.removeprefix("\n")]

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def parse(response):
    parser = FormParser()
    if response is not None and "html" in response.get("Content-Type", ""):
        parser.feed(response.content.decode())
    return parser


def url_of(name, world):
    kwargs, _ = URLS[name]
    return reverse(name, kwargs=kwargs(world))


def baseline(name, world, form):
    """A valid submission of the form: what the page fills in (no file, no button), the walk's
    data for what it leaves empty. A field the walk sends that the page does not render (a
    POST-only URL's) joins the form."""
    data = {}
    for field_name, found in form.fields.items():
        if found.kind == "file" or found.button:
            continue
        values = [value for value in found.initial if value]
        if not values and found.options and not found.multiple:
            values = found.options[:1]
        if values:
            data[field_name] = values if found.multiple else values[0]
    post = getattr(URLS[name][1], "post", None)
    post = post(world) if callable(post) else post or {}
    for key, value in post.items():
        if hasattr(value, "read"):  # an uploaded file the walk sends (a bulk enrolment's CSV)
            value.seek(0)
            data[key] = Upload(value.name, value.read(), value.content_type)
            continue
        if not data.get(key):
            data[key] = str(value)
        form.fields.setdefault(key, Field("text", options=[str(value)]))
    return data


# Pages that show a form posting to another URL (a POST-only one, say).
PARENTS = [
    ("progress:apprenticeship-home", "apprenticeship"),
    ("progress:gateway", "apprenticeship"),
    ("skillscan:scan-history", "apprenticeship"),
    ("tracker:evidence-detail", "submitted_evidence"),
    ("tracker:evidence-detail", "evidence"),
    ("tracker:progress-review-detail", "review"),
    ("accounts:organisation-detail", "acme"),
]


def rendered_form(name, world, clients, walker):
    """The form ``walker`` is shown for POSTing to ``name``: on its own page, else on a page
    that links to it; None when no page shows it to them."""
    path = url_of(name, world)
    need = URLS[name][1]
    if not (isinstance(need, On) and need.post_only):
        for form in parse(clients(walker).get(path)).forms:
            if form.method == "post" and form.action in ("", path):
                return form
    if not isinstance(need, On):
        return None
    for parent, key in PARENTS:
        page = reverse(parent, kwargs={"pk": world[key].pk})
        for form in parse(clients(walker).get(page)).forms:
            if form.method == "post" and form.action == path:
                return form
    return Form(action=path, method="post", multipart=False)


# --- the tests ----------------------------------------------------------------------------------


@pytest.fixture
def quiet():
    """The 403s and 404s of thousands of requests are not worth logging."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def _links(page, path):
    """The query strings of the page's links to itself: valid filters and sorts to build on."""
    queries = set()
    for link in page.links:
        parts = urlsplit(link)
        if parts.path in ("", path) and parts.query:
            queries.add(parts.query)
    return sorted(queries)


def _guard_gets(findings, guard, name, walker, path):
    for changed in guard.changed():
        findings.changed(Request("GET", name, walker, path, "any"), changed)
        guard.before = guard._fingerprints()


# The views that read request.GET (grep): the dashboard and its CSV, the evidence list, the
# queues and the scan history (pagination), the standards' list; the admin's lists (search,
# filters, ordering) and allauth's pages (next, email).
READS_QUERY = {
    "progress:dashboard",
    "progress:dashboard-csv",
    "progress:caseload",
    "progress:caseload-csv",
    "progress:evidence-queue",
    "tracker:evidence-list",
    "skillscan:scan-history",
    "skillscan:validation-queue",
    "standards:standard-list",
    "admin:standards_standard_changelist",
    "admin:accounts_apprenticeship_changelist",
    "admin:accounts_user_changelist",
    "account_login",
    "account_signup",
}
QUERY_SWEEP = ["\x00", str(2**63), LONG, b"\xff\xfe"]


def test_no_query_string_breaks_a_page(fuzz_world, quiet):
    """GET every page with each query parameter it reads (and some it does not) set to
    boundary values, on top of the page's own filter and sort links."""
    world, findings = fuzz_world, Findings()
    clients = Clients(world)
    values = pools(world["foreign_ids"])["param"]
    guard = Guard(world, None)
    for name in sorted(URLS):
        walker = viewer(name)
        if walker is None:
            continue
        path = url_of(name, world)
        page = parse(clients(walker).get(path))
        links = _links(page, path)
        read = {n for form in page.forms if form.method == "get" for n in form.fields}
        read |= {key for query in links for key, _ in parse_qsl(query)}
        if name in READS_QUERY:
            read |= {"page"}
        names = sorted(set(PARAMS) | read)

        def check(query, name=name, walker=walker, path=path):
            base, param, value = query
            query = "&".join(part for part in (base, urlencode({param: value}, doseq=True)) if part)
            with example(keep=True):
                attempt(
                    findings,
                    clients(walker),
                    Request("GET", name, walker, f"{path}?{query}", param, value),
                )

        strategy = st.tuples(
            st.sampled_from(["", *links]),
            st.sampled_from(names),
            st.one_of(values, st.lists(values, min_size=2, max_size=3)),
        )
        # The admin's lists are Django's and slow: fewer of the same values there.
        sweep = QUERY_SWEEP[:3] if name.startswith("admin:") else QUERY_SWEEP
        explicit = [("", param, value) for param in sorted(read) for value in sweep]
        fuzz(4 if read else 1, strategy, check, explicit)
        _guard_gets(findings, guard, name, walker, path)
    findings.assert_none()


# --- path segments ------------------------------------------------------------------------------

INT_SEGMENTS = ["0", "-1", str(2**63 - 1), str(2**63), str(10**30)]
STR_SEGMENTS = [
    "%00",
    "ST0825%00",
    quote(LONG),
    "9" * 5000,
    quote(BIDI),
    quote("İı😀"),
    quote("\u0661.\u0660"),
    ".",
    "..",
    "%2e%2e",
    "%2F",
    "%ff",
    "%c0%80",
    "%20",
    "1..0",
    quote("' OR 1=1 --"),
]
# What a path's first segment is, and the world's other people's objects of that kind.
FOREIGN = {
    "apprenticeships": ["globex"],
    "evidence": ["globex_evidence", "outsider_evidence"],
    "scans": ["globex_scan"],
    "reviews": ["globex_review"],
    "invitations": ["globex_invitation"],
}


def _paths(name, world, key, segments):
    """The URL ``name`` of the world with its ``key`` segment replaced by each of
    ``segments`` (raw: already percent-encoded as wanted)."""
    kwargs = URLS[name][0](world)
    parts = reverse(name, kwargs=kwargs).split("/")
    # The segment is where the path changes when only this argument does (another argument
    # may have the same value: comparing version 1.0 with 1.0).
    other = kwargs[key] + (987654321 if isinstance(kwargs[key], int) else "0")
    moved = reverse(name, kwargs={**kwargs, key: other}).split("/")
    position = next(i for i, (a, b) in enumerate(zip(parts, moved, strict=True)) if a != b)
    return ["/".join([*parts[:position], segment, *parts[position + 1 :]]) for segment in segments]


def _foreign(name, world, key):
    first = url_of(name, world).strip("/").split("/")[0]
    if key != "pk":
        return []
    if first == "organisations":
        return [str(world["others"]["globex"].organisation_id)]
    return [str(world["others"][other].pk) for other in FOREIGN.get(first, [])]


def test_no_path_segment_breaks_a_page(fuzz_world, quiet):
    """Every id of every URL as 0, -1, beyond 64 bits and as other people's objects; every
    string segment (a standard's reference and version, a token, a section) with NUL bytes,
    invalid UTF-8, dots, bidi and 100,000 characters. GET and POST, as someone who may."""
    world, findings = fuzz_world, Findings()
    clients = Clients(world)
    guards = {}

    def guard_of(walker):
        if walker not in guards:
            guards[walker] = Guard(world, world["users"].get(walker))
        return guards[walker]

    for name in sorted(URLS):
        kwargs, need = URLS[name]
        walker = viewer(name)
        post = getattr(need, "post", None) is not None or name == "accounts:invitation-accept"
        poster = posters(name)[0] if post else None
        data = baseline(name, world, Form("", "post", False)) if post else {}
        for key, value in kwargs(world).items():
            segments = INT_SEGMENTS if isinstance(value, int) else STR_SEGMENTS
            segments = [*segments, *_foreign(name, world, key)]

            def check(segment, name=name, key=key, walker=walker, poster=poster, data=data):
                path = _paths(name, world, key, [segment])[0]
                if walker:
                    request = Request("GET", name, walker, path, key, segment)
                    with example(keep=True):
                        attempt(findings, clients(walker), request)
                if poster:
                    guard = guard_of(poster)
                    request = Request("POST", name, poster, path, key, segment)
                    with example():
                        if attempt(findings, clients(poster), request, data):
                            for changed in guard.changed():
                                findings.changed(request, changed)

            generated = (
                st.integers(min_value=0).map(str)
                if isinstance(value, int)
                else generated_text.map(lambda text: quote(text, safe=""))
            )
            fuzz(1, generated, check, segments)
        if walker:
            _guard_gets(findings, guard_of(walker), name, walker, "(every path)")
    findings.assert_none()


# --- forms -------------------------------------------------------------------------------------

# Each field of each form gets these first (one field of each family such as score_1,
# score_2, ...), then Hypothesis's draws: off the calendar, then far but plausible.
FORM_SWEEP = {
    "date": ["0001-01-01", "9999-12-31", "0000-00-00", "2000-01-01", "2100-12-31"],
    "number": [str(2**63), "1e309", "NaN", "-1", "0", "100000"],
    "choice": [str(2**63), "-1", "\x00"],
    "text": ["\x00", LONG, BIDI],
    "email": ["\x00", "x" * 300 + "@example.com", "globex@example.com"],
    "file": [UPLOADS[2], UPLOADS[3], UPLOADS[-1]],
}
# Fields sent to a form that has none.
EXTRA_FIELDS = ["pk", "apprenticeship", "next"]
# The pages that compute with a change's dates and numbers, opened after an accepted change by
# the one who made it; the apprentice's own are opened as them too.
AFTER = [
    "progress:apprenticeship-home",
    "progress:dashboard",
    "progress:dashboard-csv",
    "tracker:hours",
    "progress:gateway",
    "tracker:progress-review-list",
    "progress:portfolio",
    "progress:portfolio-csv",
    "accounts:organisation-detail",
    "progress:evidence-queue",
]
AS_THE_APPRENTICE = ["progress:apprenticeship-home", "tracker:hours", "progress:portfolio"]
AFTER_EACH_FIELD = 2  # accepted changes of one date or number followed to the pages above


def forms(world, clients):
    """(URL name, who may POST, who may not, the form) for every form of the app."""
    found = []
    for name in sorted(URLS):
        need = URLS[name][1]
        if isinstance(need, Staff) or (isinstance(need, On) and need.post is None):
            continue
        allowed, refused = posters(name)
        form = rendered_form(name, world, clients, allowed)
        if form is not None:
            found.append((name, allowed, refused, form))
    return found


def mutations(form, base, values):
    """(a strategy of (the fields changed, the data sent), explicit examples): one or two
    fields of the valid submission replaced by drawn values; a form without fields is sent
    fields it does not expect."""
    fields = form.fields or {name: Field("choice") for name in EXTRA_FIELDS}
    names = sorted(fields)

    @st.composite
    def mutation(draw):
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
        data = dict(base)
        for name in chosen:
            value = draw(values[fields[name].kind])
            if fields[name].multiple and draw(st.booleans()):
                value = [*fields[name].options[:1], value]
            data[name] = value
        return tuple(chosen), data

    families = {re.sub(r"\d+", "#", name): name for name in reversed(names)}
    explicit = [
        ((name,), {**base, name: value})
        for name in sorted(families.values())
        for value in FORM_SWEEP[fields[name].kind][: None if form.fields else 1]
    ]
    # Every date of the form far away at once, in the page's order (a start before its end).
    dates = tuple(name for name, found in fields.items() if found.kind == "date")
    if len(dates) > 1:
        for far in (
            [f"9999-12-{31 - len(dates) + 1 + i:02d}" for i in range(len(dates))],
            [f"0001-01-{1 + i:02d}" for i in range(len(dates))],
        ):
            explicit.append((dates, {**base, **dict(zip(dates, far, strict=True))}))
    return mutation(), explicit


def _mutable(name):
    need = URLS[name][1]
    if name == "accounts:invitation-accept":
        return {OWN_ORGANISATION}
    if isinstance(need, On):
        return {OWN_APPRENTICESHIP if need.scope == APP else OWN_ORGANISATION}
    return set()


def _succeeded(response):
    return 300 <= response.status_code < 400 and "/accounts/login/" not in response.url


def test_no_form_breaks_for_those_who_may_use_it(fuzz_world, quiet):
    """POST every form, as someone who may, with one or two fields at a time set to boundary
    values: no 500; an accepted change leaves everybody else's data alone, and after one of a
    date or a number the pages it shows up on still open."""
    world, findings = fuzz_world, Findings()
    clients = Clients(world)
    values = pools(world["foreign_ids"])
    after = [url_of(page, world) for page in AFTER]
    as_the_apprentice = [url_of(page, world) for page in AS_THE_APPRENTICE]
    followed = {}
    for name, walker, _, form in forms(world, clients):
        path = url_of(name, world)
        base = baseline(name, world, form)
        guard = Guard(world, world["users"].get(walker), _mutable(name))
        readers = {walker: after} if walker != "anonymous" else {}
        if walker != "apprentice":
            readers["apprentice"] = as_the_apprentice
        if isinstance(URLS[name][1], On):
            with example():
                response = send(clients(walker), "POST", path, base, form.multipart)
            assert _succeeded(response), (
                f"the fuzz's valid submission of {name} as {walker} was refused "
                f"({response.status_code}), so only its validation would be fuzzed: {base}"
            )

        def check(
            mutation, name=name, walker=walker, path=path, form=form, guard=guard, readers=readers
        ):
            chosen, data = mutation
            value = data[chosen[0]] if len(chosen) == 1 else {key: data[key] for key in chosen}
            request = Request("POST", name, walker, path, ",".join(chosen), value)
            with example():
                response = attempt(findings, clients(walker), request, data, form.multipart)
                if response is None or not _succeeded(response):
                    return
                for changed in guard.changed():
                    findings.changed(request, changed)
                for outsider in outsiders_let_in(world):
                    findings.changed(request, f"{outsider} now has a role at Acme")
                # Each date's and number's first accepted changes, any other's first one.
                kinds = {form.fields[key].kind for key in chosen if key in form.fields}
                dated = bool(kinds & {"date", "number"})
                times = followed.get(seen := (name, chosen if dated else "any"), 0)
                if times >= (AFTER_EACH_FIELD if dated else 1):
                    return
                followed[seen] = times + 1
                for reader, pages in readers.items():
                    for page in [response.url, *pages] if reader == walker else pages:
                        view = resolve(urlsplit(page).path).view_name
                        request = Request("GET", view, reader, page, ",".join(chosen), value, name)
                        attempt(findings, clients(reader), request)

        strategy, explicit = mutations(form, base, values)
        fuzz(4, strategy, check, explicit)
    findings.assert_none()


def test_no_form_lets_those_who_may_not_change_anything(fuzz_world, quiet):
    """POST every form as someone of the organisation whose role may not, and as a manager of
    another organisation: neither the valid submission nor drawn ones change anybody's data."""
    world, findings = fuzz_world, Findings()
    clients = Clients(world)
    values = pools(world["foreign_ids"])
    for name, _, refused, form in forms(world, clients):
        path = url_of(name, world)
        base = baseline(name, world, form)
        strategy, _ = mutations(form, base, values)
        for walker in refused:
            guard = Guard(world, world["users"].get(walker))

            def check(mutation, name=name, walker=walker, path=path, form=form, guard=guard):
                chosen, data = mutation
                request = Request("POST", name, walker, path, ",".join(chosen), data)
                with example():
                    if attempt(findings, clients(walker), request, data, form.multipart):
                        for changed in guard.changed():
                            findings.changed(request, changed)

            fuzz(1, strategy, check, [((), base)])
    findings.assert_none()
