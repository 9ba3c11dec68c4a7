"""Issue 13: a standard version in use keeps its structure. Structural edits are refused
through the admin's own forms, inlines, delete pages and actions (posted as a browser would),
with a message naming the apprenticeships count; wording stays editable; an unused version
changes as freely as before."""

import html

import pytest
from django.urls import reverse

from standards.models import KSB, Duty, Standard
from standards.rules import frozen_message
from tests.factories import ApprenticeshipFactory, make_standard

from .admin_forms import posted_back, text

pytestmark = pytest.mark.django_db

FROZEN = "ST0825 v1.0 is in use by 2 apprenticeships: its KSBs and duties cannot be added"


@pytest.fixture(params=["in use", "unused"])
def standard(request):
    standard = make_standard(reference="ST0825", version="1.0")
    standard.in_use = request.param == "in use"
    if standard.in_use:
        ApprenticeshipFactory.create_batch(2, standard=standard)
    return standard


def snapshot():
    return (
        sorted(KSB.objects.values_list("standard_id", "kind", "number")),
        sorted(Duty.objects.values_list("standard_id", "number")),
        sorted(Duty.ksbs.through.objects.values_list("duty_id", "ksb_id")),
    )


def standard_url(standard):
    return reverse("admin:standards_standard_change", args=[standard.pk])


def post_change(admin_client, url, edit):
    data = posted_back(admin_client.get(url))
    edit(data)
    return admin_client.post(url, data)


def assert_refused_or_saved(standard, response, before):
    if standard.in_use:
        assert response.status_code == 200
        # The one error on the page is the refusal (not a message left by an earlier page).
        (error,) = [html.unescape(str(errors)) for errors in response.context["errors"]]
        assert FROZEN in error
        assert snapshot() == before
    else:
        assert response.status_code == 302, response.context and response.context["errors"]
        assert snapshot() != before


def test_the_message_names_the_count_and_the_way_forward():
    standard = Standard(reference="ST0825", version="1.0")
    assert frozen_message(standard, 1) == (
        "ST0825 v1.0 is in use by 1 apprenticeship: its KSBs and duties cannot be added, "
        'removed, renumbered or remapped. Make a new version with "Copy as a new draft '
        'version".'
    )


def ksb_row(data, code):
    for key, value in data.items():
        if key.startswith("ksbs-") and key.endswith("-kind") and value == code[0]:
            prefix = key[: -len("kind")]
            if str(data[prefix + "number"]) == code[1:]:
                return prefix
    raise AssertionError(code)


def add_ksb_row(data):
    n = int(data["ksbs-TOTAL_FORMS"])
    data["ksbs-TOTAL_FORMS"] = n + 1
    data.update({f"ksbs-{n}-kind": "K", f"ksbs-{n}-number": 26, f"ksbs-{n}-description": "New"})


def add_duty_row(data):
    n = int(data["duties-TOTAL_FORMS"])
    data["duties-TOTAL_FORMS"] = n + 1
    data.update({f"duties-{n}-number": 3, f"duties-{n}-description": "A new duty"})


INLINE_EDITS = {
    "add a KSB": add_ksb_row,
    "delete a KSB": lambda d: d.update({ksb_row(d, "K3") + "DELETE": "on"}),
    "renumber a KSB": lambda d: d.update({ksb_row(d, "K3") + "number": 9}),
    "change a KSB's kind": lambda d: d.update({ksb_row(d, "B1") + "kind": "S", **{}}),
    "add a duty": add_duty_row,
    "delete a duty": lambda d: d.update({"duties-1-DELETE": "on"}),
    "renumber a duty": lambda d: d.update({"duties-1-number": 7}),
    "remap a duty": lambda d: d.update({"duties-0-ksbs": d["duties-0-ksbs"][1:]}),
}


@pytest.mark.parametrize("edit", INLINE_EDITS.values(), ids=INLINE_EDITS.keys())
def test_structural_edits_on_the_standard_page(admin_client, standard, edit):
    if edit is INLINE_EDITS["change a KSB's kind"]:
        edit = lambda d: d.update({ksb_row(d, "B1") + "kind": "S", ksb_row(d, "B1") + "number": 3})  # noqa: E731
    before = snapshot()
    response = post_change(admin_client, standard_url(standard), edit)
    assert_refused_or_saved(standard, response, before)


def test_wording_stays_editable_on_the_standard_page_of_a_version_in_use(
    admin_client, standard, admin_user
):
    def edit(data):
        data[ksb_row(data, "K2") + "description"] = "Corrected wording of K2"
        data["duties-0-description"] = "Corrected duty"

    before = snapshot()
    response = post_change(admin_client, standard_url(standard), edit)
    assert response.status_code == 302
    assert snapshot() == before
    k2 = standard.ksbs.get(kind="K", number=2)
    assert k2.description == "Corrected wording of K2"
    assert standard.duties.get(number=1).description == "Corrected duty"
    latest = k2.history.first()
    assert (latest.history_type, latest.history_user) == ("~", admin_user)
    assert latest.prev_record.description != "Corrected wording of K2"


def test_the_change_page_of_a_version_in_use_warns_before_any_edit(admin_client, standard):
    shown = text(admin_client.get(standard_url(standard)))
    assert (FROZEN in shown) is standard.in_use


# --- the KSB and duty admin pages ------------------------------------------------------------


def ksb_url(standard, code="K3"):
    ksb = standard.ksbs.get(kind=code[0], number=int(code[1:]))
    return reverse("admin:standards_ksb_change", args=[ksb.pk])


def duty_url(standard, number=1):
    return reverse("admin:standards_duty_change", args=[standard.duties.get(number=number).pk])


