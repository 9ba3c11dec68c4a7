import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.urls import reverse
from psycopg import sql

from accounts.models import Apprenticeship
from demo import loadgen
from demo.epa import ASSESSOR, AT_GATEWAY
from progress.dashboard import DEFAULT_SORT, SORTS
from skillscan.models import SkillScan
from tracker.models import Evidence

from .seed_demo import DEMO_PASSWORD

HOST = "127.0.0.1"
APPRENTICE = "apprentice@example.com"
MANAGER = "manager@example.com"
MENTOR = "mentor@example.com"
# Goal: no page costs more than three login pages; the public standard page no more than one.
GOAL = 3.0
STANDARD_GOAL = 1.0
STANDARD_PAGE = "standard page"
LOGIN_AGAIN = "login page, again"
# How far the login page's two measurements may differ before the run says the machine's
# speed changed under it.
DRIFT = 0.2
# Dashboard sorts asked for in the order a manager would click them (evidence: most first).
DESCENDING_SORTS = {"evidence"}


class Command(BaseCommand):
    help = (
        "Load benchmark under the production server shape: recreate this PostgreSQL database "
        "(DATABASE_URL), migrate it and seed the demo data with N more apprentices, start "
        "gunicorn with production settings on 127.0.0.1, log in through the login form and "
        "drive each main page with concurrent keep-alive connections for a fixed time. Prints "
        "req/s, p50 and p99 ms, non-200 answers, size and the cost in login pages of each page; "
        "fails when any page answered anything but 200. `make bench-load` runs it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apprentices", type=int, default=10_000, metavar="N")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="keep the database when it already holds the demo data with N apprentices",
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
        parser.add_argument("--connections", type=int, default=10, help="concurrent connections")
        parser.add_argument("--duration", type=float, default=10.0, help="seconds per page")
        parser.add_argument(
            "--max-requests", type=int, default=20_000, help="at most this many requests per page"
        )
        parser.add_argument("--port", type=int, default=8810)

    def handle(self, *args, apprentices, reuse, workers, connections, duration, **options):
        if apprentices < 0 or workers < 1 or connections < 1 or duration <= 0:
            raise CommandError("--apprentices must be 0 or more; workers, connections, duration 1+")
        params = _database_params()
        env = _production_env()
        if reuse and _holds_demo_data(params, apprentices):
            seeded = "reused"
            self.stdout.write(f"Reusing {params['dbname']}: it holds the data set already.")
            _manage(env, "migrate", "--noinput")
        else:
            self.stdout.write(f"Recreating {params['dbname']} and seeding {apprentices:,} ...")
            _recreate(params)
            started = time.perf_counter()
            _manage(env, "migrate", "--noinput")
            migrated = time.perf_counter()
            _manage(env, "seed_demo", "--apprentices", str(apprentices), "--force")
            done = time.perf_counter()
            seeded = f"migrated in {migrated - started:.1f} s, seeded in {done - migrated:.1f} s"
        _analyze(params)
        _manage(env, "collectstatic", "--noinput")
        pages = _pages()
        self._header(seeded, workers, connections, duration, options["max_requests"])
        signal.signal(signal.SIGTERM, _exit_on_term)
        try:
            with _Gunicorn(env, options["port"], workers) as server:
                # Inside, so that a failed page keeps gunicorn's log (its tracebacks) for reading.
                self._verdict(self._measure(server.port, pages, connections, duration, options))
        except KeyboardInterrupt:
            raise CommandError("Interrupted; gunicorn is stopped.", returncode=130) from None

    def _header(self, seeded, workers, connections, duration, max_requests):
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            (pg_version,) = cursor.fetchone()
        self.stdout.write(
            f"bench-load {datetime.now():%Y-%m-%d %H:%M}; machine: {len(os.sched_getaffinity(0))} "
            f"CPUs (nproc), {_cpu_model()}, PostgreSQL {pg_version}; load average "
            f"{os.getloadavg()[0]:.2f} (other work on the machine slows every page)\n"
            f"{Apprenticeship.objects.count():,} apprenticeships ({seeded}); gunicorn "
            f"{workers} sync workers; {connections} connections, {duration:g} s per page "
            f"(at most {max_requests:,} requests)"
        )

    def _measure(self, port, pages, connections, duration, options):
        """Each page under load, the login page first and again last; every page's cost is
        counted in login pages at the mean of those two, so a machine that speeds up or slows
        down during the run moves the yardstick with it."""
        cookies = {None: None}
        measured = []
        for name, email, path in [*pages, (LOGIN_AGAIN, None, pages[0][2])]:
            if email not in cookies:
                cookies[email] = loadgen.login(HOST, port, email, DEMO_PASSWORD)
            load = {"cookies": cookies[email], "connections": connections}
            # Warm up each worker on this page (its templates, queries and connection).
            loadgen.run(HOST, port, path, duration=duration, max_requests=2 * connections, **load)
            result = loadgen.run(
                HOST, port, path, duration=duration, max_requests=options["max_requests"], **load
            )
            measured.append((name, result))
            self.stderr.write(f"  {name}: {result.per_second:.1f} req/s")
        first, last = measured[0][1].per_second, measured[-1][1].per_second
        login_rate = (first + last) / 2
        self.stdout.write(
            f"{'page':<28}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'non-200':>9}{'KB':>8}"
            f"{'x login':>9}"
        )
        results = []
        for name, result in measured:
            ratio = login_rate / result.per_second if result.per_second else float("inf")
            results.append((name, result, ratio))
            flag = "  <- not 200" if result.failures else ""
            self.stdout.write(
                f"{name:<28}{result.per_second:>8.1f}{result.percentile(50):>9.1f}"
                f"{result.percentile(99):>9.1f}{result.failures:>9}{result.mean_kb:>8.1f}"
                f"{ratio:>9.2f}{flag}"
            )
        self.stdout.write(
            f"x login: against {login_rate:.1f} req/s, the mean of the login page first and last"
        )
        if abs(first - last) > DRIFT * max(first, last):
            self.stdout.write(
                f"The login page changed from {first:.1f} to {last:.1f} req/s during the run: "
                "the machine's speed changed; compare with a second run."
            )
        return results

    def _verdict(self, results):
        missed = [
            f"{name} ({ratio:.2f})"
            for name, _, ratio in results
            if ratio > (STANDARD_GOAL if name == STANDARD_PAGE else GOAL)
        ]
        goal = f"Goal: x login <= {GOAL} for every page, <= {STANDARD_GOAL} for the standard page"
        self.stdout.write(
            f"{goal}: missed by {', '.join(missed)}." if missed else f"{goal}: met by every page."
        )
        failed = [
            f"{name} ({result.failures} of {result.count}: {_statuses(result)})"
            for name, result, _ in results
            if result.failures
        ]
        if failed:
            raise CommandError(f"Pages that answered other than 200: {', '.join(failed)}")


