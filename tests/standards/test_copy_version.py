"""Issue 13: "Copy as a new draft version", the admin action on the standards list: an
intermediate page asks for the number, then one transaction copies the version as a draft."""

import pytest
from django.urls import reverse

from standards.models import KSB, Duty, Standard
from tests.factories import ApprenticeshipFactory, make_standard

from .admin_forms import text

pytestmark = pytest.mark.django_db

URL = reverse("admin:standards_standard_changelist")


def act(admin_client, standards, **data):
    return admin_client.post(
        URL,
        {
            "action": "copy_as_new_draft_version",
            "_selected_action": [standard.pk for standard in standards],
            **data,
        },
    )


def structure(standard):
    return (
        sorted(standard.ksbs.values_list("kind", "number", "description")),
        sorted(standard.duties.values_list("number", "description")),
        sorted(
            Duty.ksbs.through.objects.filter(duty__standard=standard).values_list(
                "duty__number", "ksb__kind", "ksb__number"
            )
        ),
    )


def test_the_intermediate_page_suggests_the_next_free_minor(admin_client, st0825):
    response = act(admin_client, [st0825])
    assert response.status_code == 200
    assert response.templates[0].name == "admin/standards/copy_as_new_version.html"
    assert response.context["form"]["version"].value() == "1.1"
    make_standard(reference="ST0825", version="1.1")
    assert act(admin_client, [st0825]).context["form"]["version"].value() == "1.2"
    assert Standard.objects.count() == 2


def test_copying_makes_a_draft_with_every_ksb_duty_and_link(admin_client, admin_user, st0825):
    ApprenticeshipFactory(standard=st0825)  # copying a version in use is the way forward
    response = act(admin_client, [st0825], version="1.1", post="yes")
    copy = Standard.objects.get(reference="ST0825", version="1.1")
    assert response.status_code == 302
    assert response.url == reverse("admin:standards_standard_change", args=[copy.pk])
    assert "Created ST0825 v1.1 as a draft copy of v1.0" in text(response)
    assert copy.status == Standard.Status.DRAFT
    assert (copy.title, copy.level, copy.url) == (st0825.title, st0825.level, st0825.url)
    assert structure(copy) == structure(st0825)
    assert len(structure(copy)[2]) == 236
    created = copy.history.get()
    assert (created.history_user, created.history_change_reason) == (
        admin_user,
        "copied from ST0825 v1.0",
    )
    assert KSB.history.filter(standard_id=copy.pk, history_user=admin_user).count() == 51
    # The copy is not in use: its structure is editable.
    page = admin_client.get(response.url)
    assert "is in use by" not in text(page)


@pytest.mark.parametrize(
    "version, message",
    [
        ("", "Enter the new version number, e.g. 1.1."),
        ("1.1 beta", '"1.1 beta" is not a version number: write it like 1.1 (major.minor).'),
        ("v2", '"v2" is not a version number'),
        ("1.0", "The new version must be newer than the copied one, v1.0."),
        ("0.9", "The new version must be newer than the copied one, v1.0."),
        ("1.1", "ST0825 already has a version 1.1."),
    ],
)
def test_a_bad_version_is_refused_beside_the_field_and_nothing_is_created(
    admin_client, st0825, version, message
):
    make_standard(reference="ST0825", version="1.1", knowledge=1, duties=0)
    counts = (Standard.objects.count(), KSB.objects.count(), Duty.objects.count())
    response = act(admin_client, [st0825], version=version, post="yes")
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["version"])
    assert message in text(response)
    assert (Standard.objects.count(), KSB.objects.count(), Duty.objects.count()) == counts


def test_more_than_one_selected_version_is_refused(admin_client, st0825):
    other = make_standard(reference="ST0116")
    response = act(admin_client, [st0825, other], version="1.1", post="yes")
    assert response.status_code == 302
    assert "Select exactly one version to copy as a new draft." in text(response)
    assert Standard.objects.count() == 2


def test_a_failure_half_way_creates_nothing(admin_client, st0825, monkeypatch):
    from standards import versions

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(versions.Duty.ksbs.through.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        versions.standard_copy(standard=st0825, version="1.1", by=None)
    assert not Standard.objects.filter(version="1.1").exists()
    assert KSB.objects.count() == 51
