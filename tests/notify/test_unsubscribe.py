"""The one-click unsubscribe of every e-mail: it works without logging in, a GET only asks,
a POST (the page's button, or a mail provider's RFC 8058 one-click with no CSRF token)
switches that one kind to the inbox only, and a tampered link changes nothing."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from notify.delivery import Message, deliver, unsubscribe_headers, unsubscribe_token
from notify.digest import DIGEST
from notify.models import Notification, Preference

pytestmark = pytest.mark.django_db

KIND = "evidence_submitted"
ONE_CLICK = "List-Unsubscribe=One-Click"


def link_of(user, kind=KIND):
    """The path of the List-Unsubscribe header's link, as a mail provider reads it."""
    headers = unsubscribe_headers(user, kind)
    assert headers["List-Unsubscribe-Post"] == ONE_CLICK
    return urlsplit(headers["List-Unsubscribe"].strip("<>")).path


def one_click(path):
    """A mail provider's POST: no cookies, no CSRF token, the form body RFC 8058 gives."""
    return Client(enforce_csrf_checks=True).post(
        path, ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )


def stored(user):
    return dict(Preference.objects.filter(user=user).values_list("kind", "channel"))


def test_a_get_names_the_kind_and_asks_changing_nothing(client, mentor):
    response = client.get(link_of(mentor))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Evidence submitted for review" in html
    assert "Stop these e-mails</button>" in html
    assert stored(mentor) == {}


def test_the_one_click_post_switches_only_that_kind_to_the_inbox(mentor):
    Preference.objects.create(user=mentor, kind="scan_submitted", channel="digest")
    Preference.objects.create(user=mentor, kind="review_due", channel="off")
    response = one_click(link_of(mentor))
    html = response.content.decode()
    assert response.status_code == 200
    assert "You will no longer get e-mails about “Evidence submitted for review”" in html
    assert "they still appear in your inbox" in html
    assert stored(mentor) == {KIND: "inapp", "scan_submitted": "digest", "review_due": "off"}


def test_the_pages_button_works_logged_out_and_as_someone_else(client, mentor, manager):
    client.force_login(manager)
    response = client.post(link_of(mentor))
    assert response.status_code == 200
    assert stored(mentor) == {KIND: "inapp"}
    assert stored(manager) == {}


def test_after_unsubscribing_the_kind_reaches_the_inbox_but_no_mailbox(
    mentor, apprenticeship, mailoutbox
):
    one_click(link_of(mentor))
    deliver([Message(mentor, KIND, "Evidence to review", apprenticeship.get_absolute_url())])
    assert Notification.objects.filter(recipient=mentor, kind=KIND).count() == 1
    assert mailoutbox == []


def test_twice_is_the_same_as_once(mentor):
    one_click(link_of(mentor))
    assert one_click(link_of(mentor)).status_code == 200
    assert stored(mentor) == {KIND: "inapp"}


def test_a_kind_switched_off_stays_off(mentor):
    Preference.objects.create(user=mentor, kind=KIND, channel="off")
    assert one_click(link_of(mentor)).status_code == 200
    assert stored(mentor) == {KIND: "off"}


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "eyJ1IjoxfQ:1abcde:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "-",
    ],
)
def test_a_malformed_token_is_a_clear_page_and_changes_nothing(client, mentor, token):
    for response in (
        client.get(f"/notifications/unsubscribe/{token}/"),
        one_click(f"/notifications/unsubscribe/{token}/"),
    ):
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert stored(mentor) == {}


def test_a_tampered_token_changes_nothing(mentor, manager):
    token = unsubscribe_token(mentor, KIND)
    body, _, signature = token.rpartition(":")
    tampered = unsubscribe_token(manager, KIND).rpartition(":")[0] + ":" + signature
    flipped = body + ":" + ("A" if signature[0] != "A" else "B") + signature[1:]
    for bad in (tampered, flipped):
        response = one_click(f"/notifications/unsubscribe/{bad}/")
        assert response.status_code == 400
    assert stored(mentor) == {} and stored(manager) == {}


def test_a_token_for_an_unknown_kind_changes_nothing(mentor):
    for kind in ("no_such_kind", "invitation"):
        response = one_click(f"/notifications/unsubscribe/{unsubscribe_token(mentor, kind)}/")
        assert response.status_code == 400
    assert stored(mentor) == {}


def test_a_deleted_user_is_a_404(client, mentor):
    from accounts.services import user_delete_account

    path = link_of(mentor)
    user_delete_account(user=mentor)
    assert client.get(path).status_code == 404
    response = one_click(path)
    assert response.status_code == 404
    assert "no longer exists" in response.content.decode()
    assert not Preference.objects.exists()


def test_a_user_gone_from_the_database_is_a_404(client, user):
    path = link_of(user)
    user.delete()
    assert one_click(path).status_code == 404


def test_the_digests_link_moves_the_digest_kinds_to_the_inbox(mentor, apprenticeship):
    Preference.objects.create(user=mentor, kind="evidence_submitted", channel="digest")
    Preference.objects.create(user=mentor, kind="scan_submitted", channel="digest")
    Preference.objects.create(user=mentor, kind="review_due", channel="email")
    waiting = Notification.objects.create(
        recipient=mentor, kind=KIND, title="Waits", url="/", for_digest=True
    )
    client = Client()
    assert "Stop your digest e-mails?" in client.get(link_of(mentor, DIGEST)).content.decode()
    assert stored(mentor)["scan_submitted"] == "digest"
    response = one_click(link_of(mentor, DIGEST))
    assert "You will no longer get digest e-mails" in response.content.decode()
    assert stored(mentor) == {
        "evidence_submitted": "inapp",
        "scan_submitted": "inapp",
        "review_due": "email",
        "hours_submitted": "inapp",  # in the digest by default: to the inbox too
    }
    waiting.refresh_from_db()
    assert not waiting.for_digest and waiting.read_at is None


def test_the_page_carries_no_inline_script_or_style(client, mentor):
    html = client.get(link_of(mentor)).content.decode()
    assert "<script>" not in html and " style=" not in html


def test_a_kind_that_cannot_be_switched_off_is_not_stopped(monkeypatch, mentor):
    from dataclasses import replace

    from notify.catalogue import ENTRIES, Kind

    monkeypatch.setitem(ENTRIES, Kind(KIND), replace(ENTRIES[Kind(KIND)], mandatory=True))
    response = one_click(link_of(mentor))
    assert response.status_code == 400
    assert "cannot be stopped" in response.content.decode()
    assert stored(mentor) == {}