def _pages():
    """(name, who logs in, path) for every page measured; the login page comes first."""
    home = Apprenticeship.objects.get(apprentice__email=APPRENTICE)
    initial = SkillScan.objects.get(apprenticeship=home, stage=SkillScan.Stage.INITIAL)
    evidence = Evidence.objects.filter(apprenticeship=home).order_by("pk").first()
    if evidence is None:
        raise CommandError(f"{APPRENTICE} has no evidence: is this the demo data set?")
    own = {"pk": home.pk}
    at_gateway = {"pk": Apprenticeship.objects.get(apprentice__email=AT_GATEWAY).pk}
    dashboard = reverse("progress:dashboard")
    sorts = [
        f"-{key}" if key in DESCENDING_SORTS else key
        for key in SORTS
        if key not in {"coverage", DEFAULT_SORT.removeprefix("-")}
    ]
    return [
        ("login page", None, reverse("account_login")),
        (
            STANDARD_PAGE,
            None,
            reverse("standards:standard-detail", kwargs={"reference": "ST0825", "version": "1.0"}),
        ),
        ("apprentice home", APPRENTICE, reverse("progress:apprenticeship-home", kwargs=own)),
        ("scan history", APPRENTICE, reverse("skillscan:scan-history", kwargs=own)),
        ("scan results", APPRENTICE, reverse("skillscan:scan-results", kwargs={"pk": initial.pk})),
        ("evidence list", APPRENTICE, reverse("tracker:evidence-list", kwargs=own)),
        (
            "evidence detail",
            APPRENTICE,
            reverse("tracker:evidence-detail", kwargs={"pk": evidence.pk}),
        ),
        ("duties", APPRENTICE, reverse("tracker:duty-list", kwargs=own)),
        ("duty 1", APPRENTICE, reverse("tracker:duty-detail", kwargs={**own, "number": 1})),
        ("hours", APPRENTICE, reverse("tracker:hours", kwargs=own)),
        ("training plan", APPRENTICE, reverse("tracker:plan", kwargs=own)),
        ("apprenticeship overview", MANAGER, reverse("progress:apprenticeship-home", kwargs=own)),
        ("portfolio", MANAGER, reverse("progress:portfolio", kwargs=own)),
        ("assessor's portfolio", ASSESSOR, reverse("progress:portfolio", kwargs=at_gateway)),
        ("evidence queue", MANAGER, reverse("progress:evidence-queue")),
        ("validation queue", MANAGER, reverse("skillscan:validation-queue")),
        ("dashboard", MANAGER, dashboard),
        ("dashboard coverage p3", MANAGER, f"{dashboard}?sort=coverage&page=3"),
        *((f"dashboard by {sort}", MANAGER, f"{dashboard}?sort={sort}") for sort in sorts),
        ("dashboard attention", MANAGER, f"{dashboard}?attention=1"),
        ("dashboard ready", MANAGER, f"{dashboard}?ready=1"),
        ("dashboard active", MANAGER, f"{dashboard}?status=active"),
        ("mentor dashboard", MENTOR, dashboard),
    ]


