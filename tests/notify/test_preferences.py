"""The preferences page: a choice per kind, grouped; the digest only for mentors and
managers; the e-mails that are always sent shown as such; and bad input refused whole."""

import pytest
from django.urls import reverse

from notify.catalogue import ENTRIES, Channel, Kind, Mode
from notify.models import DigestChoice, Preference
from notify.services import kinds_for

pytestmark = pytest.mark.django_db

URL = "/notifications/preferences/"


def every_kind(user, channel="email", **changes):
    """A choice for every kind offered to ``user``."""
    return {**{kind.value: channel for kind in kinds_for(user)}, **changes}


def stored(user):
    return dict(Preference.objects.filter(user=user).values_list("kind", "channel"))


def test_the_page_needs_a_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_a_mentor_chooses_among_four_channels_for_every_kind_grouped(client, mentor):
    client.force_login(mentor)
    html = client.get(URL).content.decode()
    assert html.index("When something happens") < html.index("Reminders")
    for kind in kinds_for(mentor):
        assert f'<legend class="h6 mb-1">{kind.label}</legend>' in html
        for channel in Channel:
            assert f'id="{kind.value}-{channel.value}" value="{channel.value}"' in html
    immediate = html.split("When something happens")[1].split("Reminders")[0]
    assert Kind.EVIDENCE_SUBMITTED.label in immediate
    assert Kind.REVIEW_OVERDUE.label not in immediate
    assert "How often your digest comes" in html
    assert 'name="frequency" id="frequency-daily" value="daily" checked' in html


def test_an_apprentice_is_not_offered_the_digest(client, apprentice):
    client.force_login(apprentice)
    html = client.get(URL).content.decode()
    assert 'value="digest"' not in html
    assert 'name="frequency"' not in html
    assert 'value="inapp"' in html and 'value="off"' in html


def test_the_always_sent_emails_are_listed_and_cannot_be_switched(client, apprentice):
    client.force_login(apprentice)
    html = client.get(URL).content.decode()
    always = html.split("Always sent")[1]
    assert "Invitation e-mail" in always and "Account e-mail" in always
    assert "resetting a password" in always and "Always on." in always
    assert "<input" not in always.split("</ul>")[0]


def test_the_current_choices_are_checked(client, mentor):
    Preference.objects.create(user=mentor, kind="review_due", channel="off")
    DigestChoice.objects.create(user=mentor, frequency="weekly")
    client.force_login(mentor)
    html = client.get(URL).content.decode()
    assert 'id="review_due-off" value="off" checked' in html
    assert 'id="review_overdue-email" value="email" checked' in html
    assert 'id="frequency-weekly" value="weekly" checked' in html


def test_saving_stores_every_choice_and_says_so(client, mentor):
    client.force_login(mentor)
    data = every_kind(mentor, evidence_submitted="digest", review_due="off", frequency="weekly")
    response = client.post(URL, data, follow=True)
    assert "Your notification choices are saved." in response.content.decode()
    choices = stored(mentor)
    assert choices["evidence_submitted"] == "digest"
    assert choices["review_due"] == "off"
    assert choices["scan_submitted"] == "email"
    assert DigestChoice.objects.get(user=mentor).frequency == "weekly"
    # Saving again changes one row only.
    client.post(URL, {**data, "review_due": "inapp"})
    assert stored(mentor) == {**choices, "review_due": "inapp"}


def test_an_apprentice_saves_without_a_frequency(client, apprentice):
    client.force_login(apprentice)
    response = client.post(URL, every_kind(apprentice, evidence_accepted="inapp"))
    assert response.status_code == 302
    assert stored(apprentice)["evidence_accepted"] == "inapp"
    assert not DigestChoice.objects.filter(user=apprentice).exists()


