import pytest
from django.urls import reverse

from standards.models import Duty
from tests.factories import KSBFactory, make_standard

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name", ["standards_standard", "standards_ksb", "standards_duty", "accounts_user"]
)
def test_admin_changelist_and_add_pages_load(admin_client, st0825, name):
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 200


def test_admin_change_pages_load(admin_client, st0825, admin_user):
    duty = st0825.duties.get(number=1)
    ksb = st0825.ksbs.get(kind="K", number=7)
    for url in (
        reverse("admin:standards_standard_change", args=[st0825.pk]),
        reverse("admin:standards_duty_change", args=[duty.pk]),
        reverse("admin:standards_ksb_change", args=[ksb.pk]),
        reverse("admin:accounts_user_change", args=[admin_user.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_standard_change_page_has_duty_and_ksb_inlines(admin_client, st0825):
    response = admin_client.get(reverse("admin:standards_standard_change", args=[st0825.pk]))
    formsets = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
    assert len(formsets["duties"].forms) == 13
    assert len(formsets["ksbs"].forms) == 51
    duty_form = formsets["duties"].forms[0]
    assert set(duty_form.fields["ksbs"].queryset) == set(st0825.ksbs.all())


def test_standard_admin_searches_reference_and_title_and_filters(admin_client, st0825):
    make_standard(reference="ST0116", title="Software developer", level=4)
    url = reverse("admin:standards_standard_changelist")
    assert admin_client.get(url, {"q": "DevOps"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"q": "ST0116"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"level": "4"}).context["cl"].result_count == 2
    assert admin_client.get(url, {"status": "approved"}).context["cl"].result_count == 2


def test_ksb_admin_filters_by_standard_and_kind_and_searches_text(admin_client, st0825):
    url = reverse("admin:standards_ksb_changelist")
    assert admin_client.get(url, {"kind": "B"}).context["cl"].result_count == 4
    assert (
        admin_client.get(url, {"standard__id__exact": st0825.pk}).context["cl"].result_count == 51
    )
    assert admin_client.get(url, {"q": "infrastructure-as-code"}).context["cl"].result_count >= 2


def test_duty_picker_offers_only_ksbs_of_the_duty_standard(admin_client, st0825):
    make_standard(reference="ST0116")
    duty = st0825.duties.get(number=1)
    response = admin_client.get(reverse("admin:standards_duty_change", args=[duty.pk]))
    queryset = response.context["adminform"].form.fields["ksbs"].queryset
    assert set(queryset) == set(st0825.ksbs.all())


def test_admin_refuses_a_ksb_of_another_standard_on_a_duty(admin_client, st0825):
    duty = st0825.duties.get(number=1)
    other = KSBFactory(kind="K", number=99)
    url = reverse("admin:standards_duty_change", args=[duty.pk])
    before = set(duty.ksbs.values_list("pk", flat=True))
    response = admin_client.post(
        url,
        {
            "standard": st0825.pk,
            "number": 1,
            "description": duty.description,
            "ksbs": [*before, other.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["ksbs"]
    assert set(duty.ksbs.values_list("pk", flat=True)) == before


def test_admin_refuses_a_new_duty_linking_ksbs_of_another_standard(admin_client, st0825):
    other = make_standard(reference="ST0116")
    response = admin_client.post(
        reverse("admin:standards_duty_add"),
        {
            "standard": st0825.pk,
            "number": 14,
            "description": "A new duty",
            "ksbs": [other.ksbs.first().pk],
        },
    )
    assert response.status_code == 200
    assert "A duty can only draw on KSBs of its own standard" in str(
        response.context["adminform"].form.errors["ksbs"]
    )
    assert not Duty.objects.filter(number=14).exists()


def test_admin_saves_a_new_duty_with_ksbs_of_its_standard(admin_client, st0825):
    k1 = st0825.ksbs.get(kind="K", number=1)
    response = admin_client.post(
        reverse("admin:standards_duty_add"),
        {"standard": st0825.pk, "number": 14, "description": "A new duty", "ksbs": [k1.pk]},
    )
    assert response.status_code == 302
    assert list(Duty.objects.get(number=14).ksbs.all()) == [k1]


def test_admin_edits_a_ksb_text_through_the_standard_inline(admin_client):
    standard = make_standard(knowledge=1, skills=1, behaviours=1, duties=1)
    ksbs = list(standard.ksbs.all())
    duty = standard.duties.get()
    data = {
        "reference": standard.reference,
        "title": standard.title,
        "version": standard.version,
        "level": 4,
        "typical_duration_months": 24,
        "status": "approved",
        "route": "",
        "overview": "",
        "url": "",
        "duties-TOTAL_FORMS": 1,
        "duties-INITIAL_FORMS": 1,
        "duties-0-id": duty.pk,
        "duties-0-standard": standard.pk,
        "duties-0-number": 1,
        "duties-0-description": "Edited duty",
        "duties-0-ksbs": [ksbs[0].pk],
        "ksbs-TOTAL_FORMS": 3,
        "ksbs-INITIAL_FORMS": 3,
    }
    for i, ksb in enumerate(ksbs):
        data.update(
            {
                f"ksbs-{i}-id": ksb.pk,
                f"ksbs-{i}-standard": standard.pk,
                f"ksbs-{i}-kind": ksb.kind,
                f"ksbs-{i}-number": ksb.number,
                f"ksbs-{i}-description": f"Edited {ksb.code}",
            }
        )
    url = reverse("admin:standards_standard_change", args=[standard.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert standard.ksbs.get(kind="S").description == "Edited S1"
    duty.refresh_from_db()
    assert duty.description == "Edited duty"
    assert list(duty.ksbs.all()) == [ksbs[0]]

    other = KSBFactory()
    data["duties-0-ksbs"] = [other.pk]
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert list(duty.ksbs.all()) == [ksbs[0]]


@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("name", ["standards_standard", "standards_ksb", "standards_duty"])
def test_admin_lists_use_no_query_per_row(admin_client, django_assert_max_num_queries, size, name):
    for n in range(size):
        make_standard(knowledge=2 + n, duties=1 + n)
    with django_assert_max_num_queries(8):
        admin_client.get(reverse(f"admin:{name}_changelist"))


def test_ksb_admin_filters_by_standard_reference_version_and_version_status(admin_client, st0825):
    make_standard(reference="ST0825", version="1.1", status="draft", knowledge=2, duties=0)
    make_standard(reference="ST0116", knowledge=1, skills=0, behaviours=0, duties=0)
    url = reverse("admin:standards_ksb_changelist")

    def count(**params):
        return admin_client.get(url, params).context["cl"].result_count

    assert count(standard__reference="ST0825") == 51 + 5
    assert count(standard__reference="ST0116") == 1
    assert count(standard__version="1.1") == 5
    assert count(standard__reference="ST0825", standard__version="1.0") == 51
    assert count(version_status="draft") == 5
    assert count(version_status="approved") == 52
    page = admin_client.get(url).content.decode()
    assert "By version status" in page and "Approved for delivery" in page


def test_standard_admin_filters_by_version_status(admin_client, st0825):
    make_standard(reference="ST0825", version="1.1", status="draft")
    url = reverse("admin:standards_standard_changelist")
    assert admin_client.get(url, {"status": "draft"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"status": "retired"}).context["cl"].result_count == 0
