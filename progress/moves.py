"""Moving apprenticeships to a newer version of their standard: the dry-run report, then the
move itself, in one transaction, with a record of who moved whom, when, from and to.

KSBs are matched by code (K3 of 1.0 is K3 of 1.1) and duties by number. Scans are records and
stay on the KSBs they rated: the pages read the latest agreed scores onto the current version
by code (skillscan.selectors). Evidence links whose code exists in the target are re-pointed to
its KSB (their accepted flag kept; the decisions keep naming the old KSB, the record of what was
accepted); the others stay on the old version, visible as "from version 1.0", and no longer
count. A duty signed off carries over as a new sign-off event when the target's duty of the same
number draws on the same KSB codes; the original events stay. Nothing is deleted."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Apprenticeship
from skillscan.models import Rating, SkillScan
from skillscan.rules import latest_scan
from standards.models import Standard
from standards.selectors import standard_structure
from tracker.models import DutySignOff, EvidenceKSB
from tracker.rules import current_sign_offs_by_duty

from .models import StandardMove
from .tally import tally_refresh

# An apprenticeship past these points keeps the version it was assessed against.
FINISHED = {
    Apprenticeship.Status.GATEWAY: "is at gateway",
    Apprenticeship.Status.COMPLETED: "has completed",
    Apprenticeship.Status.WITHDRAWN: "has been withdrawn",
}
# The statuses that may still move (the FINISHED ones may not).
MOVABLE = tuple(status for status in Apprenticeship.Status if status not in FINISHED)
SCAN_IN_PROGRESS = {
    SkillScan.Status.DRAFT: "has a skills scan in progress: submit and validate it first",
    SkillScan.Status.SUBMITTED: "has a skills scan awaiting validation: validate it first",
}


class MoveRefused(Exception):
    """A move that cannot be made as asked; ``blockers`` says why, one sentence each."""

    def __init__(self, blockers):
        self.blockers = list(blockers)
        super().__init__(" ".join(self.blockers))


def newer_approved(sources, *, among=None):
    """{pk of each of ``sources``: the approved versions of its reference newer than it,
    newest first}, from ``among`` (every standard, already read) or one query."""
    sources = list(sources)
    if among is None:
        among = Standard.objects.filter(reference__in={s.reference for s in sources})
    approved = [s for s in among if s.status == Standard.Status.APPROVED]
    return {
        source.pk: sorted(
            (s for s in approved if s.is_newer_than(source)),
            key=lambda s: s.version_key,
            reverse=True,
        )
        for source in sources
    }


def newer_approved_versions(standard):
    """The approved versions of ``standard``'s reference newer than it, newest first."""
    return newer_approved([standard])[standard.pk]


def version_label(standard):
    return f"{standard.reference} v{standard.version}"


def target_blockers(source, target):
    """Why ``target`` cannot take apprenticeships on ``source`` ([] when it can)."""
    if target.pk == source.pk:
        return [f"Already on {version_label(target)}: choose a newer version."]
    if target.reference != source.reference:
        return [f"{version_label(target)} is not a version of {source.reference}."]
    if not target.is_newer_than(source):
        return [f"{version_label(target)} is not newer than v{source.version}."]
    if target.status != target.Status.APPROVED:
        return [
            f"{version_label(target)} is not approved for delivery "
            f"(it is {target.get_status_display().lower()})."
        ]
    return []


@dataclass
class MovePlan:
    """What moving one apprenticeship to ``target`` does; the report shows it, the move does
    exactly it."""

    apprenticeship: Apprenticeship
    source: object
    target: object
    blockers: list = field(default_factory=list)
    ratings_carried: int = 0
    ratings_dropped: list = field(default_factory=list)  # KSB codes
    links: list = field(default_factory=list)  # (link, to KSB)
    links_left: list = field(default_factory=list)  # KSB codes, with repeats per evidence
    sign_offs: list = field(default_factory=list)  # (original event, to duty)
    sign_offs_left: list = field(default_factory=list)  # (duty number, reason)
    new_ksbs: list = field(default_factory=list)  # codes of the target's KSBs starting empty

    @property
    def person(self):
        return self.apprenticeship.person

    @property
    def links_left_codes(self):
        return sorted(set(self.links_left), key=_code_order)

    def counts(self):
        """The report's figures (COUNTS), which the move's record keeps."""
        return {
            "ratings_carried": self.ratings_carried,
            "ratings_dropped": len(self.ratings_dropped),
            "links_carried": len(self.links),
            "links_left": len(self.links_left),
            "sign_offs_carried": len(self.sign_offs),
            "sign_offs_left": len(self.sign_offs_left),
            "new_ksbs": len(self.new_ksbs),
        }


