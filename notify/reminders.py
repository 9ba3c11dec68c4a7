"""Reminders on a schedule: what is due today (notify.rules decides), to whom (the catalogue's
roles, through the permission table), sent through the one delivery path, each person getting
one e-mail per kind listing every item.

"At most once per period per person and subject" is the unique constraint of
notify.models.Sent, not a check before sending: a run inserts a row for every reminder it
would send, marked with its own run id, skipping those already there, then reads back the rows
it inserted and sends only those, all in one transaction. A second run in the same period, a
clock that jumps back, or two runs at once find the rows there and send nothing twice.

Everything is read from the dashboard's stored figures (progress.models.Tally) and a few
set-based queries, so the number of queries does not grow with the number of
apprenticeships. The apprenticeship's status is read in the same transaction as the sending,
so one withdrawn a moment before the run gets nothing."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Apprenticeship
from progress.models import Tally
from skillscan.models import SkillScan
from skillscan.rules import latest_scan_sql
from tracker.models import Evidence

from . import rules
from .catalogue import Kind, entry
from .delivery import Message, deliver
from .models import Sent
from .recipients import people_for_many


@dataclass(frozen=True)
class Due:
    """A reminder due about one thing of one apprenticeship (``tally``), before its
    recipients are known."""

    kind: str
    tally: Tally
    subject: str  # "apprenticeship:12", "evidence:34"
    period: str
    title: str  # for the people around the apprentice
    own_title: str  # for the apprentice
    body: str
    url: str


@dataclass(frozen=True)
class Result:
    reminders: int  # messages sent (each one inbox item, and an e-mail line as chosen)
    people: int
    emails: int


# --- what is due ------------------------------------------------------------------------------


def _day(value):
    return date_format(value, "j F Y")


def _name(tally):
    return tally.apprentice_full_name or tally.apprentice_email or "The apprentice"


_PLACEHOLDER = 2147483647


def path_of(name, pk):
    """reverse(name, kwargs={"pk": pk}) for the few pages reminders link to, reversed once per
    name and filled in after (tens of thousands of links in a run)."""
    template = _paths.get(name)
    if template is None:
        template = _paths[name] = reverse(name, kwargs={"pk": _PLACEHOLDER})
    return template.replace(str(_PLACEHOLDER), str(pk))


_paths = {}


def _tallies(today):
    """The stored figures of every apprenticeship that may have a reminder due today, with
    the facts about its scans the scan reminders need. One query."""
    scans = SkillScan.objects.filter(apprenticeship=OuterRef("pk"))
    learning = Q(status__in=rules.LEARNING) & (
        Q(review_due_on__lte=today + timedelta(days=rules.REVIEW_DUE_WITHIN_DAYS))
        | Q(behind_from__lte=today)
        | Q(latest_scan_status__isnull=True, start_date__lte=today - rules.SCAN_NOT_STARTED_AFTER)
        | Q(latest_scan_status=SkillScan.Status.VALIDATED)
    )
    waiting = Q(status__in=rules.REMINDED, evidence_waiting__gt=0)
    return (
        Tally.objects.filter(learning | waiting)
        .annotate(
            scan_interval_weeks=F("organisation__scan_interval_weeks"),
            any_scan=Exists(scans),
            draft_scan=Exists(scans.filter(status=SkillScan.Status.DRAFT)),
            latest_scan_stage=latest_scan_sql("stage"),
            latest_validated_at=latest_scan_sql("validated_at"),
        )
        .only(
            "apprenticeship",
            "apprentice",
            "apprentice_full_name",
            "apprentice_email",
            "organisation",
            "mentor",
            "provider",
            "tutor",
            "status",
            "start_date",
            "latest_scan_status",
            "review_due_on",
            "behind_from",
        )
        .order_by("pk")
    )


def _review(tally, today):
    pk, name, due = tally.pk, _name(tally), tally.review_due_on
    url = path_of("tracker:progress-review-list", pk)
    if rules.review_due_soon(due, today):
        return Due(
            Kind.REVIEW_DUE,
            tally,
            f"apprenticeship:{pk}",
            rules.due_period(due),
            f"{name}'s progress review is due on {_day(due)}",
            f"Your progress review is due on {_day(due)}",
            "Agree a time for it, hold it, and record it here.",
            url,
        )
    if rules.review_overdue(due, today):
        return Due(
            Kind.REVIEW_OVERDUE,
            tally,
            f"apprenticeship:{pk}",
            rules.overdue_period(due, today),
            f"{name}'s progress review is overdue: it was due on {_day(due)}",
            f"Your progress review is overdue: it was due on {_day(due)}",
            "Hold it and record it; until then a reminder comes each week.",
            url,
        )
    return None


def _learning(tally, today):
    """The reminders of an active apprenticeship about its reviews, hours and scans."""
    pk = tally.pk
    subject = f"apprenticeship:{pk}"
    scans_url = path_of("skillscan:scan-history", pk)
    found = [_review(tally, today)]
    if rules.hours_behind(tally.behind_from, today):
        found.append(
            Due(
                Kind.HOURS_BEHIND,
                tally,
                subject,
                rules.week_period(today),
                f"{_name(tally)} is behind on off-the-job hours",
                "Your off-the-job hours are behind where they should be",
                "Log the training time you have spent and submit it for review.",
                path_of("tracker:hours", pk),
            )
        )
    if not tally.any_scan and rules.scan_not_started(tally.start_date, today):
        found.append(
            Due(
                Kind.SCAN_NOT_STARTED,
                tally,
                subject,
                rules.start_period(tally.start_date),
                f"{_name(tally)} has not started a skills scan",
                "Start your skills scan",
                "Rate yourself on each knowledge, skill and behaviour of your standard: "
                "it is where your plan starts.",
                scans_url,
            )
        )
    found.append(_scan_due(tally, today, subject, scans_url))
    return [due for due in found if due is not None]


def _scan_due(tally, today, subject, url):
    """A review scan due: the latest scan is validated (no newer one started, not the final
    one) and the organisation's interval has passed since."""
    if (
        tally.latest_scan_status != SkillScan.Status.VALIDATED
        or tally.draft_scan
        or tally.latest_scan_stage == SkillScan.Stage.FINAL
        or tally.latest_validated_at is None
    ):
        return None
    due = rules.scan_due_on(rules.local_day(tally.latest_validated_at), tally.scan_interval_weeks)
    if due > today:
        return None
    return Due(
        Kind.SCAN_DUE,
        tally,
        subject,
        rules.due_period(due),
        f"{_name(tally)}'s review skills scan is due",
        "Your review skills scan is due",
        f"It is {tally.scan_interval_weeks} weeks since your latest scan was validated: start a "
        "review scan to show how far you have come.",
        url,
    )


