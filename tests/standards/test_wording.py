"""standards.wording: what a KSB said at a moment, read from its wording history, and the
baseline row that keeps the words of KSBs loaded without history (fixtures, bulk writes)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from standards.models import KSB, Duty
from standards.wording import ensure_wording_baseline, wording_book
from tests.factories import KSBFactory, StandardFactory, make_standard
from tests.standards.test_page_cache import change_form_data

pytestmark = pytest.mark.django_db

NEW = "Continuous integration, reworded in the admin."


def history_row(ksb, when, text, kind="~"):
    return KSB.history.model.objects.create(
        id=ksb.pk,
        standard_id=ksb.standard_id,
        kind=ksb.kind,
        number=ksb.number,
        description=text,
        history_date=when,
        history_type=kind,
    )


@pytest.fixture
def ksb():
    ksb = KSBFactory(standard=StandardFactory(), kind="K", number=1, description="Now.")
    KSB.history.filter(id=ksb.pk).delete()  # a clean history, written by the tests
    return ksb


def test_the_text_at_a_moment_is_the_latest_row_at_or_before_it(ksb):
    t0 = timezone.now() - timedelta(days=10)
    history_row(ksb, t0, "First.", "+")
    history_row(ksb, t0 + timedelta(days=2), "Second.")
    history_row(ksb, t0 + timedelta(days=5), "Now.")
    book = wording_book([ksb])
    assert book.at(ksb.pk, t0 + timedelta(days=1)).text == "First."
    assert book.at(ksb.pk, t0 + timedelta(days=2)).text == "Second."  # at the row's moment
    assert book.at(ksb.pk, t0 + timedelta(days=4)).text == "Second."
    assert book.at(ksb.pk, t0 + timedelta(days=6)).text == "Now."
    old = book.at(ksb.pk, t0 + timedelta(days=3))
    assert (old.text, old.current_text, old.changed) == ("Second.", "Now.", True)
    assert not book.at(ksb.pk, t0 + timedelta(days=9)).changed


def test_before_every_row_the_earliest_text_and_without_rows_the_current(ksb):
    t0 = timezone.now() - timedelta(days=10)
    assert wording_book([ksb]).at(ksb.pk, t0).text == "Now."  # no rows at all
    history_row(ksb, t0, "First.", "+")
    history_row(ksb, t0 + timedelta(days=1), "Now.")
    assert wording_book([ksb]).at(ksb.pk, t0 - timedelta(days=30)).text == "First."
    assert wording_book([ksb]).at(ksb.pk, None).text == "Now."  # no record yet: today's words


def test_one_query_for_many_ksbs_and_moments(django_assert_num_queries):
    standard = make_standard(knowledge=20, skills=10, behaviours=5)
    ksbs = list(standard.ksbs.all())
    with django_assert_num_queries(1):
        book = wording_book(ksbs)
    with django_assert_num_queries(0):
        for days in range(10):
            for ksb in ksbs:
                book.at(ksb.pk, timezone.now() - timedelta(days=days))
    with django_assert_num_queries(0):
        wording_book([])


def test_a_ksb_of_another_version_is_named_by_its_version():
    old = make_standard(reference="ST0825", version="1.0", knowledge=1, skills=0, behaviours=0)
    new = make_standard(reference="ST0825", version="1.1", knowledge=1, skills=0, behaviours=0)
    other = make_standard(reference="ST0116", version="1.1", knowledge=1, skills=0, behaviours=0)
    ksbs = KSB.objects.select_related("standard")
    book = wording_book(ksbs, standard=new)
    by_standard = {ksb.standard_id: ksb for ksb in ksbs}
    assert book.at(by_standard[old.pk].pk, None).from_version == "1.0"
    assert book.at(by_standard[old.pk].pk, None).version_label == "from version 1.0"
    assert book.at(by_standard[new.pk].pk, None).from_version == ""
    assert book.at(by_standard[other.pk].pk, None).from_version == "ST0116 1.1"


def test_the_notes_are_escaped_markup():
    from standards.wording import Wording

    wording = Wording("<b>old</b>", "<i>new</i>", True, "1.0")
    assert "wording since changed" in wording.badges()
    assert "from version 1.0" in wording.badges()
    assert "&lt;i&gt;new&lt;/i&gt;" in wording.current_details()
    assert Wording("same", "same", False).badges() == ""
    assert Wording("same", "same", False).current_details() == ""


# --- the baseline ---------------------------------------------------------------------------


def test_a_fixture_loaded_ksb_has_no_history_until_its_first_edit_records_the_old_words(st0825):
    k3 = st0825.ksbs.get(kind="K", number=3)
    old = k3.description
    assert not k3.history.exists()  # loaddata writes none
    before_edit = timezone.now()
    k3.description = NEW
    k3.save()
    rows = list(k3.history.order_by("history_date", "history_id"))
    assert [(r.history_type, r.description) for r in rows] == [("+", old), ("~", NEW)]
    assert rows[0].history_user is None
    assert rows[0].history_date <= rows[1].history_date
    assert wording_book([k3]).at(k3.pk, before_edit - timedelta(days=1)).text == old


def test_a_second_edit_writes_no_second_baseline(st0825):
    k3 = st0825.ksbs.get(kind="K", number=3)
    for text in ("One.", "Two."):
        k3.description = text
        k3.save()
    assert list(k3.history.values_list("history_type", flat=True).order_by("history_id")) == [
        "+",
        "~",
        "~",
    ]


def test_a_save_that_keeps_the_words_writes_no_baseline(st0825):
    k3 = st0825.ksbs.get(kind="K", number=3)
    k3.save()
    k3.save(update_fields=["number"])
    assert list(k3.history.values_list("history_type", flat=True)) == ["~", "~"]


def test_a_duty_gets_a_baseline_too(st0825):
    duty = st0825.duties.get(number=1)
    old = duty.description
    duty.description = "Reworded duty."
    duty.save()
    assert list(duty.history.order_by("history_id").values_list("history_type", "description")) == [
        ("+", old),
        ("~", "Reworded duty."),
    ]
    assert Duty.history.filter(id=duty.pk, history_user__isnull=True).count() == 2


def test_ensure_wording_baseline_records_only_ksbs_without_history(st0825):
    ksbs = list(st0825.ksbs.all())
    edited = ksbs[0]
    edited.description = "Edited first."
    edited.save()
    with_rows = KSB.history.filter(id=edited.pk).count()
    assert ensure_wording_baseline(ksbs) == len(ksbs) - 1
    assert KSB.history.filter(id=edited.pk).count() == with_rows
    assert KSB.history.filter(id__in=[k.pk for k in ksbs]).count() == len(ksbs) - 1 + with_rows
    assert ensure_wording_baseline(ksbs) == 0  # idempotent
    baseline = KSB.history.get(id=ksbs[1].pk)
    assert (baseline.history_type, baseline.description) == ("+", ksbs[1].description)
    assert baseline.history_user is None


def test_a_bulk_rewording_after_the_baseline_keeps_old_records_old(st0825):
    from simple_history.utils import bulk_update_with_history

    ksbs = list(st0825.ksbs.filter(kind="K"))
    old = {ksb.pk: ksb.description for ksb in ksbs}
    made = timezone.now()
    ensure_wording_baseline(ksbs)
    for ksb in ksbs:
        ksb.description = f"New words for {ksb.code}."
    bulk_update_with_history(ksbs, KSB, ["description"])
    book = wording_book(KSB.objects.filter(pk__in=old))
    assert all(book.at(pk, made).text == text for pk, text in old.items())
    assert all(book.at(pk, made).changed for pk in old)


def test_a_ksb_edited_in_its_admin_change_form_keeps_its_old_words(admin_client, st0825):
    k3 = st0825.ksbs.get(kind="K", number=3)
    old = k3.description
    made = timezone.now()
    url = reverse("admin:standards_ksb_change", args=[k3.pk])
    data = change_form_data(admin_client.get(url))
    data["description"] = NEW
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    k3.refresh_from_db()
    assert k3.description == NEW
    rows = list(k3.history.order_by("history_id"))
    assert [(r.history_type, r.description) for r in rows] == [("+", old), ("~", NEW)]
    assert rows[0].history_user is None
    assert rows[1].history_user.is_superuser  # the admin, from the request
    assert wording_book([k3]).at(k3.pk, made).text == old


def test_a_ksb_edited_in_the_standards_inline_keeps_its_old_words(admin_client, st0825):
    k3 = st0825.ksbs.get(kind="K", number=3)
    old = k3.description
    made = timezone.now()
    url = reverse("admin:standards_standard_change", args=[st0825.pk])
    form_page = admin_client.get(url)
    data = change_form_data(form_page)
    (ksbs,) = [
        i.formset for i in form_page.context["inline_admin_formsets"] if i.formset.prefix == "ksbs"
    ]
    (k3_form,) = [form for form in ksbs.forms if form.instance.code == "K3"]
    data[k3_form.add_prefix("description")] = NEW
    assert admin_client.post(url, data).status_code == 302
    k3.refresh_from_db()
    assert k3.description == NEW
    assert list(k3.history.order_by("history_id").values_list("description", flat=True)) == [
        old,
        NEW,
    ]
    wording = wording_book([k3]).at(k3.pk, made)
    assert (wording.text, wording.current_text, wording.changed) == (old, NEW, True)
    # Only the KSB whose words changed has a history row.
    assert KSB.history.filter(standard_id=st0825.pk).count() == 2
