"""Checks 5 to 7 of the scale-out test: a bounded load through the balancer while instance A is
killed, PostgreSQL is restarted, Redis is restarted; every write the client saw acknowledged
must be in the database afterwards."""

import threading
import time

from tests.stack import services
from tests.stack.checks import APPRENTICE, apprenticeship_of, evidence_values
from tests.stack.client import Client

CONNECTIONS = 20
# One request in this many is a write (the evidence form, fetched then posted).
WRITE_EVERY = 4
# A request (or a write's two) taking this long is held up, not served normally.
SLOW = 2.0


class Load:
    """CONNECTIONS threads through the balancer as the apprentice: reading /profile/ and now and
    then creating evidence. Records each request's time and outcome, and each acknowledged
    write's id (the evidence the redirect names)."""

    def __init__(self, stack):
        self.stack = stack
        self.new_path = f"/apprenticeships/{apprenticeship_of(stack, APPRENTICE)}/evidence/new/"
        # (monotonic time it ended, ok, seconds it took) of each request; evidence ids.
        self.events, self.acknowledged = [], []
        self.stalled = {"read": 0, "write": 0}  # requests that took SLOW seconds or more
        self.lock, self.stop = threading.Lock(), threading.Event()

    def _worker(self, n):
        client = Client(self.stack.apprentice.cookies, timeout=10)
        port, turn = self.stack.lb, 0
        while not self.stop.is_set():
            turn += 1
            began = time.monotonic()
            try:
                if turn % WRITE_EVERY == 0:
                    status, location, _ = client.submit(
                        port,
                        self.new_path,
                        evidence_values(f"Load {n}.{turn}"),
                        needed=("title", "csrfmiddlewaretoken"),
                    )
                    ok = status == 302 and location.startswith("/evidence/")
                    if ok:
                        with self.lock:
                            self.acknowledged.append(int(location.strip("/").split("/")[1]))
                else:
                    status, _, _ = client.get(port, "/profile/")
                    ok = status == 200
            except (OSError, ValueError, services.StackError, Exception):
                ok = False
            with self.lock:
                ended = time.monotonic()
                self.events.append((ended, ok, ended - began))
                if ended - began >= SLOW:
                    self.stalled["write" if turn % WRITE_EVERY == 0 else "read"] += 1
            if not ok:
                time.sleep(0.05)  # a failing server is not hammered in a tight loop

    def run(self, seconds, event_at, event):
        """Load for ``seconds``; ``event()`` runs ``event_at`` seconds in. Returns (started,
        event began, event ended) monotonic times."""
        threads = [threading.Thread(target=self._worker, args=(n,)) for n in range(CONNECTIONS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        try:
            time.sleep(event_at)
            began = time.monotonic()
            event()
            ended = time.monotonic()
            time.sleep(max(0.0, seconds - (ended - started)))
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=20)
        return started, began, ended

    def between(self, start, end):
        """(requests, errors) from start to end."""
        outcomes = [ok for at, ok, _ in self.events if start <= at < end]
        return len(outcomes), outcomes.count(False)

    def recovered_after(self, moment):
        """Seconds from ``moment`` until requests answer normally again: the end of the last
        request that failed or stalled (took SLOW seconds or more) after it; 0 when none did,
        infinity when no request succeeded after that one."""
        bad = [at for at, ok, took in self.events if at >= moment and (not ok or took >= SLOW)]
        if not bad:
            return 0.0
        last = max(bad)
        if not any(ok and at > last for at, ok, _ in self.events):
            return float("inf")
        return last - moment

    def lost(self):
        """Acknowledged evidence missing from the database."""
        if not self.acknowledged:
            return []
        rows = services.query(
            self.stack.database,
            "SELECT id FROM tracker_evidence WHERE id = ANY(%s)",
            [self.acknowledged],
        )
        found = {row[0] for row in rows}
        return sorted(set(self.acknowledged) - found)

    def phases(self, started, began, ended, grace):
        """'before / during / after' figures, with ``grace`` seconds after the event as
        'during' (the time the balancer or the app needs to notice)."""
        end = max(at for at, _, _ in self.events) + 1 if self.events else ended
        parts = [("before", started, began), ("during", began, ended + grace)]
        parts.append(("after", ended + grace, end))
        return {name: self.between(start, stop) for name, start, stop in parts}


def describe(load, phases, lost):
    text = "; ".join(f"{name} {n} req, {errors} errors" for name, (n, errors) in phases.items())
    stalled = load.stalled
    return (
        f"{text}; held up {SLOW:g} s or more: {stalled['read']} reads, {stalled['write']} "
        f"writes; {len(load.acknowledged)} writes acknowledged, {len(lost)} lost"
    )


def instance_killed(stack, figures):
    """5. Instance A is killed under load: after the balancer notices, B answers everything."""
    load = Load(stack)
    started, began, ended = load.run(15, 5, stack.web_a.kill)
    phases = load.phases(started, began, ended, grace=1.0)
    lost = load.lost()
    figures["kill A"] = {**phases, "recovery s": round(load.recovered_after(began), 1)}
    stack.web_a.start()
    stack.wait_web(stack.a)
    ok = phases["after"][1] == 0 and phases["after"][0] > 0 and not lost and load.acknowledged
    return ok, describe(load, phases, lost)


def postgres_restarted(stack, figures):
    """6. PostgreSQL restarted under load: 200s again within 10 s, nothing acknowledged lost."""
    load = Load(stack)
    started, began, ended = load.run(18, 4, services.restart_postgres)
    recovery = load.recovered_after(began)
    phases = load.phases(started, began, ended, grace=max(0.0, recovery - (ended - began)))
    lost = load.lost()
    figures["restart PostgreSQL"] = {**phases, "recovery s": round(recovery, 1)}
    ok = recovery <= 10 and phases["after"][1] == 0 and not lost and load.acknowledged
    return ok, (
        f"restart took {ended - began:.1f} s; 200s again {recovery:.1f} s after it began; "
        + describe(load, phases, lost)
    )


def redis_restarted(stack, figures):
    """7. Redis restarted under load: nobody logged out, nothing lost, /readyz 503 while it is
    down and 200 after."""
    load = Load(stack)
    ready = {}

    def restart():
        services.stop_redis()
        time.sleep(1)
        ready["down"] = [Client().get(port, "/readyz")[0] for port in (stack.a, stack.b)]
        time.sleep(2)
        services.start_redis()

    started, began, ended = load.run(14, 3, restart)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ready["up"] = [Client().get(port, "/readyz")[0] for port in (stack.a, stack.b)]
        if ready["up"] == [200, 200]:
            break
        time.sleep(0.5)
    sessions = [
        client.get(port, "/profile/")[0]
        for client in (stack.apprentice, stack.manager)
        for port in (stack.a, stack.b)
    ]
    recovery = load.recovered_after(began)
    phases = load.phases(started, began, ended, grace=1.0)
    lost = load.lost()
    figures["restart Redis"] = {**phases, "recovery s": round(recovery, 1)}
    ok = (
        ready["down"] == [503, 503]
        and ready["up"] == [200, 200]
        and sessions == [200] * 4
        and not lost
        and phases["after"][1] == 0
    )
    return ok, (
        f"/readyz while down {ready['down']}, after {ready['up']}; logged-in pages after "
        f"{sessions}; " + describe(load, phases, lost)
    )