COUNTS = (
    "ratings_carried",
    "ratings_dropped",
    "links_carried",
    "links_left",
    "sign_offs_carried",
    "sign_offs_left",
    "new_ksbs",
)


def _code_order(code):
    return ("KSB".index(code[0]) if code[0] in "KSB" else 3, int(code[1:] or 0))


def _codes(structure):
    return {ksb.code: ksb for ksb in structure.ksbs}


def _duty_codes(duty):
    return frozenset(ksb.code for ksb in duty.ksb_list)


@dataclass
class MoveReport:
    target: object
    plans: list

    @property
    def blocked(self):
        return [plan for plan in self.plans if plan.blockers]

    @property
    def blockers(self):
        return [f"{plan.person}: {text}" for plan in self.plans for text in plan.blockers]

    def totals(self):
        totals = dict.fromkeys(COUNTS, 0)
        for plan in self.plans:
            for name, value in plan.counts().items():
                totals[name] += value
        return totals


def move_report(*, apprenticeships, target):
    """The dry run: for each apprenticeship, what a move to ``target`` carries over, what it
    leaves on the old version, what starts empty, and what stops it (``blockers``). Reads only,
    in a constant number of queries whatever the number of apprenticeships."""
    apprenticeships = list(apprenticeships)
    ids = [a.pk for a in apprenticeships]
    target_structure = standard_structure(target)
    target_codes = _codes(target_structure)
    target_duties = {duty.number: duty for duty in target_structure.duties}

    scans_of = {pk: [] for pk in ids}
    for scan in SkillScan.objects.filter(apprenticeship_id__in=ids).order_by():
        scans_of[scan.apprenticeship_id].append(scan)
    latest = {pk: latest_scan(scans) for pk, scans in scans_of.items()}
    rated = {}
    ratings = Rating.objects.filter(scan_id__in=[s.pk for s in latest.values() if s]).order_by()
    for scan_id, kind, number in ratings.values_list("scan_id", "ksb__kind", "ksb__number"):
        rated.setdefault(scan_id, []).append(f"{kind}{number}")

    links_of = {pk: [] for pk in ids}
    links = (
        EvidenceKSB.objects.filter(evidence__apprenticeship_id__in=ids)
        .select_related("ksb")
        .annotate(owner_id=F("evidence__apprenticeship_id"))
        .order_by("pk")
    )
    for link in links:
        links_of[link.owner_id].append(link)

    events_of = {pk: [] for pk in ids}
    events = DutySignOff.objects.filter(apprenticeship_id__in=ids).prefetch_related(
        "unevidenced_ksbs"
    )
    for event in events.order_by("pk"):
        events_of[event.apprenticeship_id].append(event)

    plans = []
    for apprenticeship in apprenticeships:
        source = apprenticeship.standard
        plan = MovePlan(apprenticeship, source, target)
        plan.blockers = target_blockers(source, target)
        if apprenticeship.status in FINISHED:
            plan.blockers.append(f"{plan.person} {FINISHED[apprenticeship.status]}.")
        for status, words in SCAN_IN_PROGRESS.items():
            if any(scan.status == status for scan in scans_of[apprenticeship.pk]):
                plan.blockers.append(f"{plan.person} {words}.")
        if plan.blockers and target.reference != source.reference:
            plans.append(plan)
            continue
        source_structure = standard_structure(source)
        scan = latest[apprenticeship.pk]
        for code in rated.get(scan.pk, []) if scan else []:
            if code in target_codes:
                plan.ratings_carried += 1
            else:
                plan.ratings_dropped.append(code)
        plan.ratings_dropped.sort(key=_code_order)
        # Only links on the version it is on now move; older ones stay where they are.
        for link in links_of[apprenticeship.pk]:
            if link.ksb.standard_id != source.pk:
                continue
            if link.ksb.code in target_codes:
                plan.links.append((link, target_codes[link.ksb.code]))
            else:
                plan.links_left.append(link.ksb.code)
        duties = {duty.pk: duty for duty in source_structure.duties}
        source_events = [e for e in events_of[apprenticeship.pk] if e.duty_id in duties]
        signed = current_sign_offs_by_duty(source_events)
        for duty_id, event in sorted(signed.items(), key=lambda item: duties[item[0]].number):
            duty = duties[duty_id]
            to = target_duties.get(duty.number)
            if to is None:
                reason = f"v{target.version} has no duty {duty.number}"
                plan.sign_offs_left.append((duty.number, reason))
            elif _duty_codes(to) != _duty_codes(duty):
                plan.sign_offs_left.append(
                    (duty.number, f"duty {duty.number} needs signing off again: its KSBs changed")
                )
            else:
                plan.sign_offs.append((event, to))
        plan.new_ksbs = sorted(set(target_codes) - set(_codes(source_structure)), key=_code_order)
        plans.append(plan)
    return MoveReport(target, plans)


