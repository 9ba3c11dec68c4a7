"""Off-the-job hours without a piece of evidence, and the records that move the hours target.

A timesheet line is the apprentice's (logged, withdrawn while it waits), decided by the party
that decides evidence (accepted or returned with a comment); each step is a TimesheetDecision
row with who, which party and when, and the line's ``status`` is written next to it. Time off
and a change of the working week are recorded by the employer or the provider; an automatic
target (tracker.rules.hours) follows them, one typed by hand stays. The target and the weekly
hours are written with a queryset update (the apprenticeship's save guards its status), so the
dashboard is told with ``apprenticeships_changed``; a timesheet line's own save tells it."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Apprenticeship, Party, apprenticeships_changed
from accounts.permissions import Action, check, deciding_party
from accounts.rules import long_date
from core.events import emit

from ..models import TimeOff, TimesheetDecision, TimesheetEntry, WorkingHoursChange
from ..review_people import everyone
from ..rules.hours import automatic_target_of, target_records
from .errors import TrackerError

MAX_HOURS_A_DAY = Decimal(24)
# deciding_party -> the parties told that a timesheet line waits for their decision.
DECIDERS = {
    "employer": [Party.EMPLOYER],
    "provider": [Party.PROVIDER],
    "either": [Party.EMPLOYER, Party.PROVIDER],
}


def hours_deciders(apprenticeship):
    """The people told that a timesheet line waits for their decision: those of the party
    that decides, as the employer chose."""
    return everyone(apprenticeship, DECIDERS[deciding_party(apprenticeship)])


def _within_programme(field, day, apprenticeship, what):
    """{field: ValidationError} when ``day`` lies outside the programme's planned dates."""
    start, end = apprenticeship.start_date, apprenticeship.planned_end_date
    if day < start:
        return {
            field: ValidationError(
                f"{what} cannot be before the apprenticeship's start on {long_date(start)}.",
                code="before_start",
            )
        }
    if day > end:
        return {
            field: ValidationError(
                f"{what} cannot be after the planned end on {long_date(end)}.",
                code="after_end",
            )
        }
    return {}


def _locked(apprenticeship):
    """The apprenticeship's row, locked: records that move its target are written in turn."""
    return Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)


# --- timesheet lines ------------------------------------------------------------------------


def timesheet_log(*, user, apprenticeship, on, hours, activity, ksbs=(), today=None):
    """The apprentice logs a day's off-the-job hours: dated within the programme and not in
    the future, more than 0 and at most 24 hours, what they were spent on, and optionally KSBs
    of the apprenticeship's standard. It waits for a decision."""
    today = today or timezone.localdate()
    errors = _within_programme("on", on, apprenticeship, "A timesheet line")
    if not errors and on > today:
        errors["on"] = ValidationError("The date cannot be in the future.", code="future")
    if hours is None or hours <= 0 or hours > MAX_HOURS_A_DAY:
        errors["hours"] = ValidationError(
            "Enter more than 0 and at most 24 hours.", code="hours_range"
        )
    if not (activity or "").strip():
        errors["activity"] = ValidationError("Say what the hours were spent on.", code="required")
    if any(ksb.standard_id != apprenticeship.standard_id for ksb in ksbs):
        errors["ksbs"] = ValidationError(
            "Choose KSBs of your own standard only.", code="ksb_other_standard"
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        check(user, apprenticeship, Action.LOG_HOURS)
        entry = TimesheetEntry(
            apprenticeship=apprenticeship, on=on, hours=hours, activity=activity.strip(), by=user
        )
        entry.full_clean()
        entry.save()
        entry.ksbs.set(ksbs)
        emit(
            "hours_submitted",
            apprenticeship=apprenticeship,
            about=entry,
            actor=user,
            recipients=hours_deciders(apprenticeship),
        )
    return entry


def _locked_entry(entry):
    return TimesheetEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)


def timesheet_withdraw(*, user, entry):
    """The apprentice takes back a line that still waits for a decision."""
    with transaction.atomic():
        entry = _locked_entry(entry)
        check(user, entry.apprenticeship, Action.LOG_HOURS)
        if entry.status != TimesheetEntry.Status.SUBMITTED:
            raise TrackerError(
                "This line is no longer waiting for a decision, so it cannot be withdrawn."
            )
        TimesheetDecision.objects.create(
            entry=entry,
            decision=TimesheetDecision.Decision.WITHDRAWN,
            by=user,
            party=Party.APPRENTICE,
        )
        entry.status = TimesheetEntry.Status.WITHDRAWN
        entry.save(update_fields=["status"])
    return entry


def timesheet_decide(*, user, entry, decision, comment=""):
    """The deciding party accepts a waiting line (its hours count from then on) or returns it
    with a comment saying why."""
    comment = (comment or "").strip()
    if decision not in (TimesheetDecision.Decision.ACCEPTED, TimesheetDecision.Decision.RETURNED):
        raise TrackerError("Choose to accept the hours or to return them.")
    if decision == TimesheetDecision.Decision.RETURNED and not comment:
        raise ValidationError(
            {"comment": ValidationError("Say why the hours are returned.", code="required")}
        )
    with transaction.atomic():
        entry = _locked_entry(entry)
        role = check(user, entry.apprenticeship, Action.DECIDE_HOURS)
        if entry.status != TimesheetEntry.Status.SUBMITTED:
            raise TrackerError("This line is not waiting for a decision.")
        TimesheetDecision.objects.create(
            entry=entry, decision=decision, by=user, party=role.party, comment=comment
        )
        entry.status = decision
        entry.save(update_fields=["status"])
        emit(
            "hours_decided",
            apprenticeship=entry.apprenticeship,
            about=entry,
            actor=user,
            decision=decision,
            comment=comment,
        )
    return entry


