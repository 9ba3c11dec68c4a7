"""The standard's page is rendered once per version of the standard and answers conditional
requests: any edit of what it shows (the standard, its KSBs, duties or their links, from the ORM,
the admin or the importer) gives a new ETag and fresh content, and no one gets another user's
navigation."""

import copy
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from standards import views
from standards.models import KSB, Duty
from tests.conftest import ST0825_RECORD, verified_user
from tests.factories import make_standard

pytestmark = pytest.mark.django_db

K7 = "General purpose programming and infrastructure-as-code."


def detail_url(standard):
    return reverse(
        "standards:standard-detail",
        kwargs={"reference": standard.reference, "version": standard.version},
    )


def fetch(client, standard, **headers):
    return client.get(detail_url(standard), headers=headers)


def assert_fresh(client, standard, old_etag, text):
    """The page after an edit: a new ETag, the old one no longer answered with a 304, and the
    edited text shown."""
    response = fetch(client, standard, if_none_match=old_etag)
    assert response.status_code == 200
    assert response["ETag"] != old_etag
    assert text in response.content.decode()
    return response


def test_page_has_etag_last_modified_and_asks_to_revalidate(client, st0825):
    response = fetch(client, st0825)
    assert response.status_code == 200
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert response["Last-Modified"].endswith(" GMT")
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control == {"no-cache", "public"}
    assert "Cookie" in response["Vary"]
    assert fetch(client, st0825)["ETag"] == response["ETag"]


def test_matching_if_none_match_gives_304_without_a_body(client, st0825):
    etag = fetch(client, st0825)["ETag"]
    response = fetch(client, st0825, if_none_match=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "no-cache" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_if_modified_since_gives_304_and_an_older_date_gives_200(client, st0825):
    last_modified = fetch(client, st0825)["Last-Modified"]
    response = fetch(client, st0825, if_modified_since=last_modified)
    assert response.status_code == 304
    assert response.content == b""
    older = fetch(client, st0825, if_modified_since="Mon, 01 Jan 2001 00:00:00 GMT")
    assert older.status_code == 200


@pytest.mark.parametrize("etag", ['"garbage"', "garbage", 'W/"0123456789abcdef"', '""'])
def test_a_tampered_if_none_match_gives_the_page(client, st0825, etag):
    response = fetch(client, st0825, if_none_match=etag)
    assert response.status_code == 200
    assert K7 in response.content.decode()


def test_an_unknown_version_is_404_even_when_conditional(client, st0825):
    url = reverse("standards:standard-detail", kwargs={"reference": "ST0825", "version": "9.9"})
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"if_none_match": "*"}).status_code == 404
    etag = fetch(client, st0825)["ETag"]
    assert client.get(url, headers={"if_none_match": etag}).status_code == 404
    # If-Match asks for a current version, and there is none.
    assert client.get(url, headers={"if_match": etag}).status_code == 412


def test_editing_a_ksb_through_the_orm_shows_at_once(client, st0825):
    etag = fetch(client, st0825)["ETag"]
    k7 = st0825.ksbs.get(kind="K", number=7)
    k7.description = "Programming, edited through the ORM."
    k7.save()
    response = assert_fresh(client, st0825, etag, "Programming, edited through the ORM.")
    assert K7 not in response.content.decode()


def test_editing_the_standard_itself_shows_at_once(client, st0825):
    etag = fetch(client, st0825)["ETag"]
    st0825.title = "DevOps engineer (revised)"
    st0825.save(update_fields=["title"])
    assert_fresh(client, st0825, etag, "<h1>DevOps engineer (revised)")


def test_a_stale_copy_of_the_standard_saved_after_a_ksb_edit_still_moves_the_stamp(client, st0825):
    stale = type(st0825).objects.get(pk=st0825.pk)
    etag = fetch(client, st0825)["ETag"]
    KSB.objects.filter(pk=st0825.ksbs.get(kind="K", number=7).pk).update(description="Bulk.")
    stale.save()  # written from memory: it must not put back the stamp it was loaded with
    assert_fresh(client, st0825, etag, "Bulk.")


