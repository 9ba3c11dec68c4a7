"""The pages that draw on every app. Each starts from the permission layer, asks a selector or
service, and renders."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.models import Apprenticeship, GatewayAgreement, Organisation
from accounts.permissions import (
    PARTY_WORDS,
    Action,
    get_apprenticeship_for,
    open_assessor_access,
)
from accounts.status import (
    DECLARATION,
    StatusError,
    gateway_declarations,
    gateway_declare,
    parties_to_declare,
)
from core.csv import csv_response, csv_stream
from core.tables import paginate, sort_headers
from tracker.models import Evidence
from tracker.selectors import QUEUE_FIELDS, queue_items

from . import dashboard as table
from .forms import GatewayForm
from .portfolio import portfolio
from .selectors import gateway_for, home_page


@login_required
def start(request):
    """Where a user lands after logging in: an apprentice on their apprenticeship, anyone who
    sees several apprenticeships (employers) on the dashboard, a training provider's people
    on their caseload, a newcomer on first steps."""
    user = request.user
    if user.is_provider and not user.is_employer:
        return redirect("progress:caseload")
    if not user.is_employer:
        own = list(
            Apprenticeship.objects.filter(apprentice=user)
            .exclude(status=Apprenticeship.Status.WITHDRAWN)
            .values_list("pk", flat=True)[:2]
        )
        if len(own) == 1:
            return redirect("progress:apprenticeship-home", pk=own[0])
        if not own and open_assessor_access(user):  # an end-point assessor, nothing else
            return redirect("accounts:assessor-home")
        if not own:
            return redirect("accounts:get-started")
    return redirect("progress:dashboard")


@login_required
def apprenticeship_home(request, pk):
    """The apprenticeship's home page: what to do next, programme and people, hours, progress
    per duty, the gateway checklist, the KSB heatmap, scans, evidence and the next review."""
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, queryset=Apprenticeship.objects.for_list().select_related("tally")
    )
    return render(request, "progress/apprenticeship_home.html", home_page(apprenticeship, role))


@login_required
def dashboard(request):
    """Every visible apprenticeship with its progress: a page of 25 is sorted and filtered in
    the database on the stored tally, then only its rows are loaded whole."""
    today = date.today()
    visible = table.visible_tallies(request.user)
    counts, filters = table.counts(request.user, visible, request.GET, today)
    rows = table.filtered(visible, filters, today)
    page = paginate(request, rows.values_list("pk", flat=True), count=counts["shown"])
    return render(
        request,
        "progress/dashboard.html",
        {
            "page_obj": page,
            "rows": table.page_rows(list(page.object_list), today),
            "counts": counts,
            "columns": sort_headers(table.COLUMNS, filters.sort),
            "filters": filters,
            "only_choices": list(table.ONLY_LABELS.items()),
            "statuses": Apprenticeship.Status.choices,
            "organisations": list(Organisation.objects.visible_to(request.user)[:20]),
            # Managers and admins give the selected rows a mentor (accounts:bulk-assign).
            "select_rows": "mentor"
            if request.user.is_superuser or "manager" in request.user.organisation_roles.values()
            else "",
        },
    )


@login_required
def dashboard_csv(request):
    """The dashboard's table, every row the filters keep (not one page), streamed as CSV."""
    today = date.today()
    visible = table.visible_tallies(request.user)
    filters = table.read_filters(request.GET, table.mentors_of(visible))
    return csv_stream(
        f"apprenticeships-{today}.csv",
        table.CSV_HEADER,
        (
            table.csv_row(row)
            for row in table.full_rows(table.filtered(visible, filters, today), today)
        ),
    )


