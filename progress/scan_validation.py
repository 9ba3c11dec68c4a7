"""The employer validates a submitted skills scan. The page sits in progress because beside
each KSB it shows what several apps know: the apprentice's new score and the score agreed in
the previous validated scan (skillscan), and the evidence accepted for the KSB (tracker). The
form and the service that saves it stay in skillscan."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.permissions import Action, get_record_for
from core.tables import url_for_each
from skillscan.forms import ValidationForm
from skillscan.models import Score, SkillScan
from skillscan.rules import previous_validated_scan
from skillscan.selectors import KINDS, SCALE, SCANS, agreed_scores_of, ratings_in_code_order
from skillscan.services import ScanError, employer_review_save
from standards.wording import wording_book
from tracker.selectors import accepted_evidence_by_ksb

NOT_TO_VALIDATE = {
    SkillScan.Status.VALIDATED: "This scan has been validated and is locked.",
    SkillScan.Status.DRAFT: "This scan has not been submitted yet.",
}


@dataclass
class KSBReview:
    """One KSB of the scan under validation: the rating, the employer's fields, the score
    agreed last time (None without one) and the evidence accepted for it, with page links."""

    ksb: object
    rating: object
    score_field: object
    comment_field: object
    previous: int | None
    evidence: list  # [(AcceptedEvidence, its page's URL)], newest first
    wording: object = None  # standards.wording.Wording: the KSB's words when it was submitted

    @property
    def previous_label(self):
        return None if self.previous is None else Score(self.previous).label

    @property
    def change(self):
        """The apprentice's new score less the score agreed last time."""
        return None if self.previous is None else self.rating.score - self.previous

    @property
    def change_text(self):
        if self.change is None:
            return ""
        if self.change == 0:
            return "no change"
        return f"{'up' if self.change > 0 else 'down'} {abs(self.change)}"

    @property
    def reviewed(self):
        """The employer has given a score of their own (the apprentice's score confirms it) or
        a comment, as the page now shows it."""
        score = self.score_field.value()
        comment = self.comment_field.value() or ""
        return score not in (None, "") or bool(comment.strip())


@dataclass
class Section:
    """The KSBs of one kind, as the apprentice's scan splits them."""

    kind: str
    label: str
    rows: list

    @property
    def anchor(self):
        return f"section-{self.kind.lower()}"

    @property
    def reviewed(self):
        return sum(1 for row in self.rows if row.reviewed)

    @property
    def total(self):
        return len(self.rows)


def validation_sections(scan, form):
    """The form's rows in sections (Knowledge, Skills, Behaviours) with what was agreed last
    time, the accepted evidence and the KSB's words as the apprentice rated it, and the
    previous validated scan (or None): four queries with a previous scan, three without,
    whatever the amount of evidence."""
    previous = previous_validated_scan(scan)
    agreed_before = agreed_scores_of(previous.ratings.all()) if previous else {}
    evidence = accepted_evidence_by_ksb(scan.apprenticeship)
    page_url = url_for_each("tracker:evidence-detail")
    rows = form.rows()
    book = wording_book([row["ksb"] for row in rows], standard=scan.apprenticeship.standard)
    by_kind = {}
    for row in rows:
        ksb = row["ksb"]
        by_kind.setdefault(ksb.kind, []).append(
            KSBReview(
                ksb=ksb,
                rating=row["rating"],
                score_field=row["score_field"],
                comment_field=row["comment_field"],
                previous=agreed_before.get(ksb.pk),
                evidence=[(item, page_url(item.pk)) for item in evidence.get(ksb.pk, [])],
                wording=book.at(ksb.pk, scan.submitted_at),
            )
        )
    sections = [Section(kind, label, by_kind[kind]) for kind, label in KINDS if kind in by_kind]
    return sections, previous


def _save_review(request, scan, form, validating):
    try:
        employer_review_save(
            scan=scan, user=request.user, reviews=form.reviews(), validate=validating
        )
    except ScanError as exc:
        messages.error(request, str(exc))
        return redirect(request.path)
    if validating:
        messages.success(request, "The scan is validated. It is now locked for everyone.")
        return redirect(scan)
    messages.success(request, "Your scores and comments are saved; the scan is not validated yet.")
    return redirect(request.path)


@login_required
def scan_validate_view(request, pk):
    scan, role = get_record_for(request.user, SCANS, pk=pk, action=Action.VALIDATE_SCAN)
    if scan.status != SkillScan.Status.SUBMITTED:
        messages.info(request, NOT_TO_VALIDATE[scan.status])
        return redirect(scan)
    ratings = ratings_in_code_order(scan)
    validating = request.POST.get("action") == "validate"
    form = ValidationForm(request.POST or None, ratings=ratings, validating=validating)
    if request.method == "POST" and form.is_valid():
        return _save_review(request, scan, form, validating)
    sections, previous = validation_sections(scan, form)
    context = {"scan": scan, "apprenticeship": scan.apprenticeship, "role": role, "form": form}
    return render(
        request,
        "skillscan/scan_validate.html",
        {
            **context,
            "sections": sections,
            "previous": previous,
            "reviewed": sum(section.reviewed for section in sections),
            "total": len(ratings),
            "disagreements": [r for r in ratings if r.is_disagreement],
            "scale": SCALE,
        },
    )