def test_adding_a_ksb_through_its_admin(admin_client, standard):
    before = snapshot()
    response = admin_client.post(
        reverse("admin:standards_ksb_add"),
        {"standard": standard.pk, "kind": "K", "number": 26, "description": "New"},
    )
    assert_refused_or_saved(standard, response, before)


def test_adding_a_duty_through_its_admin(admin_client, standard):
    before = snapshot()
    response = admin_client.post(
        reverse("admin:standards_duty_add"),
        {"standard": standard.pk, "number": 3, "description": "New duty"},
    )
    assert_refused_or_saved(standard, response, before)


KSB_EDITS = {
    "number": lambda d: d.update(number=9),
    "kind": lambda d: d.update(kind="B", number=5),
    "standard": lambda d: d.update(
        standard=make_standard(reference="ST0116", knowledge=1, skills=0, behaviours=0).pk
    ),
}


@pytest.mark.parametrize("edit", KSB_EDITS.values(), ids=KSB_EDITS.keys())
def test_structural_edits_of_a_ksb(admin_client, standard, edit):
    url = ksb_url(standard)
    data = posted_back(admin_client.get(url))
    edit(data)
    before = snapshot()
    assert_refused_or_saved(standard, admin_client.post(url, data), before)


DUTY_EDITS = {
    "number": lambda d: d.update(number=9),
    "ksbs": lambda d: d.update(ksbs=d["ksbs"][:2]),
}


@pytest.mark.parametrize("edit", DUTY_EDITS.values(), ids=DUTY_EDITS.keys())
def test_structural_edits_of_a_duty(admin_client, standard, edit):
    url = duty_url(standard)
    data = posted_back(admin_client.get(url))
    edit(data)
    before = snapshot()
    assert_refused_or_saved(standard, admin_client.post(url, data), before)


def test_a_ksb_cannot_move_into_a_version_in_use(admin_client):
    in_use = make_standard(reference="ST0825", version="1.0")
    ApprenticeshipFactory.create_batch(2, standard=in_use)
    other = make_standard(reference="ST0116", knowledge=1, skills=0, behaviours=0, duties=0)
    url = reverse("admin:standards_ksb_change", args=[other.ksbs.get().pk])
    data = posted_back(admin_client.get(url))
    data.update(standard=in_use.pk, number=30)
    before = snapshot()
    response = admin_client.post(url, data)
    assert FROZEN in text(response)
    assert snapshot() == before


def test_wording_of_a_ksb_and_a_duty_stays_editable(admin_client, standard):
    for url in (ksb_url(standard), duty_url(standard)):
        data = posted_back(admin_client.get(url))
        data["description"] = "Corrected wording"
        assert admin_client.post(url, data).status_code == 302
    assert standard.ksbs.get(kind="K", number=3).description == "Corrected wording"
    assert standard.duties.get(number=1).description == "Corrected wording"


# --- deletes ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ksb", "duty"])
def test_deleting_one_through_its_delete_page(admin_client, standard, name):
    obj = standard.ksbs.get(kind="K", number=3) if name == "ksb" else standard.duties.first()
    url = reverse(f"admin:standards_{name}_delete", args=[obj.pk])
    before = snapshot()
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    if standard.in_use:
        assert response.url == reverse(f"admin:standards_{name}_change", args=[obj.pk])
        assert FROZEN in text(response)
        assert snapshot() == before
        assert FROZEN in text(admin_client.get(url, follow=True))  # the GET is refused too
    else:
        assert snapshot() != before


@pytest.mark.parametrize("name", ["ksb", "duty"])
def test_deleting_a_selection_with_the_bulk_action(admin_client, standard, name):
    objs = standard.ksbs.all()[:2] if name == "ksb" else standard.duties.all()
    data = {"action": "delete_selected", "_selected_action": [obj.pk for obj in objs]}
    url = reverse(f"admin:standards_{name}_changelist")
    before = snapshot()
    response = admin_client.post(url, data)
    if standard.in_use:
        assert response.status_code == 302
        assert FROZEN in text(response)
        assert snapshot() == before
    else:
        assert response.status_code == 200  # Django's confirmation page
        assert admin_client.post(url, {**data, "post": "yes"}).status_code == 302
        assert snapshot() != before


def test_deleting_a_version_in_use_is_refused_with_a_clear_message(admin_client, standard):
    url = reverse("admin:standards_standard_delete", args=[standard.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    if standard.in_use:
        assert (
            "ST0825 v1.0 is in use by 2 apprenticeships and cannot be deleted: set its version "
            'status to "Retired"' in text(response)
        )
        assert Standard.objects.filter(pk=standard.pk).exists()
        response = admin_client.post(
            reverse("admin:standards_standard_changelist"),
            {"action": "delete_selected", "_selected_action": [standard.pk], "post": "yes"},
        )
        assert "cannot be deleted" in text(response)
        assert Standard.objects.filter(pk=standard.pk).exists()
    else:
        assert not Standard.objects.filter(pk=standard.pk).exists()


def test_a_version_in_use_keeps_its_reference_and_version(admin_client, standard):
    response = post_change(admin_client, standard_url(standard), lambda d: d.update(version="9.9"))
    standard.refresh_from_db()
    if standard.in_use:
        assert "its reference and version number cannot change" in text(response)
        assert standard.version == "1.0"
    else:
        assert standard.version == "9.9"


def test_the_standard_list_shows_the_apprenticeship_count(admin_client, standard):
    response = admin_client.get(reverse("admin:standards_standard_changelist"))
    (row,) = response.context["cl"].result_list
    assert row.apprenticeship_count == (2 if standard.in_use else 0)
