"""The rule book of the pages that draw on every app: whether an apprenticeship needs its
employer's attention and why, and whether it is ready for gateway. Each rule in Python for one
apprenticeship and in SQL for the dashboard, side by side; tests/progress/test_rules.py checks
they agree. The figures they combine are defined in tracker/rules.py and skillscan/rules.py."""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse

from skillscan.models import SkillScan
from skillscan.rules import latest_scan
from tracker.rules import behind_q, is_overdue, overdue_q, target_met, waiting_label

# --- needs attention ----------------------------------------------------------------------------


def attention_reasons(
    *, behind, review_overdue, evidence_waiting, scan_waiting, evidence_days=None
):
    """Why an apprenticeship needs its employer's attention, most pressing first; empty when it
    does not: the progress review overdue, hours behind the expected line, evidence waiting for
    review (for as long as its oldest piece has waited, ``evidence_days``: not known for evidence
    submitted before the time was kept), a scan waiting for validation. Each reason is one of
    attention_conditions, in SQL, below."""
    reasons = []
    if review_overdue:
        reasons.append("review overdue")
    if behind:
        reasons.append("behind on hours")
    if evidence_waiting:
        pieces = f" ({evidence_waiting} pieces)" if evidence_waiting > 1 else ""
        waited = "waiting" if evidence_days is None else waiting_label(evidence_days)
        reasons.append(f"evidence {waited}{pieces}")
    if scan_waiting:
        reasons.append("scan waiting for validation")
    return reasons


# The conditions of needs attention, one per reason, as the dashboard counts and filters them
# (each count at its top links to the rows of its condition).
ATTENTION = ("overdue", "behind", "evidence", "scan")


def attention_conditions(today):
    """{reason: the SQL twin of attention_reasons giving that reason on ``today``}, on the
    stored figures (progress.models.Tally)."""
    return {
        "overdue": overdue_q(today),
        "behind": behind_q(today),
        "evidence": Q(evidence_waiting__gt=0),
        "scan": Q(scan_waiting=True),
    }


def needs_attention_q(today):
    """The SQL twin of attention_reasons being non-empty on ``today``, on the stored figures
    (progress.models.Tally)."""
    conditions = attention_conditions(today)
    return (
        conditions["overdue"] | conditions["behind"] | conditions["evidence"] | conditions["scan"]
    )


# --- what to call a scan ---------------------------------------------------------------------

# The initial scan is the assessment at the start; taken later it is still the first scan, but
# "initial" no longer fits the words after the programme's first three months.
INITIAL_SCAN_MONTHS = 3


def scan_words(stage, month):
    """What the pages call a scan of ``stage`` (a SkillScan.Stage) that the apprentice takes or
    finishes in ``month`` of the programme (0 before it starts): "initial" only in the first
    INITIAL_SCAN_MONTHS months, "first" after; "review" and "final" as they are."""
    if stage == SkillScan.Stage.INITIAL and (month or 0) > INITIAL_SCAN_MONTHS:
        return "first"
    return SkillScan.Stage(stage).label.lower()


# --- gateway readiness --------------------------------------------------------------------------


@dataclass
class Check:
    label: str
    done: bool
    detail: str
    url: str


@dataclass
class Gateway:
    checks: list[Check]

    @property
    def ready(self):
        return all(check.done for check in self.checks)

    @property
    def done_count(self):
        return sum(check.done for check in self.checks)

    @property
    def missing(self):
        return [check.label for check in self.checks if not check.done]


GATEWAY_LINES = (
    "Every KSB has accepted evidence",
    "Every duty is signed off",
    "Off-the-job hours meet the target",
    "The latest skills scan is validated",
    "The last progress review is signed and the next is not overdue",
)


def gateway_lines(
    *,
    ksbs_covered,
    ksbs_total,
    duties_signed,
    duties_total,
    accepted_hundredths,
    target,
    latest_scan_status,
    review_signed,
    review_days,
):
    """Whether each line of the gateway checklist holds, from the figures: every KSB has
    accepted evidence; every duty is signed off; the accepted hours meet the target; the latest
    scan is validated; the latest review is signed by both and the next is not overdue."""
    return [
        ksbs_covered == ksbs_total,
        duties_signed == duties_total,
        target_met(accepted_hundredths, target),
        latest_scan_status == SkillScan.Status.VALIDATED,
        bool(review_signed) and not is_overdue(review_days),
    ]


def gateway_checklist(apprenticeship, *, ksbs, accepted, duty_rows, hours, scans, review):
    """The gateway checklist from what a page has loaded (no queries), each line with what is
    missing and where to see it. ``review`` is (the latest review or None, its NextReview)."""
    pk = apprenticeship.pk
    missing = [ksb for ksb in ksbs if ksb.pk not in accepted]
    covered = len(ksbs) - len(missing)
    signed = sum(row.is_signed_off for row in duty_rows)
    latest = latest_scan(scans)
    latest_review, next_review = review
    done = gateway_lines(
        ksbs_covered=covered,
        ksbs_total=len(ksbs),
        duties_signed=signed,
        duties_total=len(duty_rows),
        accepted_hundredths=hours.accepted_hundredths,
        target=hours.target,
        latest_scan_status=latest.status if latest else None,
        review_signed=bool(latest_review and latest_review.is_locked),
        review_days=next_review.days,
    )
    duties_url = reverse("tracker:duty-list", kwargs={"pk": pk})
    return Gateway(
        [
            Check(
                GATEWAY_LINES[0],
                done[0],
                f"{covered} of {len(ksbs)} KSBs"
                + (f"; missing {', '.join(k.code for k in missing[:8])}" if missing else "")
                + ("…" if len(missing) > 8 else ""),
                duties_url,
            ),
            Check(
                GATEWAY_LINES[1],
                done[1],
                f"{signed} of {len(duty_rows)} duties signed off",
                duties_url,
            ),
            Check(
                GATEWAY_LINES[2],
                done[2],
                f"{hours.accepted:.2f} of {hours.target} hours accepted",
                reverse("tracker:hours", kwargs={"pk": pk}),
            ),
            Check(
                GATEWAY_LINES[3],
                done[3],
                (
                    f"The {latest.get_stage_display().lower()} scan is "
                    f"{latest.get_status_display().lower()}"
                )
                if latest
                else "No scan submitted yet",
                latest.get_absolute_url() if latest else apprenticeship.get_absolute_url(),
            ),
            Check(
                GATEWAY_LINES[4],
                done[4],
                (
                    "No review yet"
                    if latest_review is None
                    else "Not signed by both yet"
                    if not latest_review.is_locked
                    else f"Next review {next_review.label}"
                ),
                reverse("tracker:progress-review-list", kwargs={"pk": pk}),
            ),
        ]
    )


def gateway_ready(**figures):
    """Whether every line of the gateway checklist holds but the one that moves with the day
    (the next review not overdue): what the dashboard stores as ``gateway_ready``."""
    return all(gateway_lines(**figures, review_days=0))


def ready_for_gateway_q(today):
    """The SQL twin of Gateway.ready on ``today``, on the stored figures: every line that does
    not move with the day holds, and the next review is not overdue."""
    return Q(gateway_ready=True) & ~overdue_q(today)
