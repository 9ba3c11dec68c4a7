"""Issue 12, item 11: evidence decided KSB by KSB, withdrawn before a decision, and talked about
in a thread of comments; the employer's queue says how long each piece has waited."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from progress.selectors import gateway_for, portfolio
from progress.tally import tally_check
from tests.factories import ApprenticeshipFactory, EvidenceFactory, KSBFactory, make_standard
from tracker.models import Evidence, EvidenceFeedback, EvidenceKSB, KSBDecision
from tracker.rules import evidenced_ksb_ids, waiting_days, waiting_label
from tracker.selectors import duty_page, duty_rows_from_database, duty_rows_of
from tracker.services import TrackerError, evidence_decide, evidence_submit

pytestmark = pytest.mark.django_db


def _url(path):
    return f"http://testserver{path}"


@pytest.fixture
def small(acme, apprentice, mentor):
    """An apprenticeship on a standard of one duty drawing on three KSBs (K1, K2, S1)."""
    standard = make_standard(knowledge=2, skills=1, behaviours=0, duties=1)
    return ApprenticeshipFactory(
        apprentice=apprentice, standard=standard, organisation=acme, mentor=mentor
    )


@pytest.fixture
def claimed(small):
    """Submitted evidence claiming all three KSBs of ``small``."""
    return EvidenceFactory(
        apprenticeship=small,
        status="submitted",
        submitted_at=timezone.now(),
        ksbs=list(small.standard.ksbs.all()),
    )


def ksb(apprenticeship, code):
    return apprenticeship.standard.ksbs.get(kind=code[0], number=int(code[1:]))


def decide_url(evidence):
    return reverse("tracker:evidence-decide", kwargs={"pk": evidence.pk})


def accept_two_of_three(client, evidence, reason="The pipeline does not show monitoring."):
    apprenticeship = evidence.apprenticeship
    k1, k2, s1 = (ksb(apprenticeship, c) for c in ("K1", "K2", "S1"))
    return client.post(
        decide_url(evidence),
        {
            "decision": "accepted",
            "ksbs": [k1.pk, s1.pk],
            f"reason_{k2.pk}": reason,
            "comment": "Good pipeline.",
        },
    )


# --- deciding KSB by KSB ---------------------------------------------------------------------


def test_the_review_form_starts_with_every_claimed_ksb_ticked(client, mentor, claimed):
    client.force_login(mentor)
    html = client.get(claimed.get_absolute_url()).content.decode()
    for link in claimed.ksb_links.select_related("ksb"):
        assert f'value="{link.ksb.pk}" id=' in html
        assert f"Why {link.ksb.code} is not shown" in html
    assert html.count('name="ksbs"') == 3
    assert html.count(" checked>") == 3


def test_accepting_two_of_three_ksbs_counts_only_those_two_everywhere(
    client, mentor, apprentice, claimed, small
):
    client.force_login(mentor)
    response = accept_two_of_three(client, claimed)
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert claimed.status == "accepted"
    k1, k2, s1 = (ksb(small, c) for c in ("K1", "K2", "S1"))
    flags = dict(EvidenceKSB.objects.filter(evidence=claimed).values_list("ksb_id", "accepted"))
    assert flags == {k1.pk: True, k2.pk: False, s1.pk: True}
    # The decision is a record, with its outcome per KSB and the reason for the one left out.
    decision = claimed.feedback.get(decision="accepted")
    outcomes = {d.ksb_id: (d.accepted, d.reason) for d in decision.ksb_decisions.all()}
    assert outcomes == {
        k1.pk: (True, ""),
        k2.pk: (False, "The pipeline does not show monitoring."),
        s1.pk: (True, ""),
    }
    # Coverage, the duty's status, the gateway, the portfolio and the dashboard's tally.
    assert evidenced_ksb_ids(small) == ({k1.pk, s1.pk}, {k1.pk, k2.pk, s1.pk})
    for rows in (duty_rows_of(small), duty_rows_from_database(small)):
        assert (rows[0].covered, rows[0].total, rows[0].status) == (2, 3, "in_progress")
    duty = small.standard.duties.get()
    from standards.selectors import standard_structure

    page = duty_page(small, standard_structure(small.standard).duties[0])
    assert [k.code for k in page.missing] == ["K2"]
    assert duty.number == 1
    assert "Every KSB has accepted evidence" in gateway_for(small).missing
    entries = {e.ksb.code: [i.pk for i in e.evidence] for e in portfolio(small)["entries"]}
    assert entries == {"K1": [claimed.pk], "K2": [], "S1": [claimed.pk]}
    assert small.tally.ksbs_covered == 2
    assert tally_check() == []


def test_the_evidence_page_shows_each_ksbs_outcome_and_reason(client, mentor, apprentice, claimed):
    client.force_login(mentor)
    accept_two_of_three(client, claimed, reason="No <b>monitoring</b> shown.")
    client.force_login(apprentice)
    html = client.get(claimed.get_absolute_url()).content.decode()
    assert html.count("not accepted</span>") == 2  # beside the KSB, and in the history
    assert "No &lt;b&gt;monitoring&lt;/b&gt; shown." in html
    assert "<b>monitoring</b>" not in html
    assert html.count("accepted</span>") - html.count("not accepted</span>") == 4


def test_the_duty_page_marks_accepted_evidence_that_did_not_accept_a_ksb(
    client, mentor, apprentice, claimed, small
):
    client.force_login(mentor)
    accept_two_of_three(client, claimed)
    client.force_login(apprentice)
    page = client.get(reverse("tracker:duty-detail", kwargs={"pk": small.pk, "number": 1}))
    rows = {row["ksb"].code: row for row in page.context["page"].ksb_rows}
    assert (rows["K1"]["accepted"], rows["K2"]["accepted"]) == (True, False)
    assert rows["K2"]["evidence"][0].ksb_accepted is False
    assert "but not for K2" in page.content.decode()
    assert "but not for K1" not in page.content.decode()


def test_a_decision_with_no_ksb_accepted_is_refused_and_keeps_the_reasons(
    client, mentor, claimed, small
):
    client.force_login(mentor)
    reasons = {f"reason_{k.pk}": f"Not {k.code}" for k in small.standard.ksbs.all()}
    response = client.post(decide_url(claimed), {"decision": "accepted", **reasons})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Accept at least one KSB, or ask for changes instead." in html
    assert "Not K2" in html  # what was typed is still there
    claimed.refresh_from_db()
    assert claimed.status == "submitted"
    assert not claimed.feedback.filter(decision="accepted").exists()
    with pytest.raises(ValidationError, match="Accept at least one KSB"):
        evidence_decide(
            evidence=claimed,
            user=mentor,
            decision="accepted",
            comment="",
            ksb_outcomes={k.pk: (False, "No") for k in small.standard.ksbs.all()},
        )


def test_a_ksb_not_accepted_needs_a_reason(client, mentor, claimed, small):
    client.force_login(mentor)
    response = accept_two_of_three(client, claimed, reason="   ")
    assert response.status_code == 200
    assert "Say why K2 is not shown." in response.content.decode()
    claimed.refresh_from_db()
    assert claimed.status == "submitted"
    with pytest.raises(ValidationError, match="Say why"):
        evidence_decide(
            evidence=claimed,
            user=mentor,
            decision="accepted",
            comment="",
            ksb_outcomes={ksb(small, "K1").pk: (True, ""), ksb(small, "K2").pk: (False, "")},
        )


def test_a_reason_that_is_too_long_is_refused(client, mentor, claimed):
    client.force_login(mentor)
    response = accept_two_of_three(client, claimed, reason="x" * 1001)
    assert response.status_code == 200
    claimed.refresh_from_db()
    assert claimed.status == "submitted"


@pytest.mark.parametrize("whose", ["another standard", "not on the evidence"])
def test_tampered_ksb_ids_are_refused(client, mentor, claimed, small, standard, whose):
    if whose == "another standard":
        foreign = standard.ksbs.first()
    else:
        foreign = KSBFactory(standard=small.standard, kind="B", number=9)
    client.force_login(mentor)
    response = client.post(
        decide_url(claimed),
        {"decision": "accepted", "ksbs": [ksb(small, "K1").pk, foreign.pk]},
    )
    assert response.status_code == 200
    assert "Decide only on the KSBs this evidence claims." in response.content.decode()
    claimed.refresh_from_db()
    assert claimed.status == "submitted"
    with pytest.raises(ValidationError, match="Decide only on the KSBs"):
        evidence_decide(
            evidence=claimed,
            user=mentor,
            decision="accepted",
            comment="",
            ksb_outcomes={foreign.pk: (True, "")},
        )
    assert not KSBDecision.objects.exists()


def test_asking_for_changes_ignores_the_ticks_and_counts_nothing(client, mentor, claimed, small):
    client.force_login(mentor)
    response = client.post(
        decide_url(claimed),
        {"decision": "changes_requested", "comment": "Add the run.", "ksbs": []},
    )
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert claimed.status == "changes_requested"
    assert not EvidenceKSB.objects.filter(accepted=True).exists()
    assert evidenced_ksb_ids(small)[0] == set()


def test_resubmitting_resets_every_ksb_until_the_next_decision(mentor, apprentice, claimed, small):
    """Flags left set (as by an older decision) count for nothing once the evidence goes back
    for review, and are cleared when it is submitted again."""
    evidence_decide(evidence=claimed, user=mentor, decision="changes_requested", comment="More")
    EvidenceKSB.objects.filter(evidence=claimed).update(accepted=True)  # stale flags
    assert evidenced_ksb_ids(small)[0] == set()  # not accepted evidence: nothing counts
    evidence_submit(evidence=claimed, user=apprentice)
    assert not EvidenceKSB.objects.filter(evidence=claimed, accepted=True).exists()
    assert small.tally.ksbs_covered == 0 or tally_check() == []
    evidence_decide(
        evidence=claimed,
        user=mentor,
        decision="accepted",
        comment="",
        ksb_outcomes={ksb(small, "S1").pk: (True, "")}
        | {ksb(small, "K1").pk: (False, "No")}
        | {ksb(small, "K2").pk: (False, "No")},
    )
    assert evidenced_ksb_ids(small)[0] == {ksb(small, "S1").pk}
    assert tally_check() == []


def test_a_decision_as_a_whole_still_accepts_every_ksb(mentor, claimed, small):
    evidence_decide(evidence=claimed, user=mentor, decision="accepted", comment="")
    assert evidenced_ksb_ids(small)[0] == set(small.standard.ksbs.values_list("pk", flat=True))
    assert [d.accepted for d in KSBDecision.objects.all()] == [True, True, True]


# --- withdrawing -------------------------------------------------------------------------------


def withdraw_url(evidence):
    return reverse("tracker:evidence-withdraw", kwargs={"pk": evidence.pk})


def test_the_apprentice_withdraws_after_confirming_and_the_queue_forgets_it(
    client, apprentice, mentor, claimed
):
    client.force_login(mentor)
    assert client.get(reverse("progress:evidence-queue")).context["evidence_list"]
    client.force_login(apprentice)
    page = client.get(claimed.get_absolute_url()).content.decode()
    assert withdraw_url(claimed) in page
    confirm = client.get(withdraw_url(claimed))
    assert confirm.status_code == 200
    assert "Withdraw it" in confirm.content.decode()
    claimed.refresh_from_db()
    assert claimed.status == "submitted"  # asking changes nothing
    response = client.post(withdraw_url(claimed), follow=True)
    assert "Evidence withdrawn" in response.content.decode()
    claimed.refresh_from_db()
    assert (claimed.status, claimed.submitted_at) == ("draft", None)
    last = claimed.feedback.last()
    assert (last.decision, last.author) == ("withdrawn", apprentice)
    assert "Withdrawn from review</strong> by" in response.content.decode()
    client.force_login(mentor)
    queue = client.get(reverse("progress:evidence-queue"))
    assert queue.context["evidence_list"] == []
    assert queue.context["page_obj"].paginator.count == 0
    assert tally_check() == []


def test_withdrawing_twice_or_after_a_decision_is_refused_with_a_message(
    client, apprentice, mentor, claimed
):
    client.force_login(apprentice)
    client.post(withdraw_url(claimed))
    response = client.post(withdraw_url(claimed), follow=True)
    assert "no longer waiting for review" in response.content.decode()
    assert claimed.feedback.filter(decision="withdrawn").count() == 1
    evidence_submit(evidence=claimed, user=apprentice)
    evidence_decide(evidence=claimed, user=mentor, decision="accepted", comment="")
    for method in (client.get, client.post):
        response = method(withdraw_url(claimed), follow=True)
        assert "no longer waiting for review" in response.content.decode()
    claimed.refresh_from_db()
    assert claimed.status == "accepted"
    with pytest.raises(TrackerError):
        from tracker.services import evidence_withdraw

        evidence_withdraw(evidence=claimed, user=apprentice)


def test_only_the_apprentice_may_withdraw_and_others_get_404(
    client, mentor, manager, other_apprentice, other_manager, claimed
):
    for user, status in ((mentor, 403), (manager, 403), (other_apprentice, 404)):
        client.force_login(user)
        assert client.get(withdraw_url(claimed)).status_code == status
        assert client.post(withdraw_url(claimed)).status_code == status
    client.force_login(other_manager)
    assert client.post(withdraw_url(claimed)).status_code == 404
    claimed.refresh_from_db()
    assert claimed.status == "submitted"


def test_withdrawing_needs_the_csrf_token(apprentice, claimed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(apprentice)
    assert client.post(withdraw_url(claimed)).status_code == 403
    claimed.refresh_from_db()
    assert claimed.status == "submitted"


# --- the thread of comments --------------------------------------------------------------------


def comment_url(evidence):
    return reverse("tracker:evidence-comment", kwargs={"pk": evidence.pk})


def test_both_sides_reply_without_changing_the_evidence(client, apprentice, mentor, claimed):
    evidence_decide(
        evidence=claimed,
        user=mentor,
        decision="changes_requested",
        comment="Link the run.",
    )
    client.force_login(apprentice)
    response = client.post(comment_url(claimed), {"comment": "Which <run>? The nightly one?"})
    assert response.status_code == 302
    client.force_login(mentor)
    client.post(comment_url(claimed), {"comment": "The nightly one."})
    claimed.refresh_from_db()
    assert claimed.status == "changes_requested"
    history = [(f.decision, f.author, f.comment) for f in claimed.feedback.all()]
    assert history[-2:] == [
        ("comment", apprentice, "Which <run>? The nightly one?"),
        ("comment", mentor, "The nightly one."),
    ]
    html = client.get(claimed.get_absolute_url()).content.decode()
    assert "Which &lt;run&gt;? The nightly one?" in html
    assert "<run>" not in html
    assert html.index("Changes requested</strong>") < html.index("Which &lt;run&gt;")
    assert html.count("Reply</strong> by") == 2


def test_an_empty_comment_is_refused(client, apprentice, claimed):
    client.force_login(apprentice)
    response = client.post(comment_url(claimed), {"comment": "   "})
    assert response.status_code == 200
    assert "Write your reply first." in response.content.decode()
    assert not claimed.feedback.filter(decision="comment").exists()


def test_a_comment_too_long_is_refused_with_the_text_kept(client, apprentice, claimed):
    client.force_login(apprentice)
    text = "word " * 401 + "end"
    response = client.post(comment_url(claimed), {"comment": text})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Keep a reply to 2000 characters" in html
    assert "word word word" in html and "end</textarea>" in html
    assert not claimed.feedback.filter(decision="comment").exists()


def test_a_draft_takes_no_comments(client, apprentice, small):
    draft = EvidenceFactory(apprenticeship=small, ksbs=[small.standard.ksbs.first()])
    client.force_login(apprentice)
    assert (
        'action="' + comment_url(draft) not in client.get(draft.get_absolute_url()).content.decode()
    )
    response = client.post(comment_url(draft), {"comment": "Hello"}, follow=True)
    assert "once the evidence has been submitted" in response.content.decode()
    assert not draft.feedback.exists()


def test_comments_are_post_only_csrf_checked_and_404_for_others(
    client, other_apprentice, other_manager, apprentice, claimed
):
    client.force_login(apprentice)
    assert client.get(comment_url(claimed)).status_code == 405
    for user in (other_apprentice, other_manager):
        client.force_login(user)
        assert client.post(comment_url(claimed), {"comment": "Hi"}).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(apprentice)
    assert strict.post(comment_url(claimed), {"comment": "Hi"}).status_code == 403
    assert not claimed.feedback.filter(decision="comment").exists()


# --- the queue: how long each piece has waited -------------------------------------------------


@pytest.mark.parametrize(
    ("days", "label"), [(0, "sent today"), (1, "waiting 1 day"), (6, "waiting 6 days")]
)
def test_waiting_is_counted_in_calendar_days(days, label):
    today = timezone.localdate()
    sent = timezone.make_aware(
        timezone.datetime.combine(today - timedelta(days=days), timezone.datetime.min.time())
    )
    assert waiting_days(sent, today) == days
    assert waiting_days(sent + timedelta(hours=23, minutes=59), today) == days
    assert waiting_label(days) == label
    assert waiting_days(timezone.now() + timedelta(days=2), today) == 0  # a clock ahead


def test_the_queue_says_how_long_each_waited_longest_first(client, mentor, small):
    now = timezone.now()
    made = {
        days: EvidenceFactory(
            apprenticeship=small,
            status="submitted",
            submitted_at=now - timedelta(days=days),
            title=f"Waited {days}",
        )
        for days in (1, 6, 0, 30)
    }
    client.force_login(mentor)
    response = client.get(reverse("progress:evidence-queue"))
    listed = response.context["evidence_list"]
    assert [item.pk for item in listed] == [made[d].pk for d in (30, 6, 1, 0)]
    assert [item.waiting for item in listed] == [
        "waiting 30 days",
        "waiting 6 days",
        "waiting 1 day",
        "sent today",
    ]
    html = response.content.decode()
    assert html.index("waiting 30 days") < html.index("waiting 6 days") < html.index("sent today")
    assert '<span class="d-block small queue-waiting">waiting 6 days</span>' in html


def test_the_evidence_page_says_how_long_it_has_waited(client, mentor, small):
    evidence = EvidenceFactory(
        apprenticeship=small,
        status="submitted",
        submitted_at=timezone.now() - timedelta(days=6),
        ksbs=[small.standard.ksbs.first()],
    )
    client.force_login(mentor)
    assert "(waiting 6 days)" in client.get(evidence.get_absolute_url()).content.decode()


# --- queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("comments", [1, 20])
def test_the_evidence_page_with_a_decision_and_a_thread_costs_the_same(
    client, apprentice, mentor, claimed, django_assert_num_queries, comments
):
    client.force_login(mentor)
    accept_two_of_three(client, claimed)
    for n in range(comments):
        EvidenceFeedback.objects.create(
            evidence=claimed,
            author=apprentice if n % 2 else mentor,
            decision="comment",
            comment="x",
        )
    client.force_login(apprentice)
    # As many as before decisions were per KSB, +1 since issue 13: the KSBs' wording history,
    # +1 since issue 15: the bell's unread count.
    with django_assert_num_queries(9):
        assert client.get(claimed.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_the_review_form_costs_the_same_whatever_the_ksbs(
    client, mentor, acme, apprentice, django_assert_num_queries, size
):
    standard = make_standard(knowledge=size, skills=0, behaviours=0, duties=1)
    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice, standard=standard, organisation=acme, mentor=mentor
    )
    evidence = EvidenceFactory(
        apprenticeship=apprenticeship,
        status=Evidence.Status.SUBMITTED,
        submitted_at=timezone.now(),
        ksbs=list(standard.ksbs.all()),
    )
    client.force_login(mentor)
    # +1 since issue 13: the KSBs' wording history; +1 since issue 15: the bell's count.
    with django_assert_num_queries(8):
        assert client.get(evidence.get_absolute_url()).status_code == 200
