import re

import pytest
from django.urls import reverse

from standards.models import Duty
from tests.factories import DutyFactory, KSBFactory, StandardFactory, make_standard

pytestmark = pytest.mark.django_db

LIST_URL = reverse("standards:standard-list")


def detail_url(standard):
    return reverse(
        "standards:standard-detail",
        kwargs={"reference": standard.reference, "version": standard.version},
    )


def test_list_shows_every_standard_with_its_counts(client, st0825):
    make_standard(
        reference="ST0116",
        title="Software developer",
        knowledge=12,
        skills=17,
        behaviours=9,
        duties=21,
    )
    response = client.get(LIST_URL)
    assert response.status_code == 200
    rows = {group.reference: group.versions[0] for group in response.context["groups"]}
    assert (rows["ST0825"].ksb_count, rows["ST0825"].duty_count) == (51, 13)
    assert (rows["ST0116"].ksb_count, rows["ST0116"].duty_count) == (38, 21)
    html = response.content.decode()
    assert '<a href="/standards/ST0825/1.0/">DevOps engineer</a>' in html
    assert "2 standards." in html


def test_list_without_standards_explains_how_to_load_one(client, db):
    response = client.get(LIST_URL)
    assert "No standards yet." in response.content.decode()
    assert "loaddata st0825" in response.content.decode()


def test_list_paginates_at_50(client, db):
    for _ in range(51):
        StandardFactory()
    first = client.get(LIST_URL)
    assert len(first.context["groups"]) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert len(client.get(LIST_URL, {"page": 2}).context["groups"]) == 1
    assert client.get(LIST_URL, {"page": 3}).status_code == 404


def test_detail_shows_duties_ksbs_and_anchors(client, st0825):
    response = client.get(detail_url(st0825))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>DevOps engineer" in html
    for code in ("K1", "K25", "S1", "S22", "B1", "B4"):
        assert f'id="{code}"' in html
    for number in range(1, 14):
        assert f'id="duty-{number}"' in html
    assert "General purpose programming and infrastructure-as-code." in html
    # Duty 1's KSB links point at the KSBs' anchors.
    duty1 = html[html.index('id="duty-1"') : html.index('id="duty-2"')]
    assert "21 KSBs" in duty1
    assert 'href="#K4"' in duty1 and 'href="#B3"' in duty1
    assert 'href="#K1"' not in duty1


def test_detail_matrix_has_a_row_per_duty_a_column_per_ksb_and_236_marks(client, st0825):
    html = client.get(detail_url(st0825)).content.decode()
    matrix = html[
        html.index('<table class="ksb-matrix">') : html.index("</table>", html.index("ksb-matrix"))
    ]
    assert matrix.count('<th scope="row">') == 14  # 13 duties and the totals row
    assert len(re.findall(r'<th scope="col" class="ksb-[ksb]">', matrix)) == 51
    assert matrix.count('class="mapped"') == 236
    assert '<caption id="matrix-caption">' in matrix
    assert 'role="region"' in html and 'tabindex="0"' in html


def test_detail_of_a_standard_without_duties_says_so(client, db):
    standard = StandardFactory()
    KSBFactory(standard=standard)
    html = client.get(detail_url(standard)).content.decode()
    assert "This standard lists no duties" in html
    assert "ksb-matrix" not in html


def test_detail_of_unknown_standard_or_version_is_404(client, st0825):
    assert client.get("/standards/ST9999/1.0/").status_code == 404
    assert client.get("/standards/ST0825/9.9/").status_code == 404


def test_reference_alone_redirects_to_the_newest_version(client, db):
    for version in ("1.0", "1.10", "1.9"):
        StandardFactory(reference="ST0116", version=version)
    response = client.get("/standards/st0116/")
    assert response.status_code == 302
    assert response.url == "/standards/ST0116/1.10/"
    assert client.get("/standards/ST4242/").status_code == 404


def test_texts_from_the_data_are_escaped(client, db):
    standard = StandardFactory(title="<script>alert('t')</script>", overview="<b>bold</b>")
    KSBFactory(standard=standard, description="<img src=x onerror=alert(1)>")
    DutyFactory(standard=standard, description="<script>alert('d')</script>")
    for url in (LIST_URL, detail_url(standard)):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in html


@pytest.mark.parametrize("size", [1, 4])
def test_list_query_count_does_not_grow_with_standards(client, db, django_assert_num_queries, size):
    for n in range(size):
        standard = make_standard(knowledge=n + 2, duties=n + 1)
        for version in ("1.1", "2.0")[:n]:
            make_standard(reference=standard.reference, version=version, knowledge=2)
    # The paginator's count of references, the page of references, and their versions with
    # their sizes: the third query keeps a standard's versions together on one page.
    with django_assert_num_queries(3):
        response = client.get(LIST_URL)
    assert len(response.context["groups"]) == size


@pytest.mark.parametrize("scale", [1, 5])
def test_detail_query_count_does_not_grow_with_ksbs_or_duties(
    client, db, django_assert_num_queries, scale
):
    standard = make_standard(
        knowledge=5 * scale, skills=4 * scale, behaviours=scale, duties=3 * scale
    )
    make_standard()  # another standard, which the page must not touch
    with django_assert_num_queries(4):  # standard, KSBs, duties, duty-KSB links
        response = client.get(detail_url(standard))
    assert response.context["structure"].matrix[0].cells.count(True) == 10 * scale
    assert Duty.objects.filter(standard=standard).count() == 3 * scale
