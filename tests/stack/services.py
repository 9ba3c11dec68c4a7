"""The processes of the scale-out test: PostgreSQL and Redis (the machine's, started when down),
and the ones the test starts itself in their own process groups (the app's, nginx, the S3
stand-in), each logging to a file in the run's folder and stopped however the run ends."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
from psycopg import sql

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class StackError(Exception):
    pass


def read_procfile(text):
    """{process: command} of a Procfile's text; refuses lines that are not `name: command`."""
    processes = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, colon, command = line.partition(":")
        if not colon or not name.strip().isidentifier() or not command.strip():
            raise ValueError(f"Procfile line {number} is not 'name: command': {line!r}")
        if name in processes:
            raise ValueError(f"Procfile names {name!r} twice")
        processes[name.strip()] = command.strip()
    return processes


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def answers(port, timeout=0.5):
    with socket.socket() as probe:
        probe.settimeout(timeout)
        return probe.connect_ex((HOST, port)) == 0


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise StackError(f"{what} within {timeout} s")


def run(command, **kwargs):
    """A short command that must succeed; its output goes into the error when it does not."""
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode:
        raise StackError(f"{' '.join(map(str, command))} failed:\n{done.stderr[-2000:]}")
    return done.stdout


class Process:
    """One process of ours, in a process group of its own: stopping it stops its children too
    (gunicorn's and Celery's workers), and it never takes the test's own group with it."""

    def __init__(self, name, command, *, env, folder, shell=False):
        self.name, self.command, self.env, self.shell = name, command, env, shell
        self.log_path = Path(folder) / f"{name}.log"
        self.popen = None

    def start(self):
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            ["/bin/sh", "-c", f"exec {self.command}"] if self.shell else self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def kill(self):
        """SIGKILL to the whole group: the process and its workers die mid-work."""
        self._signal(signal.SIGKILL)
        self.popen.wait()

    def stop(self, timeout=10):
        if not self.running:
            self._signal(signal.SIGKILL)  # children left behind by a dead parent
            return
        self._signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.popen.wait()

    def _signal(self, signum):
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)

    def tail(self, chars=2500):
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def postgres_version():
    return sorted(os.listdir("/etc/postgresql"))[-1]


def ensure_postgres():
    # The machine's PostgreSQL and Redis tools, from PATH as .ci/run uses them.
    ready = subprocess.run(["pg_isready", "-h", HOST, "-p", "5432", "-q"], check=False)  # noqa: S607
    if ready.returncode:
        run(["pg_ctlcluster", "--skip-systemctl-redirect", postgres_version(), "main", "start"])
    wait_for(lambda: answers(5432), 30, "PostgreSQL did not answer")


def restart_postgres():
    run(["pg_ctlcluster", "--skip-systemctl-redirect", postgres_version(), "main", "restart"])


REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    HOST,
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
]


def ensure_redis():
    if not answers(6379):
        run(REDIS_START)
    wait_for(lambda: answers(6379), 15, "Redis did not answer")


def stop_redis():
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)  # noqa: S607
    wait_for(lambda: not answers(6379), 10, "Redis did not stop")


def start_redis():
    run(REDIS_START)
    wait_for(lambda: answers(6379), 15, "Redis did not come back")


def recreate_database(name):
    """Drop and create the test's database; its name must start with "stack"."""
    if not name.startswith("stack"):
        raise StackError(f"refusing to recreate {name}: its name must start with stack")
    with psycopg.connect(host=HOST, user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def query(database, statement, params=()):
    """The rows of one query (a connection of its own: PostgreSQL may have restarted)."""
    with psycopg.connect(host=HOST, user="postgres", dbname=database, connect_timeout=5) as conn:
        return conn.execute(statement, params).fetchall()


NGINX_CONFIG = """
{user}worker_processes 1;
pid {folder}/nginx.pid;
daemon off;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/nginx-body;
    proxy_temp_path {folder}/nginx-proxy;
    fastcgi_temp_path {folder}/nginx-fastcgi;
    uwsgi_temp_path {folder}/nginx-uwsgi;
    scgi_temp_path {folder}/nginx-scgi;
    client_max_body_size 12m;
    # Round robin; a server that refuses a connection is skipped for fail_timeout, and the
    # request goes to the next one (a POST too: it never reached the first).
    upstream app {{
{servers}
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://app;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 1s;
            proxy_read_timeout 30s;
        }}
    }}
}}
"""


def nginx(folder, port, upstreams, env):
    user = ""
    if os.geteuid() == 0:  # as root nginx's workers would switch to "nobody"; stay root here
        user = "user root;\n"
    servers = "\n".join(
        f"        server {HOST}:{p} max_fails=1 fail_timeout=3s;" for p in upstreams
    )
    config = Path(folder) / "nginx.conf"
    config.write_text(
        NGINX_CONFIG.format(user=user, folder=folder, servers=servers, host=HOST, port=port)
    )
    command = ["nginx", "-c", str(config), "-p", str(folder), "-e", f"{folder}/nginx-error.log"]
    return Process("nginx", command, env=env, folder=folder)


class SMTPStandIn:
    """An SMTP server in this process that counts the messages it accepted per recipient. The
    first message to ``slow_to`` is held for ``hold`` seconds before it is accepted (``arrived``
    is set meanwhile), so the test can kill the sender mid-delivery; a message whose sender
    hung up before the answer was not delivered (no 250 reached it) and is not counted."""

    def __init__(self, port, hold=3.0):
        from aiosmtpd.controller import Controller

        self.accepted, self.message_ids, self.aborted = {}, {}, 0
        self.slow_to, self.hold, self.arrived = None, hold, threading.Event()
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname=HOST, port=port)

    async def handle_DATA(self, server, session, envelope):
        import asyncio
        from email import message_from_bytes

        recipients = [address.lower() for address in envelope.rcpt_tos]
        if self.slow_to in recipients and not self.arrived.is_set():
            self.arrived.set()
            try:
                await asyncio.sleep(self.hold)
            except asyncio.CancelledError:  # the sender hung up: aiosmtpd cancels the handler
                with self.lock:
                    self.aborted += 1
                raise
        if server.transport is None or server.transport.is_closing():
            with self.lock:
                self.aborted += 1
            return "451 sender gone"
        message_id = message_from_bytes(envelope.content).get("Message-ID", "")
        with self.lock:
            for address in recipients:
                self.accepted[address] = self.accepted.get(address, 0) + 1
                self.message_ids.setdefault(address, set()).add(message_id)
        return "250 Message accepted for delivery"

    def count(self, address):
        with self.lock:
            return self.accepted.get(address, 0), len(self.message_ids.get(address, ()))

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()