def _waiting_evidence(today, tallies):
    """Each piece of evidence that has waited for review more than its organisation's working
    days (EVIDENCE_WAITING), and more than twice that (EVIDENCE_WAITING_LONG). One query:
    SQL bounds it by the shortest threshold any organisation may set, Python applies each
    organisation's own."""
    bound = rules.start_of_day_after(rules.latest_day_waiting_more_than(today, 1))
    rows = Evidence.objects.filter(
        status=Evidence.Status.SUBMITTED,
        submitted_at__lt=bound,
        apprenticeship__tally__status__in=rules.REMINDED,
    ).values(
        "pk",
        "title",
        "submitted_at",
        "apprenticeship_id",
        threshold=F("apprenticeship__organisation__evidence_waiting_days"),
    )
    found = []
    for row in rows.order_by("submitted_at", "pk"):
        tally = tallies.get(row["apprenticeship_id"])
        if tally is None:
            continue
        waited = rules.working_days_between(rules.local_day(row["submitted_at"]), today)
        threshold = row["threshold"]
        for kind, limit in (
            (Kind.EVIDENCE_WAITING, threshold),
            (Kind.EVIDENCE_WAITING_LONG, 2 * threshold),
        ):
            if waited > limit:
                found.append(_evidence_due(kind, tally, row, waited, threshold))
    return found


def _evidence_due(kind, tally, row, waited, threshold):
    title = f"“{row['title']}” from {_name(tally)} has waited {waited} working days for review"
    body = "Accept it or ask for changes."
    if kind == Kind.EVIDENCE_WAITING_LONG:
        body = (
            f"That is more than twice the {threshold} working days set for a review: decide "
            "it, or ask its mentor to."
        )
    return Due(
        kind,
        tally,
        f"evidence:{row['pk']}",
        rules.submission_period(row["submitted_at"]),
        title,
        title,
        body,
        path_of("tracker:evidence-detail", row["pk"]),
    )


