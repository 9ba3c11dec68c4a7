"""Issue 12: the words on the apprentice's home say what the data says."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from progress.rules import INITIAL_SCAN_MONTHS, scan_words
from tests.factories import ApprenticeshipFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def _months_in(months, **fields):
    """Started so that today is in month ``months + 1`` of a two-year programme."""
    today = date.today()
    year, month = divmod(today.month - 1 - months, 12)
    start = date(today.year + year, month + 1, 1)
    return ApprenticeshipFactory(
        start_date=start, planned_end_date=start + timedelta(days=730), **fields
    )


# --- duty status -----------------------------------------------------------------------------


def test_a_duty_with_evidence_but_none_accepted_is_started_not_in_progress(
    client, apprentice, apprenticeship
):
    duties = list(apprenticeship.standard.duties.order_by("number"))
    first_ksbs = list(duties[0].ksbs.all())
    EvidenceFactory(apprenticeship=apprenticeship, status="submitted", ksbs=first_ksbs[:2])
    client.force_login(apprentice)
    response = client.get(apprenticeship.get_absolute_url())
    rows = response.context["duties"]
    assert rows[0].covered == 0 and rows[0].status == "in_progress"
    assert rows[0].status_label == "Started"
    html = response.content.decode()
    table = html[html.index('class="table align-middle duty-table"') :]
    first_row = table.split("<tbody>")[1].split("</tr>")[0]
    total = len(first_ksbs)
    assert f"0 of {total} KSBs evidenced, 2 more with evidence not yet accepted" in first_row
    assert "In progress" not in first_row
    assert "Started" in first_row


def test_in_progress_once_something_is_accepted(client, apprentice, apprenticeship):
    ksbs = list(apprenticeship.standard.duties.order_by("number").first().ksbs.all())
    EvidenceFactory(apprenticeship=apprenticeship, status="accepted", ksbs=ksbs[:1])
    EvidenceFactory(apprenticeship=apprenticeship, status="changes_requested", ksbs=ksbs[1:2])
    client.force_login(apprentice)
    row = client.get(apprenticeship.get_absolute_url()).context["duties"][0]
    assert (row.covered, row.waiting, row.status_label) == (1, 1, "In progress")


def test_a_duty_with_nothing_is_not_started(client, apprentice, apprenticeship):
    EvidenceFactory(
        apprenticeship=apprenticeship,
        status="draft",
        ksbs=list(apprenticeship.standard.ksbs.all()),
    )
    client.force_login(apprentice)
    rows = client.get(apprenticeship.get_absolute_url()).context["duties"]
    assert {(row.status_label, row.waiting) for row in rows} == {("Not started", 0)}


# --- the first scan --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "month", "words"),
    [
        ("initial", 0, "initial"),
        ("initial", 1, "initial"),
        ("initial", INITIAL_SCAN_MONTHS, "initial"),
        ("initial", INITIAL_SCAN_MONTHS + 1, "first"),
        ("initial", 22, "first"),
        ("review", 22, "review"),
        ("final", 2, "final"),
    ],
)
def test_scan_words(stage, month, words):
    assert scan_words(stage, month) == words


def _prompts(html):
    """The home's next steps and the scan panel's buttons."""
    return re.findall(r'<li><a href="[^"]*">([^<]+)</a></li>|>(Start your [^<]+)</button>', html)


def test_month_22_is_offered_the_first_scan_not_an_initial_one(client, apprentice, standard, acme):
    late = _months_in(21, apprentice=apprentice, standard=standard, organisation=acme)
    client.force_login(apprentice)
    response = client.get(late.get_absolute_url())
    assert response.context["month"] == 22
    html = response.content.decode()
    assert ">Take your first skills scan</a>" in html
    assert ">Start your first skills scan</button>" in html
    prompts = " ".join(text for pair in _prompts(html) for text in pair)
    assert "initial" not in prompts


def test_a_new_apprentice_takes_the_initial_scan(client, apprentice, standard, acme):
    new = _months_in(0, apprentice=apprentice, standard=standard, organisation=acme)
    client.force_login(apprentice)
    html = client.get(new.get_absolute_url()).content.decode()
    assert ">Take your initial skills scan</a>" in html
    assert ">Start your initial skills scan</button>" in html


def test_a_late_draft_is_finished_as_the_first_scan(client, apprentice, standard, acme):
    from tests.factories import make_scan

    late = _months_in(21, apprentice=apprentice, standard=standard, organisation=acme)
    make_scan(late, scores={})
    client.force_login(apprentice)
    texts = [text for text, _ in client.get(late.get_absolute_url()).context["next_actions"]]
    assert texts[0].startswith("Finish your first skills scan (0 of 9 rated)")


# --- links that go somewhere -----------------------------------------------------------------


def test_see_what_is_missing_never_links_to_the_page_it_is_on(client, apprentice, apprenticeship):
    client.force_login(apprentice)
    home = apprenticeship.get_absolute_url()
    html = client.get(home).content.decode()
    checklist = html[html.index('class="gateway-checklist') :].split("</ul>")[0]
    assert "No scan submitted yet" in checklist
    assert f'href="{home}"' not in checklist
    assert checklist.count("See what is missing") == 4  # the other four lines link elsewhere


def test_the_gateway_page_links_the_scan_line_to_the_home(client, mentor, apprenticeship):
    client.force_login(mentor)
    url = reverse("progress:gateway", kwargs={"pk": apprenticeship.pk})
    html = client.get(url).content.decode()
    checklist = html[html.index('class="gateway-checklist') :].split("</ul>")[0]
    assert checklist.count("See what is missing") == 5
    assert f'href="{apprenticeship.get_absolute_url()}"' in checklist


def test_the_employer_is_asked_to_review_all_the_evidence_waiting(client, mentor, apprenticeship):
    for days in range(7):
        EvidenceFactory(
            apprenticeship=apprenticeship,
            status="submitted",
            submitted_at=timezone.now() - timedelta(days=days),
            occurred_on=date.today() - timedelta(days=days),
        )
    client.force_login(mentor)
    texts = [
        text for text, _ in client.get(apprenticeship.get_absolute_url()).context["next_actions"]
    ]
    assert "Review the 7 pieces of evidence waiting for you" in texts
