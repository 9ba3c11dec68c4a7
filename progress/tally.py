"""The dashboard's stored figures (progress.models.Tally): how each is worked out, and keeping
them exact.

Each stored figure is the SQL form of its rule (tracker/rules, skillscan/rules), or the Python
form of a rule applied to those (the day an apprenticeship falls behind on hours, the day its
next review is due, whether the gateway checklist holds but for that review), evaluated for
the apprenticeships that changed and written in the same transaction as the change, under a lock
on the apprenticeship's row, so two changes at once cannot leave an older answer behind. The
changes are caught where every write passes, Django's model signals, for every model a figure
reads (evidence and its KSBs, timesheet lines, scans, sign-offs, reviews, the apprenticeship,
and the structure of its standard); writes that bypass signals (queryset.update, bulk_create) call
``tally_refresh`` themselves, or send ``apprenticeships_changed``. ``tally_check`` recomputes
every stored figure and lists the differences: the tests run it after every kind of change, and
``manage.py tally --check`` runs it on a live database."""

from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.db.models.signals import m2m_changed, post_delete, post_save

from accounts.models import Apprenticeship, User, apprenticeships_changed
from core.numbers import percent
from skillscan.models import SkillScan
from skillscan.rules import latest_scan_sql
from standards.models import KSB, Duty, Standard, structure_changed
from tracker.models import DutySignOff, Evidence, ProgressReview, TimesheetEntry
from tracker.rules import (
    accepted_hundredths_sql,
    behind_from,
    duties_signed_sql,
    ksbs_covered_sql,
    latest_review_signed_sql,
    review_due_on,
)
from tracker.rules.reviews import latest_review_sql

from .models import OrganisationStamp, Tally
from .rules import gateway_ready