# --- the records that move the target -------------------------------------------------------


def _follow_target(apprenticeship, automatic_before, **changes):
    """Write ``changes`` to the apprenticeship and, when its target was automatic before the
    record, the automatic target after it; tell the dashboard."""
    apprenticeship.refresh_from_db(fields=["weekly_hours", "otj_target_hours"])
    if automatic_before:
        for name, value in changes.items():
            setattr(apprenticeship, name, value)
        changes["otj_target_hours"] = automatic_target_of(apprenticeship)
    if changes:
        Apprenticeship.objects.filter(pk=apprenticeship.pk).update(
            **changes, updated_at=timezone.now()
        )
    apprenticeships_changed.send(sender=Apprenticeship, ids=[apprenticeship.pk])


def _target_is_automatic(apprenticeship):
    return apprenticeship.otj_target_hours == automatic_target_of(
        apprenticeship, target_records(apprenticeship)
    )


def time_off_record(*, user, apprenticeship, kind, starts_on, ends_on, note=""):
    """Time off (holiday, sickness, other leave) from its first to its last day, within the
    programme and overlapping no other time off still standing."""
    errors = _within_programme("starts_on", starts_on, apprenticeship, "Time off")
    errors |= _within_programme("ends_on", ends_on, apprenticeship, "Time off")
    if ends_on < starts_on:
        errors["ends_on"] = ValidationError(
            "The last day is on or after the first day.", code="end_before_start"
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        apprenticeship = _locked(apprenticeship)
        role = check(user, apprenticeship, Action.RECORD_TIME_OFF)
        clash = apprenticeship.time_off.filter(
            withdrawn_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
        ).first()
        if clash is not None:
            raise ValidationError(
                {
                    "starts_on": ValidationError(
                        f"This overlaps time off already recorded: {clash}.", code="overlap"
                    )
                }
            )
        automatic = _target_is_automatic(apprenticeship)
        time_off = TimeOff(
            apprenticeship=apprenticeship,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            note=(note or "").strip(),
            by=user,
            party=role.party,
        )
        time_off.full_clean()
        time_off.save()
        _follow_target(apprenticeship, automatic)
    return time_off


def time_off_withdraw(*, user, time_off):
    """Withdraw time off recorded by mistake: it stays, marked with who withdrew it and when,
    and no longer counts."""
    with transaction.atomic():
        apprenticeship = _locked(time_off.apprenticeship)
        check(user, apprenticeship, Action.RECORD_TIME_OFF)
        time_off = TimeOff.objects.select_for_update().get(pk=time_off.pk)
        if time_off.withdrawn_at is not None:
            raise TrackerError("This time off has already been withdrawn.")
        automatic = _target_is_automatic(apprenticeship)
        time_off.withdrawn_at, time_off.withdrawn_by = timezone.now(), user
        time_off.save(update_fields=["withdrawn_at", "withdrawn_by"])
        _follow_target(apprenticeship, automatic)
    return time_off


def working_hours_change(*, user, apprenticeship, from_date, weekly_hours, note=""):
    """A new working week from a day on (within the programme, on or after the latest change):
    recorded with the hours it replaces; the apprenticeship's weekly hours follow, and its
    target when automatic."""
    errors = _within_programme("from_date", from_date, apprenticeship, "A change of hours")
    if weekly_hours is None or not Decimal(0) < weekly_hours <= Decimal(60):
        errors["weekly_hours"] = ValidationError(
            "Enter more than 0 and at most 60 hours a week.", code="hours_range"
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        apprenticeship = _locked(apprenticeship)
        role = check(user, apprenticeship, Action.RECORD_TIME_OFF)
        if weekly_hours == apprenticeship.weekly_hours:
            raise ValidationError(
                {
                    "weekly_hours": ValidationError(
                        f"The working week is {weekly_hours} hours already.", code="unchanged"
                    )
                }
            )
        latest = apprenticeship.working_hours_changes.order_by("-from_date").first()
        if latest is not None and from_date < latest.from_date:
            raise ValidationError(
                {
                    "from_date": ValidationError(
                        "Changes are recorded in order: the latest is from "
                        f"{long_date(latest.from_date)}, so choose that day or a later one.",
                        code="before_latest",
                    )
                }
            )
        automatic = _target_is_automatic(apprenticeship)
        change = WorkingHoursChange(
            apprenticeship=apprenticeship,
            from_date=from_date,
            weekly_hours=weekly_hours,
            previous_weekly_hours=apprenticeship.weekly_hours,
            note=(note or "").strip(),
            by=user,
            party=role.party,
        )
        change.full_clean()
        change.save()
        _follow_target(apprenticeship, automatic, weekly_hours=weekly_hours)
    return change