def change_form_data(response):
    """The admin change form's data as a browser would post it back unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms += inline.formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None and value is not False:
                data[form.add_prefix(name)] = value
    return data


def test_editing_a_ksb_in_the_admin_inline_shows_at_once(admin_client, st0825):
    client = Client()  # a visitor; admin_client is signed in
    etag = fetch(client, st0825)["ETag"]
    url = reverse("admin:standards_standard_change", args=[st0825.pk])
    form_page = admin_client.get(url)
    data = change_form_data(form_page)
    (ksbs,) = [
        i.formset for i in form_page.context["inline_admin_formsets"] if i.formset.prefix == "ksbs"
    ]
    (k7_form,) = [form for form in ksbs.forms if form.instance.code == "K7"]
    data[k7_form.add_prefix("description")] = "Programming, edited in the admin."
    assert admin_client.post(url, data).status_code == 302
    assert_fresh(client, st0825, etag, "Programming, edited in the admin.")


def test_moving_a_ksb_to_another_standard_changes_both_pages(admin_client, st0825):
    client = Client()  # a visitor; admin_client is signed in
    other = make_standard(reference="ST0116", knowledge=1, skills=1, behaviours=1, duties=1)
    etags = {s.pk: fetch(client, s)["ETag"] for s in (st0825, other)}
    k7 = st0825.ksbs.get(kind="K", number=7)
    response = admin_client.post(
        reverse("admin:standards_ksb_change", args=[k7.pk]),
        {"standard": other.pk, "kind": "K", "number": 42, "description": k7.description},
    )
    assert response.status_code == 302
    assert_fresh(client, other, etags[other.pk], 'id="K42"')
    old_page = assert_fresh(client, st0825, etags[st0825.pk], 'id="K6"')
    assert 'id="K7"' not in old_page.content.decode()


def duty_1(response):
    html = response.content.decode()
    return html[html.index('id="duty-1"') : html.index('id="duty-2"')]


def test_adding_and_removing_duty_ksb_links_shows_at_once(client, st0825):
    duty = st0825.duties.get(number=1)  # 21 KSBs, K4 among them, K1 not
    k1, k4 = st0825.ksbs.get(kind="K", number=1), st0825.ksbs.get(kind="K", number=4)
    etag = fetch(client, st0825)["ETag"]

    duty.ksbs.add(k1)
    response = assert_fresh(client, st0825, etag, "22 KSBs")
    assert "22 KSBs" in duty_1(response) and 'href="#K1"' in duty_1(response)

    duty.ksbs.remove(k1, k4)
    response = assert_fresh(client, st0825, response["ETag"], "20 KSBs")
    assert "20 KSBs" in duty_1(response) and 'href="#K4"' not in duty_1(response)

    duty.ksbs.clear()
    response = assert_fresh(client, st0825, response["ETag"], "No KSBs are mapped")
    assert "No KSBs are mapped to this duty." in duty_1(response)


def test_links_changed_from_the_ksb_side_show_at_once(client, st0825):
    k1, k4 = st0825.ksbs.get(kind="K", number=1), st0825.ksbs.get(kind="K", number=4)
    etag = fetch(client, st0825)["ETag"]

    k1.duties.add(st0825.duties.get(number=1))
    response = assert_fresh(client, st0825, etag, "22 KSBs")
    assert 'href="#K1"' in duty_1(response)

    k4.duties.clear()
    response = assert_fresh(client, st0825, response["ETag"], "21 KSBs")
    assert "21 KSBs" in duty_1(response) and 'href="#K4"' not in duty_1(response)


def test_deleting_a_ksb_or_a_duty_shows_at_once(client, st0825):
    etag = fetch(client, st0825)["ETag"]
    KSB.objects.filter(standard=st0825, kind="B", number=4).delete()
    response = assert_fresh(client, st0825, etag, "50 KSBs, 13 duties")
    Duty.objects.filter(standard=st0825, number=13).delete()
    assert_fresh(client, st0825, response["ETag"], "50 KSBs, 12 duties")


def test_reimporting_a_changed_record_shows_at_once_and_an_unchanged_one_keeps_the_etag(
    client, st0825, tmp_path
):
    etag = fetch(client, st0825)["ETag"]
    call_command("import_standard", str(ST0825_RECORD), stdout=None)
    assert fetch(client, st0825, if_none_match=etag).status_code == 304

    record = copy.deepcopy(json.loads(ST0825_RECORD.read_text(encoding="utf-8")))
    record["knowledges"][6]["detail"] = "Programming, as the importer has it now."
    path = tmp_path / "st0825.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    call_command("import_standard", str(path), stdout=None)  # a bulk_update: no signals
    assert_fresh(client, st0825, etag, "Programming, as the importer has it now.")


def test_a_deploy_that_changes_the_page_changes_the_etag(client, st0825, monkeypatch, settings):
    etag = fetch(client, st0825)["ETag"]
    monkeypatch.setattr(views, "_deployed_page_fingerprint", lambda: "the next release")
    assert fetch(client, st0825, if_none_match=etag).status_code == 200
    before = views._page_fingerprint()
    settings.STATIC_URL = "/assets/"
    assert views._page_fingerprint() != before


@pytest.mark.parametrize("scale", [1, 4])
def test_a_cache_hit_and_a_304_cost_one_query_and_a_miss_four(
    client, db, django_assert_num_queries, django_assert_max_num_queries, scale
):
    standard = make_standard(knowledge=5 * scale, skills=4 * scale, duties=3 * scale)
    with django_assert_num_queries(4) as miss:  # standard, KSBs, duties, duty-KSB links
        first = fetch(client, standard)
    with django_assert_max_num_queries(1) as hit:
        again = fetch(client, standard)
    assert again.content == first.content
    assert len(hit.captured_queries) < len(miss.captured_queries)
    with django_assert_max_num_queries(1):
        assert fetch(client, standard, if_none_match=first["ETag"]).status_code == 304


def test_anonymous_and_signed_in_users_never_get_each_others_navigation(client, st0825, user):
    anonymous = fetch(client, st0825)
    assert "Sam Someone" not in anonymous.content.decode()
    assert "Log in" in anonymous.content.decode()

    client.force_login(user)
    signed_in = fetch(client, st0825, if_none_match=anonymous["ETag"])
    assert signed_in.status_code == 200
    html = signed_in.content.decode()
    assert "Sam Someone" in html and "Log out" in html and "Log in" not in html
    assert K7 in html
    signed_in = fetch(client, st0825)  # now with the CSRF cookie the first page set
    assert signed_in["ETag"].startswith('W/"') and signed_in["ETag"] != anonymous["ETag"]
    assert "Last-Modified" not in signed_in
    assert "private" in signed_in["Cache-Control"] and "public" not in signed_in["Cache-Control"]

    client.logout()
    response = fetch(client, st0825, if_none_match=signed_in["ETag"])
    assert response.status_code == 200
    assert "Sam Someone" not in response.content.decode()
    assert response["ETag"] == anonymous["ETag"]


def test_a_signed_in_user_gets_304s_of_their_own_page_only(client, st0825, user):
    client.force_login(user)
    fetch(client, st0825)  # sets the CSRF cookie the log-out form needs
    etag = fetch(client, st0825)["ETag"]
    assert fetch(client, st0825, if_none_match=etag).status_code == 304

    user.full_name = "Sam Renamed"
    user.save()
    renamed = fetch(client, st0825, if_none_match=etag)
    assert renamed.status_code == 200 and "Sam Renamed" in renamed.content.decode()

    client.force_login(verified_user("other@example.com", "Olly Other"))
    other = fetch(client, st0825, if_none_match=renamed["ETag"])
    assert other.status_code == 200
    assert "Olly Other" in other.content.decode() and "Sam Renamed" not in other.content.decode()


def test_a_new_csrf_cookie_changes_a_signed_in_users_etag(client, st0825, user):
    client.force_login(user)
    assert "ETag" not in fetch(client, st0825)  # no CSRF cookie yet: the page sets one
    etag = fetch(client, st0825)["ETag"]
    client.cookies["csrftoken"] = "a" * 32
    assert fetch(client, st0825, if_none_match=etag).status_code == 200


def test_waiting_messages_are_shown_not_answered_with_a_304(client, st0825, user):
    etag = fetch(client, st0825)["ETag"]
    client.force_login(user)
    client.post(reverse("account_logout"))  # "You have signed out." waits for the next page
    response = fetch(client, st0825, if_none_match=etag)
    assert response.status_code == 200
    assert "You have signed out." in response.content.decode()
    assert "ETag" not in response
    assert fetch(client, st0825, if_none_match=etag).status_code == 304