def _count(queryset, group):
    """Count rows of ``queryset`` (filtered on OuterRef, grouped by ``group``), 0 for none."""
    return Coalesce(
        Subquery(
            queryset.order_by().values(group).annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _latest(queryset):
    return Subquery(queryset.order_by("-updated_at").values("updated_at")[:1])


# Copied from the apprenticeship, for the dashboard's filters, sorting and visibility: the
# foreign keys, then the rest.
FOREIGN = ("apprentice", "organisation", "mentor", "provider", "tutor", "standard")
COPIED = (*FOREIGN, "status", "start_date")
# What the Python rules below read besides the SQL figures.
INPUTS = ("otj_target_hours", "planned_end_date", "agreed_next_review_on", "review_interval_weeks")


def live_figures():
    """{figure: its SQL expression on an apprenticeship}, computed from the records."""
    own = OuterRef("pk")
    return {
        **{name: F(f"{name}_id" if name in FOREIGN else name) for name in COPIED},
        "apprentice_full_name": F("apprentice__full_name"),
        "apprentice_email": F("apprentice__email"),
        "standard_reference": F("standard__reference"),
        "standard_version": F("standard__version"),
        "otj_target_hours": F("otj_target_hours"),
        "planned_end_date": F("planned_end_date"),
        "agreed_next_review_on": latest_review_sql("next_due_on"),
        "review_interval_weeks": F("organisation__review_interval_weeks"),
        "duties_total": _count(Duty.objects.filter(standard=OuterRef("standard")), "standard"),
        "duties_signed": duties_signed_sql(),
        "ksbs_total": _count(KSB.objects.filter(standard=OuterRef("standard")), "standard"),
        "ksbs_covered": ksbs_covered_sql(),
        "accepted_hundredths": accepted_hundredths_sql(),
        "pending_hundredths": accepted_hundredths_sql(Evidence.Status.SUBMITTED),
        "evidence_waiting": _count(
            Evidence.objects.filter(apprenticeship=own, status=Evidence.Status.SUBMITTED),
            "apprenticeship",
        ),
        "changes_requested": _count(
            Evidence.objects.filter(apprenticeship=own, status=Evidence.Status.CHANGES_REQUESTED),
            "apprenticeship",
        ),
        "scan_waiting": Exists(
            SkillScan.objects.filter(apprenticeship=own, status=SkillScan.Status.SUBMITTED)
        ),
        "latest_scan_status": latest_scan_sql("status"),
        "latest_review_signed": latest_review_signed_sql(),
        # The latest change to its evidence or scans, or its creation when there is none
        # (SQLite's greatest of a NULL is NULL, so each is coalesced).
        "last_activity": Greatest(
            Coalesce(_latest(Evidence.objects.filter(apprenticeship=own)), F("created_at")),
            Coalesce(_latest(SkillScan.objects.filter(apprenticeship=own)), F("created_at")),
            F("created_at"),
        ),
    }


def derived_figures(row):
    """The figures the Python rules work out from the SQL ones: ``row`` maps live_figures()
    to their values for one apprenticeship."""
    figures = {
        "ksbs_covered": row["ksbs_covered"],
        "ksbs_total": row["ksbs_total"],
        "duties_signed": row["duties_signed"],
        "duties_total": row["duties_total"],
        "accepted_hundredths": row["accepted_hundredths"],
        "target": row["otj_target_hours"],
        "latest_scan_status": row["latest_scan_status"],
        "review_signed": row["latest_review_signed"],
    }
    start, end, target = row["start_date"], row["planned_end_date"], row["otj_target_hours"]
    return {
        "coverage": percent(row["ksbs_covered"], row["ksbs_total"]),
        "review_due_on": review_due_on(
            start, row["agreed_next_review_on"], row["review_interval_weeks"]
        ),
        "behind_from": behind_from(row["accepted_hundredths"], target, start, end),
        "gateway_ready": gateway_ready(**figures),
    }


STORED = tuple(
    field.name for field in Tally._meta.concrete_fields if field.name != "apprenticeship"
)


def _live_rows(queryset):
    """{apprenticeship pk: {stored figure: its value from the records}}."""
    rows = {}
    names = tuple(live_figures())
    for row in _computed(queryset).values("pk", *(f"live_{name}" for name in names)):
        values = {name: row[f"live_{name}"] for name in names}
        values.update(derived_figures(values))
        rows[row["pk"]] = {name: values[name] for name in STORED}
    return rows


def _computed(queryset):
    return queryset.annotate(**{f"live_{name}": expr for name, expr in live_figures().items()})


def tally_refresh(apprenticeship_ids):
    """Recompute and store the figures of these apprenticeships, in the caller's transaction.
    Their rows are locked first (in id order), so concurrent changes are counted in turn."""
    ids = sorted(set(apprenticeship_ids) - {None})
    if not ids:
        return
    with transaction.atomic():
        locked = list(
            Apprenticeship.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        organisations = set()
        for start in range(0, len(locked), 1000):
            chunk = locked[start : start + 1000]
            rows = _live_rows(Apprenticeship.objects.filter(pk__in=chunk))
            # The employers and providers before the change and after it.
            for before in Tally.objects.filter(pk__in=chunk).values_list(
                "organisation", "provider"
            ):
                organisations.update(before)
            for figures in rows.values():
                organisations.update((figures["organisation"], figures["provider"]))
            Tally.objects.bulk_create(
                [Tally(apprenticeship_id=pk, **_ids(figures)) for pk, figures in rows.items()],
                update_conflicts=True,
                unique_fields=["apprenticeship"],
                update_fields=STORED,
            )
        stamp(organisations)


def stamp(organisation_ids):
    """Move the stamps of these organisations on, in the caller's transaction (in id order, so
    two writers never wait for each other in a circle)."""
    ids = sorted(set(organisation_ids) - {None})
    if not ids:
        return
    OrganisationStamp.objects.bulk_create(
        [OrganisationStamp(organisation_id=pk) for pk in ids], ignore_conflicts=True
    )
    OrganisationStamp.objects.filter(pk__in=ids).update(version=F("version") + 1)


def tally_check(queryset=None):
    """[(apprenticeship id, figure, stored, recomputed)] for every stored figure that differs
    from the records (a missing tally counts as every figure differing)."""
    queryset = Apprenticeship.objects.all() if queryset is None else queryset
    live = _live_rows(queryset)
    stored = {
        row["apprenticeship"]: row
        for row in Tally.objects.filter(apprenticeship__in=queryset).values(
            "apprenticeship", *STORED
        )
    }
    differences = []
    for pk, figures in live.items():
        for name, value in figures.items():
            kept = stored.get(pk, {}).get(name)
            if pk not in stored or kept != value:
                differences.append((pk, name, kept, value))
    return differences


def _ids(figures):
    """Figures with the copied foreign keys as ids (``apprentice_id``...), as a model wants."""
    return {(f"{name}_id" if name in FOREIGN else name): value for name, value in figures.items()}


# --- where every change passes ------------------------------------------------------------------


def _cascaded_from_apprenticeship(origin):
    """Whether a deletion started at an apprenticeship (its tally goes with it)."""
    model = getattr(origin, "model", type(origin))
    return model is Apprenticeship


def _tally_deleted(sender, instance, **kwargs):
    stamp([instance.organisation_id, instance.provider_id])


def _record_changed(sender, instance, **kwargs):
    if "origin" in kwargs and _cascaded_from_apprenticeship(kwargs["origin"]):
        return
    tally_refresh([instance.apprenticeship_id])


def _apprenticeship_saved(sender, instance, **kwargs):
    tally_refresh([instance.pk])


def _user_saved(sender, instance, update_fields=None, **kwargs):
    """The table sorts on the apprentice's name and address: a change of either reaches the
    tallies of their apprenticeships (a login, which saves only last_login, does not)."""
    if update_fields is None or {"full_name", "email"} & set(update_fields):
        tally_refresh(
            Apprenticeship.objects.filter(apprentice=instance).values_list("pk", flat=True)
        )


def _evidence_ksbs_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action.startswith("post_"):
            tally_refresh([instance.apprenticeship_id])
    elif action == "pre_clear":  # from the KSB's side: whose evidence it is, before it goes
        instance._tally_ids = list(instance.evidence.values_list("apprenticeship_id", flat=True))
    elif action == "post_clear":
        tally_refresh(instance.__dict__.pop("_tally_ids", []))
    elif action.startswith("post_"):
        evidence = Evidence.objects.filter(pk__in=pk_set)
        tally_refresh(evidence.values_list("apprenticeship_id", flat=True))


def _standard_saved(sender, instance, **kwargs):
    """The table sorts on the standard's reference and version: an edit of either reaches the
    tallies that copied them (one indexed query when nothing changed)."""
    tally_refresh(
        Tally.objects.filter(standard=instance)
        .exclude(standard_reference=instance.reference, standard_version=instance.version)
        .values_list("apprenticeship", flat=True)
    )


def _apprenticeships_changed(sender, ids, **kwargs):
    tally_refresh(ids)


def _structure_changed(sender, standard_ids, **kwargs):
    """After the structure of standards changes: every apprenticeship on them, at once."""
    tally_refresh(
        Apprenticeship.objects.filter(standard_id__in=standard_ids).values_list("pk", flat=True)
    )


def connect():
    """Wire the refreshes to the writes (AppConfig.ready)."""
    # Timesheet lines count in the accepted and waiting hours; time off and changes of hours
    # move the target, whose service sends apprenticeships_changed.
    for model in (Evidence, SkillScan, DutySignOff, ProgressReview, TimesheetEntry):
        post_save.connect(_record_changed, sender=model, dispatch_uid=f"tally-{model.__name__}")
        post_delete.connect(
            _record_changed, sender=model, dispatch_uid=f"tally-del-{model.__name__}"
        )
    post_save.connect(_apprenticeship_saved, sender=Apprenticeship, dispatch_uid="tally-app")
    post_save.connect(_user_saved, sender=User, dispatch_uid="tally-user")
    post_save.connect(_standard_saved, sender=Standard, dispatch_uid="tally-standard")
    apprenticeships_changed.connect(_apprenticeships_changed, dispatch_uid="tally-bulk")
    post_delete.connect(_tally_deleted, sender=Tally, dispatch_uid="tally-deleted")
    m2m_changed.connect(
        _evidence_ksbs_changed, sender=Evidence.ksbs.through, dispatch_uid="tally-evidence-ksbs"
    )
    # Every edit of KSBs, duties or their links (admin, importer, shell) stamps the standard,
    # which says so once.
    structure_changed.connect(_structure_changed, dispatch_uid="tally-structure")