def _gateway_page(request, apprenticeship, role, form):
    """The checklist, the declaration each party signs, who has signed it, and the form for
    the user's own party while it has not."""
    if apprenticeship.status == Apprenticeship.Status.ACTIVE:
        signatures = gateway_declarations(apprenticeship)
    else:  # the signatures that took it to gateway (or the last ones made)
        signatures = {}
        for signature in GatewayAgreement.objects.filter(
            apprenticeship=apprenticeship
        ).select_related("by"):
            signatures.setdefault(signature.party, signature)
    parties = parties_to_declare(apprenticeship)
    context = {
        "apprenticeship": apprenticeship,
        "role": role,
        "form": form,
        "statement": DECLARATION.format(apprentice=apprenticeship.person),
        "parties": [(PARTY_WORDS[party], signatures.get(party)) for party in parties],
        "own_party": PARTY_WORDS[role.party],
        "own_signature": signatures.get(role.party),
    }
    return render(
        request, "progress/gateway.html", {**context, "gateway": gateway_for(apprenticeship)}
    )


@login_required
def gateway(request, pk):
    """The gateway checklist and the declaration the employer and the training provider each
    sign: the apprenticeship goes to gateway once every party needed has."""
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, action=Action.MARK_GATEWAY, queryset=Apprenticeship.objects.for_list()
    )
    return _gateway_page(request, apprenticeship, role, GatewayForm())


@login_required
@require_POST
def gateway_mark(request, pk):
    """Sign the gateway declaration for the user's party (accounts.status.gateway_declare)."""
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, action=Action.MARK_GATEWAY, queryset=Apprenticeship.objects.for_list()
    )
    form = GatewayForm(request.POST)
    if not form.is_valid():
        return _gateway_page(request, apprenticeship, role, form)
    try:
        gateway_declare(
            apprenticeship=apprenticeship, by=request.user, note=form.cleaned_data["note"]
        )
    except StatusError as exc:
        messages.error(request, str(exc))
        return redirect("progress:gateway", pk=pk)
    if apprenticeship.status == Apprenticeship.Status.GATEWAY:
        messages.success(request, f"{apprenticeship.person} is now at gateway.")
        return redirect(apprenticeship)
    messages.success(
        request,
        f"You have signed the declaration for {PARTY_WORDS[role.party]}. The apprenticeship goes "
        "to gateway once the other party signs too.",
    )
    return redirect("progress:gateway", pk=pk)


@login_required
def portfolio_view(request, pk):
    apprenticeship, role = get_apprenticeship_for(
        request.user,
        pk,
        action=Action.VIEW_PORTFOLIO,
        queryset=Apprenticeship.objects.for_list(),
        seen=(request, "page"),
    )
    context = {"apprenticeship": apprenticeship, "role": role, "today": date.today()}
    return render(request, "progress/portfolio.html", {**context, **portfolio(apprenticeship)})


@login_required
def portfolio_csv(request, pk):
    apprenticeship, _ = get_apprenticeship_for(
        request.user, pk, action=Action.EXPORT, queryset=Apprenticeship.objects.for_list()
    )
    name = slugify(
        f"portfolio {apprenticeship.apprentice or ''} {apprenticeship.standard.reference}"
    )
    return csv_response(
        f"{name}.csv",
        ["code", "ksb", "duties", "latest agreed score", "evidence", "evidence dates", "links"],
        (
            [
                entry.ksb.code,
                entry.ksb.description,
                " ".join(str(duty.number) for duty in entry.ksb.duty_list),
                entry.score,
                " | ".join(item.title for item in entry.evidence),
                " | ".join(item.occurred_on.isoformat() for item in entry.evidence),
                " | ".join(item.url for item in entry.evidence if item.url),
            ]
            for entry in portfolio(apprenticeship)["entries"]
        ),
    )


@login_required
def evidence_queue(request):
    """Submitted evidence waiting for the employer, oldest first: a page over every
    apprenticeship they supervise, as the dashboard is."""
    waiting = Evidence.objects.filter(
        status=Evidence.Status.SUBMITTED,
        apprenticeship__in=Apprenticeship.objects.decided_by(request.user, Action.DECIDE_EVIDENCE),
    )
    rows = waiting.order_by("submitted_at", "pk").values_list(*QUEUE_FIELDS)
    # Counted from the tallies of the apprenticeships (kept exact with the evidence), once
    # after each change: not by joining every waiting piece to the apprenticeships it is for.
    page = paginate(request, rows, count=table.evidence_waiting_for(request.user))
    return render(
        request,
        "progress/evidence_queue.html",
        {"page_obj": page, "evidence_list": queue_items(page.object_list)},
    )