def _statuses(result):
    return ", ".join(
        f"{'no answer' if status is None else status} x{n}"
        for status, n in sorted(result.statuses.items(), key=lambda item: str(item[0]))
    )


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return "CPU model unknown"


def _exit_on_term(signum, frame):
    raise SystemExit(128 + signum)


def _database_params():
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError("bench_load needs PostgreSQL: set DATABASE_URL=postgres://...")
    if not database["NAME"].startswith("bench"):
        # It drops and recreates the database: never one that could hold real data.
        raise CommandError(f"Refusing to recreate {database['NAME']}: its name must start bench.")
    given = {
        "host": database["HOST"],
        "port": database["PORT"],
        "user": database["USER"],
        "password": database["PASSWORD"],
        "dbname": database["NAME"],
    }
    return {key: value for key, value in given.items() if value}


def _holds_demo_data(params, apprentices):
    """Whether the database holds the demo data set with exactly ``apprentices`` more."""
    last = f"apprentice{apprentices + 3}@example.com" if apprentices else APPRENTICE
    beyond = f"apprentice{apprentices + 4}@example.com"
    try:
        with psycopg.connect(**params) as conn:
            rows = conn.execute(
                "SELECT email FROM accounts_user WHERE email IN (%s, %s, %s)",
                [APPRENTICE, last, beyond],
            ).fetchall()
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return False
    found = {email for (email,) in rows}
    return {APPRENTICE, last} <= found and beyond not in found


def _recreate(params):
    maintenance = {**params, "dbname": "postgres"}
    name = sql.Identifier(params["dbname"])
    with psycopg.connect(**maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def _analyze(params):
    """Give the planner its statistics, as autovacuum would have on a database in use: right
    after a bulk load it has none, and guesses plans (a 46 ms scan list instead of 1 ms)."""
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _production_env():
    """The environment of a production start, less TLS: plain HTTP on the loopback."""
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        CONN_MAX_AGE="600",
    )
    env.setdefault("LOG_LEVEL", "WARNING")
    return env


def _manage(env, *args):
    finished = subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *args, "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode:
        raise CommandError(f"manage.py {' '.join(args)} failed:\n{finished.stderr[-3000:]}")


class _Gunicorn:
    """gunicorn serving the app on 127.0.0.1:port, stopped on leaving (also on Ctrl+C)."""

    def __init__(self, env, port, workers):
        self.env, self.port, self.workers = env, port, workers

    def __enter__(self):
        with socket.socket() as probe:
            if probe.connect_ex((HOST, self.port)) == 0:
                raise CommandError(f"Something already answers on {HOST}:{self.port}.")
        self.log = tempfile.NamedTemporaryFile(
            prefix="bench-load-gunicorn-", suffix=".log", delete=False
        )
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        command += ["--bind", f"{HOST}:{self.port}", "--workers", str(self.workers)]
        command += ["--worker-class", "sync", "--graceful-timeout", "5"]
        # No control socket: its one path in $HOME would be shared by every gunicorn running.
        command += ["--no-control-socket"]
        # Its own session: Ctrl+C reaches this command, which then stops gunicorn itself.
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_until_it_answers()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_it_answers(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(f"gunicorn stopped:\n{self._log_tail()}")
            try:
                status, _, _ = loadgen.fetch(HOST, self.port, reverse("account_login"), timeout=5)
            except OSError:
                time.sleep(0.2)
                continue
            if status == 200:
                return
            raise CommandError(f"gunicorn answered {status}:\n{self._log_tail()}")
        raise CommandError(f"gunicorn did not answer in {timeout} s:\n{self._log_tail()}")

    def _log_tail(self):
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def __exit__(self, exc_type, exc, traceback):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        if exc_type is not None and issubclass(exc_type, Exception):
            sys.stderr.write(f"gunicorn's log: {self.log.name}\n")
        else:  # a clean run, or an interrupted one
            Path(self.log.name).unlink()