@pytest.mark.parametrize(
    ("who", "changes", "error"),
    [
        ("apprentice", {"evidence_accepted": "digest"}, "Choose one of the offered ways"),
        ("mentor", {"evidence_submitted": "fax"}, "Choose one of the offered ways"),
        ("mentor", {"no_such_kind": "email"}, "There is no kind of notification called"),
        ("mentor", {"frequency": "hourly"}, "Select a valid choice"),
        ("mentor", {"evidence_submitted": ""}, "Choose how you want"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(client, apprentice, mentor, who, changes, error):
    user = {"apprentice": apprentice, "mentor": mentor}[who]
    Preference.objects.create(user=user, kind="review_due", channel="off")
    client.force_login(user)
    data = every_kind(user, "inapp", **changes)
    if who == "mentor":
        data.setdefault("frequency", "weekly")
    response = client.post(URL, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was changed" in html and error in html
    assert stored(user) == {"review_due": "off"}
    assert not DigestChoice.objects.filter(user=user).exists()


def test_a_missing_kind_is_refused(client, mentor):
    client.force_login(mentor)
    data = every_kind(mentor, frequency="daily")
    del data["review_due"]
    assert client.post(URL, data).status_code == 400
    assert stored(mentor) == {}


def test_a_former_mentor_with_a_digest_choice_is_offered_the_rest(client, apprentice):
    """Someone who chose the digest as a mentor and is no longer one sees e-mail checked."""
    Preference.objects.create(user=apprentice, kind="evidence_accepted", channel="digest")
    client.force_login(apprentice)
    html = client.get(URL).content.decode()
    assert 'id="evidence_accepted-email" value="email" checked' in html


def test_the_preferences_are_linked_from_the_profile_and_the_inbox(client, mentor):
    client.force_login(mentor)
    assert f'href="{URL}"' in client.get("/profile/").content.decode()
    assert f'href="{URL}"' in client.get("/notifications/").content.decode()


def test_every_kind_is_on_the_page_in_a_group():
    from notify.forms import GROUPS

    assert {item.mode for item in ENTRIES.values()} <= {mode for mode, _ in GROUPS}
    assert Mode.IMMEDIATE in {item.mode for item in ENTRIES.values()}


@pytest.mark.parametrize("existing", [0, 10])
def test_the_page_costs_the_same_queries_whatever_is_stored(
    client, mentor, django_assert_max_num_queries, existing
):
    for kind in list(ENTRIES)[:existing]:
        Preference.objects.create(user=mentor, kind=kind, channel="inapp")
    client.force_login(mentor)
    # Session, user, memberships, whether they are an apprentice, the bell, the preferences,
    # the digest choice.
    with django_assert_max_num_queries(7):
        assert client.get(URL).status_code == 200
    # ... and saving: those, the current choices again, one insert of the changed ones, one of
    # the digest choice, and the savepoint of the atomic block.
    data = every_kind(mentor, frequency="daily")
    with django_assert_max_num_queries(11):
        assert client.post(URL, data).status_code == 302


def test_an_empty_post_is_refused(client, mentor):
    client.force_login(mentor)
    response = client.post(URL, {})
    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()
    assert stored(mentor) == {}


def test_each_person_is_offered_only_the_kinds_that_can_reach_them(client, apprentice, mentor):
    """A mentor is never told their hours are behind; an apprentice is never asked to review
    evidence. Someone with no role yet, and a service admin, see every kind."""
    from tests.factories import UserFactory

    assert Kind.HOURS_BEHIND not in kinds_for(mentor)
    assert Kind.EVIDENCE_WAITING in kinds_for(mentor)
    assert Kind.INVITATION_ACCEPTED in kinds_for(mentor)
    client.force_login(mentor)
    html = client.get(URL).content.decode()
    assert Kind.HOURS_BEHIND.label not in html and Kind.EVIDENCE_WAITING.label in html
    newcomer = UserFactory()
    assert kinds_for(newcomer) == list(ENTRIES)
    admin = UserFactory(is_superuser=True)
    assert kinds_for(admin) == list(ENTRIES)


def test_a_kind_not_offered_is_refused(client, mentor):
    client.force_login(mentor)
    data = every_kind(mentor, frequency="daily", hours_behind="off")
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "There is no kind of notification called hours_behind" in response.content.decode()
    assert stored(mentor) == {}