def reminders_due(today):
    """[Due] of every reminder due on ``today``, before its recipients and before what was
    sent already. Two queries."""
    _paths.clear()  # reversed afresh each run (the URLs or their prefix may have changed)
    tallies = {tally.pk: tally for tally in _tallies(today)}
    found = []
    for tally in tallies.values():
        if tally.status in rules.LEARNING:
            found += _learning(tally, today)
    return found + _waiting_evidence(today, tallies)


# --- to whom, once --------------------------------------------------------------------------


def _apprenticeship(tally):
    """The apprenticeship of a tally as the inbox item's foreign key needs it (no query)."""
    return Apprenticeship(
        pk=tally.pk,
        apprentice_id=tally.apprentice_id,
        mentor_id=tally.mentor_id,
        organisation_id=tally.organisation_id,
    )


def messages_for(dues):
    """{(recipient id, kind, subject, period): Message} of ``dues``, to the people holding
    each kind's roles (or its fallback) on the apprenticeship now: two queries per kind."""
    by_kind = defaultdict(list)
    for due in dues:
        by_kind[due.kind].append(due)
    messages, apprenticeships = {}, {}
    for kind, of_kind in by_kind.items():
        item = entry(kind)
        tallies = list({due.tally.pk: due.tally for due in of_kind}.values())
        people = people_for_many(tallies, item.roles, item.fallback)
        for due in of_kind:
            pk = due.tally.pk
            if pk not in apprenticeships:
                apprenticeships[pk] = _apprenticeship(due.tally)
            for user in people[pk]:
                own = user.pk == due.tally.apprentice_id
                messages[(user.pk, str(kind), due.subject, due.period)] = Message(
                    recipient=user,
                    kind=kind,
                    title=due.own_title if own else due.title,
                    body=due.body,
                    url=due.url,
                    apprenticeship=apprenticeships[pk],
                    group=_name(due.tally),
                )
    return messages


def claim(keys, run, now):
    """The keys of ``keys`` (recipient id, kind, subject, period) this run may send: a Sent
    row marked with ``run`` is inserted for each, those already there are skipped by the
    unique constraint (ON CONFLICT DO NOTHING, as bulk_create's ignore_conflicts writes it),
    and the rows marked with ``run`` are read back. Two statements for any number: the insert
    is one executemany of plain tuples, because building a model instance per row took a
    third of a run of tens of thousands."""
    meta, quote = Sent._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in ("recipient", "kind", "subject", "period")]
    fields += [meta.get_field("run"), meta.get_field("sent_at")]
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608
        "ON CONFLICT DO NOTHING"
    )
    run_value = fields[4].get_db_prep_value(run, connection)
    sent_at = fields[5].get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*key, run_value, sent_at) for key in keys])
    return set(
        Sent.objects.filter(run=run).values_list("recipient_id", "kind", "subject", "period")
    )


GROUPED = {
    Kind.REVIEW_DUE: "{n} progress reviews are due within 7 days",
    Kind.REVIEW_OVERDUE: "{n} progress reviews are overdue",
    Kind.EVIDENCE_WAITING: "{n} pieces of evidence wait for your review",
    Kind.EVIDENCE_WAITING_LONG: "{n} pieces of evidence have waited long for review",
    Kind.HOURS_BEHIND: "{n} apprenticeships are behind on off-the-job hours",
    Kind.SCAN_NOT_STARTED: "{n} skills scans have not been started",
    Kind.SCAN_DUE: "{n} review skills scans are due",
}


def grouped_subject(kind, messages):
    """The subject of one person's e-mail of one kind: the item's title when it is alone,
    else how many there are ("3 pieces of evidence wait for your review")."""
    if len(messages) == 1:
        return messages[0].title
    return GROUPED[kind].format(n=len(messages))


def send_reminders(today=None, now=None):
    """Send every reminder due on ``today`` (the local day of ``now`` by default) that has not
    been sent in its period to its recipient, in one transaction; a Result of what went."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    run = uuid.uuid4()
    with transaction.atomic():
        messages = messages_for(reminders_due(today))
        claimed = claim(messages, run, now)
        chosen = [message for key, message in messages.items() if key in claimed]
        items = deliver(chosen, grouped_subject=grouped_subject)
    return Result(
        reminders=len(chosen),
        people=len({message.recipient.pk for message in chosen}),
        emails=len({item.email_id for item in items if item.email_id}),
    )
