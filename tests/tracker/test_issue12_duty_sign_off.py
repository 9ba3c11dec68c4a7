"""Issue 12, item 4: signing off a duty whose KSBs are not all evidenced asks for an explicit
confirmation and a reason, keeps both with the KSBs unevidenced at the time, and the pages say
"Signed off with n KSBs unevidenced" instead of a plain tick."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import EvidenceFactory
from tracker.forms import unevidenced_token
from tracker.models import DutySignOff
from tracker.services import duty_sign_off, unevidenced_ksbs_of

pytestmark = pytest.mark.django_db


def duty_url(apprenticeship, number, name="tracker:duty-detail"):
    return reverse(name, kwargs={"pk": apprenticeship.pk, "number": number})


def duty(apprenticeship, number=1):
    return apprenticeship.standard.duties.get(number=number)


@pytest.fixture
def partly_evidenced(apprenticeship):
    """The standard's 9 KSBs are in every duty; the first 3 have accepted evidence, so each
    duty has 6 KSBs unevidenced."""
    ksbs = list(apprenticeship.standard.ksbs.all())
    EvidenceFactory(apprenticeship=apprenticeship, status="accepted", ksbs=ksbs[:3])
    EvidenceFactory(apprenticeship=apprenticeship, status="submitted", ksbs=ksbs[3:4])
    return apprenticeship


def confirmed(apprenticeship, number=1, **changes):
    missing = unevidenced_ksbs_of(apprenticeship, duty(apprenticeship, number))
    data = {
        "note": "Runs the release train every sprint.",
        "reason": "The rest is shown at work; the write-ups follow next month.",
        "confirm": "on",
        "unevidenced": unevidenced_token(duty(apprenticeship, number), missing),
    }
    data.update(changes)
    return data


def test_the_form_lists_the_unevidenced_ksbs_and_asks_to_confirm(as_mentor, partly_evidenced):
    html = as_mentor.get(duty_url(partly_evidenced, 1, "tracker:duty-sign-off")).content.decode()
    assert "6 of this duty's 9 KSBs have no accepted evidence" in html
    for code in ("K4", "S1", "S2", "S3", "B1", "B2"):
        assert f"<strong>{code}</strong>" in html
    assert "<strong>K1</strong>" not in html
    assert "I confirm I am signing off duty 1 although 6 KSBs have no accepted evidence" in html
    assert "Why sign it off without evidence for these 6 KSBs?" in html


@pytest.mark.parametrize(
    ("missing_field", "message"),
    [
        ("confirm", "Tick the box to confirm you are signing off with 6 KSBs unevidenced."),
        ("reason", "Say why you are signing off with 6 KSBs unevidenced."),
    ],
)
def test_without_the_confirmation_or_the_reason_nothing_is_stored(
    as_mentor, partly_evidenced, missing_field, message
):
    data = confirmed(partly_evidenced)
    data.pop(missing_field)
    response = as_mentor.post(duty_url(partly_evidenced, 1, "tracker:duty-sign-off"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'role="alert"' in html
    assert "Runs the release train every sprint." in html  # what was typed is kept
    assert not DutySignOff.objects.exists()


def test_a_blank_reason_is_refused(as_mentor, partly_evidenced):
    data = confirmed(partly_evidenced, reason="   ")
    response = as_mentor.post(duty_url(partly_evidenced, 1, "tracker:duty-sign-off"), data)
    assert "Say why you are signing off with 6 KSBs unevidenced." in response.content.decode()
    assert not DutySignOff.objects.exists()


def test_a_note_alone_no_longer_signs_off_a_duty_with_gaps(as_mentor, partly_evidenced):
    url = duty_url(partly_evidenced, 1, "tracker:duty-sign-off")
    response = as_mentor.post(url, {"note": "Seen it."})
    assert response.status_code == 200
    assert not DutySignOff.objects.exists()


def test_confirmed_with_a_reason_it_is_stored_with_the_list_who_and_when(
    as_mentor, partly_evidenced, mentor
):
    url = duty_url(partly_evidenced, 1, "tracker:duty-sign-off")
    response = as_mentor.post(url, confirmed(partly_evidenced), follow=True)
    assert "Duty 1 signed off with 6 KSBs unevidenced." in response.content.decode()
    sign_off = DutySignOff.objects.get()
    assert (sign_off.action, sign_off.by, sign_off.duty.number) == ("signed_off", mentor, 1)
    assert sign_off.at
    assert sign_off.note == "Runs the release train every sprint."
    assert sign_off.unevidenced_reason == (
        "The rest is shown at work; the write-ups follow next month."
    )
    assert sorted(k.code for k in sign_off.unevidenced_ksbs.all()) == sorted(
        ["K4", "S1", "S2", "S3", "B1", "B2"]
    )


def test_with_every_ksb_evidenced_a_note_is_all_it_takes(as_mentor, apprenticeship):
    EvidenceFactory(
        apprenticeship=apprenticeship,
        status="accepted",
        ksbs=list(apprenticeship.standard.ksbs.all()),
    )
    url = duty_url(apprenticeship, 2, "tracker:duty-sign-off")
    html = as_mentor.get(url).content.decode()
    assert "Every one of this duty's 9 KSBs has accepted evidence." in html
    assert "I confirm" not in html and 'name="reason"' not in html
    response = as_mentor.post(url, {"note": "Seen it all."}, follow=True)
    assert "Duty 2 signed off." in response.content.decode()
    sign_off = DutySignOff.objects.get()
    assert sign_off.unevidenced_reason == "" and not sign_off.unevidenced_ksbs.exists()
    html = as_mentor.get(duty_url(apprenticeship, 2)).content.decode()
    assert "unevidenced" not in html and "Signed off" in html


def test_the_pages_say_signed_off_with_n_unevidenced_and_keep_the_list_at_the_time(
    client, partly_evidenced, mentor, apprentice
):
    client.force_login(mentor)
    client.post(duty_url(partly_evidenced, 1, "tracker:duty-sign-off"), confirmed(partly_evidenced))
    client.force_login(apprentice)
    pages = {
        "list": reverse("tracker:duty-list", kwargs={"pk": partly_evidenced.pk}),
        "detail": duty_url(partly_evidenced, 1),
        "home": partly_evidenced.get_absolute_url(),
    }
    for name, url in pages.items():
        html = client.get(url).content.decode()
        assert "Signed off with 6 KSBs unevidenced" in html, name
    detail = client.get(pages["detail"]).content.decode()
    assert "Unevidenced at sign-off" in detail
    assert "The rest is shown at work; the write-ups follow next month." in detail
    listing = client.get(pages["list"]).content.decode()
    assert "1 of 3 duties signed off (1 of them with KSBs still unevidenced)" in listing

    # Evidence for two more KSBs is accepted: the count now is 4, the record keeps its 6.
    ksbs = list(partly_evidenced.standard.ksbs.all())
    EvidenceFactory(apprenticeship=partly_evidenced, status="accepted", ksbs=ksbs[3:5])
    detail = client.get(pages["detail"]).content.decode()
    assert "Signed off with 4 KSBs unevidenced" in detail
    assert "6 KSBs: K4, S1, S2, S3, B1, B2" in detail
    assert DutySignOff.objects.get().unevidenced_ksbs.count() == 6


def test_one_unevidenced_ksb_is_said_in_the_singular(as_mentor, apprenticeship):
    ksbs = list(apprenticeship.standard.ksbs.all())
    EvidenceFactory(apprenticeship=apprenticeship, status="accepted", ksbs=ksbs[:-1])
    url = duty_url(apprenticeship, 1, "tracker:duty-sign-off")
    html = as_mentor.get(url).content.decode()
    assert "I confirm I am signing off duty 1 although 1 KSB has no accepted evidence" in html
    as_mentor.post(url, confirmed(apprenticeship))
    html = as_mentor.get(duty_url(apprenticeship, 1)).content.decode()
    assert "Signed off with 1 KSB unevidenced" in html


# --- tampered and stale posts ----------------------------------------------------------------


def test_a_confirmation_made_for_another_duty_is_refused(as_mentor, partly_evidenced):
    # Duty 2 has the same six KSBs missing: the confirmation still names duty 2.
    data = confirmed(partly_evidenced, 2)
    response = as_mentor.post(duty_url(partly_evidenced, 1, "tracker:duty-sign-off"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "not the ones you confirmed" in html
    assert f'value="{confirmed(partly_evidenced, 1)["unevidenced"]}"' in html
    assert 'name="confirm" class="checkboxinput form-check-input" id="id_confirm" checked' not in (
        html
    )
    assert not DutySignOff.objects.exists()


def test_a_confirmation_made_before_evidence_changed_is_refused(as_mentor, partly_evidenced):
    data = confirmed(partly_evidenced)
    ksbs = list(partly_evidenced.standard.ksbs.all())
    EvidenceFactory(apprenticeship=partly_evidenced, status="accepted", ksbs=ksbs[3:4])
    response = as_mentor.post(duty_url(partly_evidenced, 1, "tracker:duty-sign-off"), data)
    html = response.content.decode()
    assert "not the ones you confirmed" in html and "5 KSBs have no accepted evidence" in html
    assert not DutySignOff.objects.exists()
    # Confirming again, with the list as it is now, signs it off.
    as_mentor.post(
        duty_url(partly_evidenced, 1, "tracker:duty-sign-off"), confirmed(partly_evidenced)
    )
    assert DutySignOff.objects.get().unevidenced_ksbs.count() == 5


@pytest.mark.parametrize("token", ["", "1:", "1:K1", "garbage", "1:K4,S1,S2,S3,B1,B2,K9"])
def test_a_tampered_list_is_refused(as_mentor, partly_evidenced, token):
    data = confirmed(partly_evidenced, unevidenced=token)
    response = as_mentor.post(duty_url(partly_evidenced, 1, "tracker:duty-sign-off"), data)
    assert response.status_code == 200
    assert not DutySignOff.objects.exists()


def test_another_apprenticeships_duty_is_a_404(
    client, partly_evidenced, globex_apprenticeship, mentor
):
    client.force_login(mentor)
    data = confirmed(globex_apprenticeship)
    url = duty_url(globex_apprenticeship, 1, "tracker:duty-sign-off")
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert not DutySignOff.objects.exists()


def test_the_service_refuses_a_sign_off_with_gaps_not_confirmed(partly_evidenced, mentor):
    the_duty = duty(partly_evidenced)
    missing = unevidenced_ksbs_of(partly_evidenced, the_duty)
    for unevidenced, reason in (((), "Why"), (missing[:2], "Why"), (missing, "")):
        with pytest.raises(ValidationError):
            duty_sign_off(
                apprenticeship=partly_evidenced,
                duty=the_duty,
                user=mentor,
                note="Seen",
                unevidenced=[k.pk for k in unevidenced],
                reason=reason,
            )
    assert not DutySignOff.objects.exists()
    duty_sign_off(
        apprenticeship=partly_evidenced,
        duty=the_duty,
        user=mentor,
        note="Seen",
        unevidenced=[k.pk for k in missing],
        reason="Why",
    )
    assert DutySignOff.objects.get().unevidenced_ksbs.count() == 6


# --- what the pages cost ---------------------------------------------------------------------


@pytest.mark.parametrize("others", [0, 20])
@pytest.mark.parametrize(
    ("name", "queries"), [("tracker:duty-list", 8), ("tracker:duty-detail", 9)]
)
def test_duty_pages_with_a_gapped_sign_off_cost_the_same_whatever_the_data(
    client,
    partly_evidenced,
    mentor,
    apprentice,
    django_assert_num_queries,
    others,
    name,
    queries,
):
    """The duty list counts what is unevidenced from the rows it has (8 queries with the
    bell's, as without a sign-off); the duty page reads the KSBs unevidenced at each of its
    sign-offs in one more query (9), whatever their number."""
    client.force_login(mentor)
    for number in (1, 2):
        client.post(
            duty_url(partly_evidenced, number, "tracker:duty-sign-off"),
            confirmed(partly_evidenced, number),
        )
    client.post(duty_url(partly_evidenced, 2, "tracker:duty-sign-off-undo"), {"reason": "Again"})
    ksbs = list(partly_evidenced.standard.ksbs.all())
    for n in range(others):
        EvidenceFactory(apprenticeship=partly_evidenced, status="accepted", ksbs=ksbs[n % 3 : 3])
    client.force_login(apprentice)
    kwargs = {"pk": partly_evidenced.pk}
    if name == "tracker:duty-detail":
        kwargs["number"] = 1
    url = reverse(name, kwargs=kwargs)
    client.get(url)  # the standard's structure is read once per process
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
