"""The rule book of skills scans: which scan counts. Written once, in Python over an
apprenticeship's scans and as SQL beside it; tests/skillscan/test_rules.py checks both agree.

The latest scan is the one submitted last (submitted or validated; a draft never counts, so
starting a new scan changes nothing until it is submitted). Its agreed scores (the employer's
score where given, else the apprentice's) are the scores every page shows as "latest"."""

from django.db.models import OuterRef, Q, Subquery

from .models import SkillScan

COUNTED = (SkillScan.Status.SUBMITTED, SkillScan.Status.VALIDATED)
# Latest first, the SQL twin of _order: a scan that is not a draft always has its submission
# time (a database constraint says so).
LATEST_FIRST = ("-submitted_at", "-pk")


def _order(scan):
    return (scan.submitted_at, scan.pk)


def counted_scans(scans):
    """The scans that count, in the order they were submitted."""
    return sorted((s for s in scans if s.status in COUNTED), key=_order)


def latest_scan(scans):
    """The latest scan of ``scans`` (one apprenticeship's), or None."""
    counted = counted_scans(scans)
    return counted[-1] if counted else None


def previous_scan(scan, scans):
    """The scan that counted just before ``scan`` (for the distance travelled), or None; for a
    draft, the latest scan."""
    counted = counted_scans(scans)
    if scan.status in COUNTED:
        counted = [s for s in counted if _order(s) < _order(scan)]
    return counted[-1] if counted else None


def latest_scan_sql(field):
    """A field of each apprenticeship's latest scan."""
    return Subquery(
        SkillScan.objects.filter(apprenticeship=OuterRef("pk"), status__in=COUNTED)
        .order_by(*LATEST_FIRST)
        .values(field)[:1]
    )


def latest_scan_query(apprenticeship):
    """The latest scan of one apprenticeship, as a queryset of at most one scan."""
    return SkillScan.objects.filter(apprenticeship=apprenticeship, status__in=COUNTED).order_by(
        *LATEST_FIRST
    )[:1]


def previous_validated_scan(scan):
    """The apprenticeship's last validated scan submitted before ``scan``, a submitted scan
    (what was agreed last time, which its validation compares with), or None: one query."""
    earlier = Q(submitted_at__lt=scan.submitted_at) | Q(
        submitted_at=scan.submitted_at, pk__lt=scan.pk
    )
    return (
        SkillScan.objects.filter(
            earlier, apprenticeship_id=scan.apprenticeship_id, status=SkillScan.Status.VALIDATED
        )
        .order_by(*LATEST_FIRST)
        .first()
    )
