"""The scale-out test (`make stack-test`; CI runs it last): the app as it runs in production, on
the loopback, checked where more than one machine makes a difference.

It starts what is down of PostgreSQL and Redis (and leaves both running), recreates the database
stack_test with a small demo data set, and starts an S3 stand-in (moto's server), an SMTP
stand-in that counts what it accepts, the Procfile's web command twice (instances A and B),
nginx as a round-robin balancer over them, and the Procfile's worker and beat. Then it checks
the seven points of tests/stack/README.md, prints PASS or FAIL with figures for each and the
figures of the load phases, stops everything it started, and exits 1 when a check failed.
"""

import argparse
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
import traceback
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.stack import checks, load, services  # noqa: E402
from tests.stack.services import HOST, Process, StackError, read_procfile  # noqa: E402

DATABASE = "stack_test"
BUCKET = "stack-test"
REDIS = "redis://127.0.0.1:6379"
CACHE_DB, BROKER_DB = 5, 6
# The whole run, seconds: past it the run stops, cleans up and fails.
TIME_LIMIT = 360


class Stack:
    """Every process of the run and what the checks need to reach them."""

    def __init__(self, folder, procfile):
        self.folder, self.database = Path(folder), DATABASE
        self.commands = read_procfile(Path(procfile).read_text())
        self.a, self.b, self.lb, self.s3, self.mail = (services.free_port() for _ in range(5))
        self.processes = []
        self.env = self._env()

    def _env(self):
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "STORAGE_", "EMAIL_"))
        }
        env.update(
            # The venv's commands first; nginx is in /usr/sbin, not on every user's PATH.
            PATH=os.pathsep.join([str(services.BIN), env.get("PATH", ""), "/usr/sbin"]),
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            SECURE_HSTS_SECONDS="0",
            DATABASE_URL=f"postgres://postgres@{HOST}:5432/{DATABASE}",
            CONN_MAX_AGE="600",
            REDIS_URL=f"{REDIS}/{CACHE_DB}",
            CELERY_BROKER_URL=f"{REDIS}/{BROKER_DB}",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST=HOST,
            EMAIL_PORT=str(self.mail),
            STORAGE_S3_BUCKET=BUCKET,
            STORAGE_S3_ENDPOINT_URL=f"http://{HOST}:{self.s3}",
            STORAGE_S3_REGION="us-east-1",
            STORAGE_S3_ACCESS_KEY_ID="stack-test",
            STORAGE_S3_SECRET_ACCESS_KEY="stack-test-secret",
            STORAGE_S3_ADDRESSING_STYLE="path",
            MEDIA_ROOT=str(self.folder / "media"),
            WEB_CONCURRENCY="2",
            LOG_LEVEL="WARNING",
        )
        return env

    def process(self, name, command, shell=True, **env):
        process = Process(name, command, env={**self.env, **env}, folder=self.folder, shell=shell)
        self.processes.append(process)
        return process.start()

    def manage(self, *args):
        services.run([sys.executable, "manage.py", *args, "-v0"], cwd=ROOT, env=self.env)

    def web(self, name, port):
        # The Procfile's command as it is, on the loopback only (config/gunicorn.py's BIND).
        return self.process(name, self.commands["web"], PORT=str(port), BIND=f"{HOST}:{port}")

    def wait_web(self, port, timeout=40):
        def login_page():
            try:
                return checks.Client().get(port, "/accounts/login/")[0] == 200
            except OSError:
                return False

        services.wait_for(login_page, timeout, f"nothing answered 200 on port {port}")

    def start(self):
        services.ensure_postgres()
        services.ensure_redis()
        for db in (CACHE_DB, BROKER_DB):
            services.run(["redis-cli", "-n", str(db), "flushdb"])
        services.recreate_database(DATABASE)
        self.manage("migrate", "--noinput")
        # The store first: the demo's signed review keeps its PDF there.
        self.process("s3", f"moto_server -H {HOST} -p {self.s3}")
        services.wait_for(lambda: services.answers(self.s3), 20, "moto_server did not answer")
        self._s3().create_bucket(Bucket=BUCKET)
        self.manage("seed_demo", "--force")
        self.manage("collectstatic", "--noinput")
        self.smtp = services.SMTPStandIn(self.mail).start()
        self.web_a, self.web_b = self.web("web-a", self.a), self.web("web-b", self.b)
        self.worker = self.process("worker", self.commands["worker"])
        self.process("beat", self.commands["beat"])
        balancer = services.nginx(self.folder, self.lb, (self.a, self.b), self.env)
        self.processes.append(balancer.start())
        for port in (self.a, self.b, self.lb):
            self.wait_web(port)

    def _s3(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.env["STORAGE_S3_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id=self.env["STORAGE_S3_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["STORAGE_S3_SECRET_ACCESS_KEY"],
        )

    def stored_objects(self):
        listed = self._s3().list_objects_v2(Bucket=BUCKET)
        return {item["Key"]: item["Size"] for item in listed.get("Contents", [])}

    @staticmethod
    def fetch_url(url):
        if not url.startswith(f"http://{HOST}:"):
            raise StackError(f"a download pointed away from the loopback: {url}")
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status, response.read()

    def stop(self):
        for process in reversed(self.processes):
            process.stop()
        if getattr(self, "smtp", None):
            self.smtp.stop()
        # Whatever happened, PostgreSQL and Redis are left running.
        services.ensure_postgres()
        services.ensure_redis()


def figures_table(figures):
    """The load phases' figures: requests and errors before, during and after each event."""
    lines = [
        f"\nUnder load ({load.CONNECTIONS} connections through nginx): requests / errors",
        f"{'event':<20}{'before':>14}{'during':>14}{'after':>14}{'200s again':>12}",
    ]
    for event, phases in figures.items():
        cells = [f"{phases[name][0]} / {phases[name][1]}" for name in ("before", "during", "after")]
        recovery = phases.get("recovery s")
        again = "-" if recovery is None else f"{recovery:.1f} s"
        lines.append(f"{event:<20}{cells[0]:>14}{cells[1]:>14}{cells[2]:>14}{again:>12}")
    return "\n".join(lines)


def check(results, number, name, function, *args):
    started = time.monotonic()
    try:
        ok, detail = function(*args)
    except Exception as exc:  # a check that breaks fails; the others still run
        ok, detail = False, f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    seconds = time.monotonic() - started
    results.append((number, name, bool(ok), detail))
    print(f"{'PASS' if ok else 'FAIL'} {number}. {name} ({seconds:.0f} s): {detail}", flush=True)


def _stop_on_signal(signum, frame):
    """SIGTERM (or the run's time limit) ends the run through the clean-up in main()."""
    raise SystemExit(128 + signum)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procfile", default=str(ROOT / "Procfile"))
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="stack-test-")
    stack, results, figures = Stack(folder, options.procfile), [], {}
    began = time.monotonic()
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGALRM, _stop_on_signal)
    signal.alarm(TIME_LIMIT)
    try:
        print("Starting PostgreSQL, Redis, S3 and SMTP stand-ins, A, B, nginx, worker, beat ...")
        stack.start()
        print(
            f"Started in {time.monotonic() - began:.0f} s: A on {stack.a}, B on {stack.b}, "
            f"nginx on {stack.lb}",
            flush=True,
        )
        check(results, 1, "session made on A is valid on B", checks.session_shared, stack)
        check(results, 2, "file up through A, down through B", checks.file_shared, stack)
        mail = checks.InvitationMail(stack)
        try:
            mail.start()
        except Exception:  # reported by verify
            traceback.print_exc()
            mail.created, mail.queued, mail.killed = getattr(mail, "created", None), "?", False
        check(results, 4, "login rate limit across A and B", checks.rate_limit_shared, stack)
        check(results, 5, "instance A killed under load", load.instance_killed, stack, figures)
        check(results, 3, "invitation e-mailed once, worker killed", mail.verify)
        check(
            results, 6, "PostgreSQL restarted under load", load.postgres_restarted, stack, figures
        )
        check(results, 7, "Redis restarted under load", load.redis_restarted, stack, figures)
    except (StackError, OSError) as exc:
        print(f"FAIL: the stack did not start: {exc}")
        for process in stack.processes:
            if not process.running:
                print(f"--- {process.name} stopped; its log:\n{process.tail()}")
        results.append((0, "stack started", False, str(exc)))
    finally:
        signal.alarm(0)
        stack.stop()
    failed = [r for r in results if not r[2]]
    print(figures_table(figures))
    if failed or options.keep_logs:
        where = f"the processes' logs are in {folder}"
    else:
        shutil.rmtree(folder, ignore_errors=True)
        where = "logs removed (--keep-logs keeps them)"
    print(
        f"{len(results) - len(failed)} of {len(results)} checks passed in "
        f"{time.monotonic() - began:.0f} s; {where}"
    )
    if failed:
        print("Failed: " + ", ".join(f"{n}. {name}" for n, name, _, _ in sorted(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
