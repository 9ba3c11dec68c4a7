"""A piece of evidence's page and its conversation: the employer's decision KSB by KSB, the
apprentice withdrawing it before a decision, and comments from either side."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.outbox import not_sent_warning
from accounts.permissions import Action, can_on, get_record_for
from standards.models import KIND_RANK
from standards.wording import wording_book

from ..forms_decisions import EvidenceCommentForm, EvidenceDecisionForm
from ..links import describe_link
from ..models import Evidence, EvidenceFeedback, KSBDecision
from ..rules import waiting_days, waiting_label
from ..services import TrackerError, evidence_comment, evidence_decide, evidence_withdraw

EVIDENCE = Evidence.objects.select_related(
    "apprenticeship__standard", "apprenticeship__apprentice", "apprenticeship__mentor"
)


def _evidence(request, pk, action=Action.VIEW):
    return get_record_for(request.user, EVIDENCE, pk=pk, action=action)


def _links(evidence):
    """The evidence's KSB links with their KSBs, in code order: one query."""
    return sorted(
        evidence.ksb_links.select_related("ksb__standard"),
        key=lambda link: (KIND_RANK[link.ksb.kind], link.ksb.number),
    )


def _history(evidence, links):
    """Every step of the evidence's conversation, oldest first, each decision with its outcome
    per KSB, and the latest acceptance (or None); and each link of ``links`` given ``reason``,
    why the latest acceptance did not accept it (when it did not). Two queries."""
    history = list(
        evidence.feedback.select_related("author").prefetch_related(
            Prefetch("ksb_decisions", queryset=KSBDecision.objects.select_related("ksb"))
        )
    )
    latest = next(
        (e for e in reversed(history) if e.decision == EvidenceFeedback.Decision.ACCEPTED), None
    )
    reasons = {d.ksb_id: d.reason for d in latest.ksb_decisions.all()} if latest else {}
    for link in links:
        link.reason = reasons.get(link.ksb_id, "")
    return history, latest


def _with_wordings(evidence, links, latest):
    """Each link given ``wording``: its KSB's words as at the decision that accepted it (the
    current ones for a KSB not accepted), and its version when older than the
    apprenticeship's. One query."""
    book = wording_book([link.ksb for link in links], standard=evidence.apprenticeship.standard)
    accepted = evidence.status == Evidence.Status.ACCEPTED and latest is not None
    for link in links:
        when = latest.created_at if accepted and link.accepted else None
        link.wording = book.at(link.ksb_id, when)
    return links


def _detail(request, evidence, role, *, decision_form=None, comment_form=None):
    links = _links(evidence)
    history, latest = _history(evidence, links)
    _with_wordings(evidence, links, latest)
    if decision_form is None:
        decision_form = EvidenceDecisionForm(ksbs=[link.ksb for link in links])
    waiting = None
    if evidence.status == Evidence.Status.SUBMITTED:
        waiting = waiting_label(waiting_days(evidence.submitted_at))
    return render(
        request,
        "tracker/evidence_detail.html",
        {
            "evidence": evidence,
            "apprenticeship": evidence.apprenticeship,
            "role": role,
            "can": can_on(role, evidence.apprenticeship),
            "link": describe_link(evidence.url),
            "ksb_links": links,
            "decided": evidence.status == Evidence.Status.ACCEPTED,
            "history": history,
            "waiting": waiting,
            "decision_form": decision_form,
            "comment_form": comment_form or EvidenceCommentForm(),
        },
    )


@login_required
def evidence_detail(request, pk):
    # Part of the portfolio: the end-point assessor sees it too, and their view is logged.
    evidence, role = get_record_for(
        request.user, EVIDENCE, pk=pk, action=Action.VIEW_PORTFOLIO, seen=(request, "page")
    )
    return _detail(request, evidence, role)


@login_required
@require_POST
def evidence_decide_view(request, pk):
    evidence, role = _evidence(request, pk, Action.DECIDE_EVIDENCE)
    form = EvidenceDecisionForm(request.POST, ksbs=[link.ksb for link in _links(evidence)])
    if not form.is_valid():
        return _detail(request, evidence, role, decision_form=form)
    decision = form.cleaned_data["decision"]
    try:
        evidence_decide(
            evidence=evidence,
            user=request.user,
            decision=decision,
            comment=form.cleaned_data["comment"],
            ksb_outcomes=form.ksb_outcomes(),
        )
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _detail(request, evidence, role, decision_form=form)
    except TrackerError as exc:
        messages.error(request, str(exc))
        return redirect(evidence)
    if warning := not_sent_warning(evidence, "the apprentice"):
        messages.warning(request, warning)
    if decision == EvidenceFeedback.Decision.ACCEPTED:
        messages.success(request, "Evidence accepted.")
        return redirect("progress:evidence-queue")
    messages.success(request, "Changes requested; the apprentice is told.")
    return redirect(evidence)


@login_required
def evidence_withdraw_view(request, pk):
    """Ask first (GET), then take the evidence back from review (POST)."""
    evidence, _ = _evidence(request, pk, Action.WITHDRAW_EVIDENCE)
    if evidence.status != Evidence.Status.SUBMITTED:
        messages.info(
            request,
            "This evidence is no longer waiting for review, so it cannot be withdrawn: "
            "it has been decided on or withdrawn already.",
        )
        return redirect(evidence)
    if request.method == "POST":
        try:
            evidence_withdraw(evidence=evidence, user=request.user)
        except TrackerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, "Evidence withdrawn: it is a draft again, to change and submit."
            )
        return redirect(evidence)
    return render(request, "tracker/evidence_withdraw.html", {"evidence": evidence})


@login_required
@require_POST
def evidence_comment_view(request, pk):
    evidence, role = _evidence(request, pk, Action.COMMENT_ON_EVIDENCE)
    form = EvidenceCommentForm(request.POST)
    if form.is_valid():
        try:
            evidence_comment(
                evidence=evidence, user=request.user, comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        except TrackerError as exc:
            messages.error(request, str(exc))
            return redirect(evidence)
        else:
            messages.success(request, "Reply added.")
            return redirect(f"{evidence.get_absolute_url()}#history-heading")
    return _detail(request, evidence, role, comment_form=form)