def _links_repoint(plan):
    """Point each link that carries over at the target's KSB of the same code."""
    moved = []
    for link, to in plan.links:
        moved.append([link.pk, link.ksb_id, to.pk])
        link.ksb = to
    EvidenceKSB.objects.bulk_update([link for link, _ in plan.links], ["ksb"])
    return moved


def _sign_offs_carry(plan):
    """A new sign-off of the target's duty for each one that carries over, naming the original
    (its ``by`` and ``at`` kept); the original events stay as they are."""
    note = f"Carried over from version {plan.source.version}"
    pairs = [
        (
            event,
            DutySignOff(
                apprenticeship=plan.apprenticeship,
                duty=to,
                action=DutySignOff.Action.SIGNED_OFF,
                by_id=event.by_id,
                at=event.at,
                note=note,
                unevidenced_reason=event.unevidenced_reason,
                carried_from=event,
            ),
        )
        for event, to in plan.sign_offs
    ]
    DutySignOff.objects.bulk_create([copy for _, copy in pairs])
    codes = {ksb.code: ksb for ksb in standard_structure(plan.target).ksbs}
    through = DutySignOff.unevidenced_ksbs.through
    through.objects.bulk_create(
        through(dutysignoff_id=copy.pk, ksb_id=codes[ksb.code].pk)
        for event, copy in pairs
        for ksb in event.unevidenced_ksbs.all()
        if ksb.code in codes
    )
    return [[event.pk, copy.pk] for event, copy in pairs]


def apprenticeships_move(*, apprenticeships, target, by):
    """Move the apprenticeships to ``target``, all or none: under a lock on their rows the
    report is worked out again, and any blocker raises MoveRefused with nothing changed;
    otherwise, in one transaction, links are re-pointed, sign-offs carried, the standard
    changed, a StandardMove written for each (with the report's counts and what it changed)
    and the dashboard's tally refreshed. Returns the moves."""
    ids = sorted({a.pk for a in apprenticeships})
    now = timezone.now()
    with transaction.atomic():
        locked = list(
            Apprenticeship.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        fresh = Apprenticeship.objects.filter(pk__in=locked).for_list().order_by("pk")
        report = move_report(apprenticeships=fresh, target=target)
        if len(report.plans) != len(ids):
            raise MoveRefused(["Some of these apprenticeships no longer exist."])
        if report.blockers:
            raise MoveRefused(report.blockers)
        moves = []
        for plan in report.plans:
            links = _links_repoint(plan)
            sign_offs = _sign_offs_carry(plan)
            moves.append(
                StandardMove(
                    apprenticeship=plan.apprenticeship,
                    from_standard=plan.source,
                    to_standard=target,
                    moved_by=by,
                    moved_at=now,
                    details={
                        "from": version_label(plan.source),
                        "to": version_label(target),
                        "counts": plan.counts(),
                        "ratings_dropped": plan.ratings_dropped,
                        "links_left": plan.links_left_codes,
                        "sign_offs_left": [list(item) for item in plan.sign_offs_left],
                        "new_ksbs": plan.new_ksbs,
                        "links": links,
                        "sign_offs": sign_offs,
                    },
                )
            )
        Apprenticeship.objects.filter(pk__in=ids).update(standard=target, updated_at=now)
        StandardMove.objects.bulk_create(moves)
        tally_refresh(ids)
    return moves
