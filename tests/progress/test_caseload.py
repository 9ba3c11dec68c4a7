"""Issue 16: the training provider's caseload. A tutor sees the apprenticeships they tutor across
every employer; a provider manager sees every one the provider delivers; neither sees another
provider's, nor an employer's other apprentices. The dashboard's counts, reasons, sorts and
pages, with an employer column and filter (and a tutor filter for a provider manager)."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from accounts.models import Apprenticeship, Membership, Organisation, Partnership
from progress.dashboard import caseload
from progress.models import Tally
from progress.tally import tally_check, tally_refresh
from tests.conftest import verified_user
from tests.factories import (
    ApprenticeshipFactory,
    EvidenceFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CASELOAD = reverse("progress:caseload")
CASELOAD_CSV = reverse("progress:caseload-csv")


def partner(employer, provider, *, accepted=True):
    now = timezone.now()
    return Partnership.objects.create(
        employer=employer,
        provider=provider,
        proposed_by=employer,
        accepted_at=now if accepted else None,
    )


def delivered(employer, standard, provider, tutor=None, **fields):
    return ApprenticeshipFactory(
        organisation=employer, standard=standard, provider=provider, tutor=tutor, **fields
    )


@pytest.fixture
def learnwell(db):
    return OrganisationFactory(name="Learnwell Training", kind=Organisation.Kind.PROVIDER)


@pytest.fixture
def skillco(db):
    return OrganisationFactory(name="SkillCo", kind=Organisation.Kind.PROVIDER)


def _member(email, name, organisation, role):
    user = verified_user(email, name)
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def tutor(learnwell):
    return _member("tutor@example.com", "Tia Tutor", learnwell, Membership.Role.TUTOR)


@pytest.fixture
def second_tutor(learnwell):
    return _member("tutor2@example.com", "Theo Tutor", learnwell, Membership.Role.TUTOR)


@pytest.fixture
def provider_manager(learnwell):
    return _member("pm@example.com", "Pat Provider", learnwell, Membership.Role.MANAGER)


@pytest.fixture
def skillco_tutor(skillco):
    return _member("sct@example.com", "Sid SkillCo", skillco, Membership.Role.TUTOR)


@pytest.fixture
def cast(acme, globex, learnwell, skillco, standard, tutor, second_tutor, skillco_tutor, mentor):
    """Learnwell delivers for Acme and Globex (two partnerships); SkillCo for Acme too.

    - mine_acme, mine_globex: tutored by ``tutor`` at Acme and Globex;
    - theirs: Learnwell's, tutored by ``second_tutor``; untutored: Learnwell's, no tutor yet;
    - skillcos: SkillCo's at Acme; employer_only: Acme's own, no provider."""
    partner(acme, learnwell)
    partner(globex, learnwell)
    partner(acme, skillco)
    return {
        "mine_acme": delivered(acme, standard, learnwell, tutor, mentor=mentor),
        "mine_globex": delivered(globex, standard, learnwell, tutor),
        "theirs": delivered(acme, standard, learnwell, second_tutor),
        "untutored": delivered(globex, standard, learnwell),
        "skillcos": delivered(acme, standard, skillco, skillco_tutor),
        "employer_only": ApprenticeshipFactory(organisation=acme, standard=standard, mentor=mentor),
    }


def _shown(client, params=None):
    response = client.get(CASELOAD, params or {})
    assert response.status_code == 200
    return {row.pk for row in response.context["rows"]}


def _pks(cast, *names):
    return {cast[name].pk for name in names}


# --- who sees what -------------------------------------------------------------------------------


def test_a_tutor_sees_their_caseload_across_every_employer(client, tutor, cast):
    client.force_login(tutor)
    assert _shown(client) == _pks(cast, "mine_acme", "mine_globex")
    page = client.get(CASELOAD)
    assert not page.context["show_tutors"]
    assert [o.name for o in page.context["filters"].employers] == ["Acme Digital", "Globex"]
    html = page.content.decode()
    assert "Acme Digital" in html and "Globex" in html and 'id="filter-tutor"' not in html


def test_a_provider_manager_sees_every_apprenticeship_the_provider_delivers(
    client, provider_manager, cast, tutor, second_tutor
):
    client.force_login(provider_manager)
    assert _shown(client) == _pks(cast, "mine_acme", "mine_globex", "theirs", "untutored")
    page = client.get(CASELOAD)
    assert page.context["show_tutors"]
    assert page.context["filters"].tutors == [second_tutor, tutor]  # by name: Theo, Tia
    assert page.context["counts"]["apprentices"] == 4
    html = page.content.decode()
    assert "Tutor: Tia Tutor" in html and "No tutor yet" in html


def test_another_providers_tutor_sees_only_their_own(client, skillco_tutor, cast):
    client.force_login(skillco_tutor)
    assert _shown(client) == _pks(cast, "skillcos")


def test_the_employer_filter_keeps_one_employer(client, provider_manager, cast, globex):
    client.force_login(provider_manager)
    page = client.get(CASELOAD, {"employer": str(globex.pk)})
    assert {row.pk for row in page.context["rows"]} == _pks(cast, "mine_globex", "untutored")
    assert page.context["page_obj"].paginator.count == 2
    assert page.context["counts"]["apprentices"] == 4  # the cards count everything
    assert f'<option value="{globex.pk}" selected>' in page.content.decode()


def test_the_tutor_filter_keeps_one_tutors(client, provider_manager, cast, second_tutor, acme):
    client.force_login(provider_manager)
    assert _shown(client, {"tutor": str(second_tutor.pk)}) == _pks(cast, "theirs")
    assert _shown(client, {"tutor": str(second_tutor.pk), "employer": str(acme.pk)}) == _pks(
        cast, "theirs"
    )


@pytest.mark.parametrize(
    "params",
    [
        {"employer": "999999"},
        {"employer": "abc"},
        {"tutor": "-1"},
        {"status": "nonsense"},
        {"sort": "secret"},
        {"attention": "yes"},
    ],
)
def test_a_tampered_filter_is_ignored(client, provider_manager, cast, params):
    client.force_login(provider_manager)
    page = client.get(CASELOAD, params).context
    assert page["page_obj"].paginator.count == 4
    assert not page["filters"].any


def test_an_employer_outside_the_visible_set_is_no_filter(client, tutor, cast):
    """SkillCo's employer choice is not the tutor's: its id falls back to no filter, and the
    rows stay the tutor's own."""
    other = OrganisationFactory(name="Initech")
    client.force_login(tutor)
    assert _shown(client, {"employer": str(other.pk)}) == _pks(cast, "mine_acme", "mine_globex")


def test_a_nul_in_a_filter_is_refused(client, tutor, cast):
    client.force_login(tutor)
    assert client.get(CASELOAD, {"employer": "1\x00"}).status_code == 400


def test_an_ended_partnership_hides_all_but_completed_apprenticeships(
    client, tutor, cast, globex, learnwell
):
    client.force_login(tutor)
    Apprenticeship.objects.filter(pk=cast["mine_globex"].pk).update(status="completed")
    tally_refresh([cast["mine_globex"].pk])
    partnership = Partnership.objects.get(employer=globex, provider=learnwell)
    partnership.ended_at = timezone.now()
    partnership.save()
    client.force_login(tutor)  # a new request reads the partnerships again
    assert _shown(client) == _pks(cast, "mine_acme", "mine_globex")
    Apprenticeship.objects.filter(pk=cast["mine_globex"].pk).update(status="active")
    tally_refresh([cast["mine_globex"].pk])
    assert _shown(client) == _pks(cast, "mine_acme")


def test_an_unaccepted_partnership_shows_nothing(client, standard, tutor, learnwell):
    initech = OrganisationFactory(name="Initech")
    partner(initech, learnwell, accepted=False)
    delivered(initech, standard, learnwell, tutor)
    client.force_login(tutor)
    assert _shown(client) == set()
    assert "No apprenticeships on your caseload yet" in client.get(CASELOAD).content.decode()


def test_a_tutor_who_leaves_the_provider_loses_the_caseload_at_once(client, tutor, cast):
    client.force_login(tutor)
    assert len(_shown(client)) == 2
    Membership.objects.filter(user=tutor).delete()
    assert client.get(CASELOAD).status_code == 403


@pytest.mark.parametrize(
    "who", ["manager", "mentor", "other_manager", "apprentice", "user"], ids=str
)
def test_employers_and_apprentices_are_refused(client, request, cast, who):
    person = request.getfixturevalue(who)
    client.force_login(person)
    assert client.get(CASELOAD).status_code == 403
    assert client.get(CASELOAD_CSV).status_code == 403


def test_login_is_required(client):
    response = client.get(CASELOAD)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(CASELOAD_CSV).status_code == 302


def test_an_admin_sees_every_apprenticeship_with_a_provider_or_not(client, superuser, cast):
    client.force_login(superuser)
    assert _shown(client) == {a.pk for a in cast.values()}


def test_the_navigation_links_the_caseload_for_provider_people_only(
    client, tutor, provider_manager, manager, apprentice, cast
):
    for person, linked in ((tutor, True), (provider_manager, True), (manager, False)):
        client.force_login(person)
        html = client.get(reverse("standards:standard-list")).content.decode()
        assert (f'href="{CASELOAD}"' in html) is linked, person


# --- the table ---------------------------------------------------------------------------------


def test_counts_and_needs_attention_reasons_are_the_dashboards(client, tutor, cast):
    """A piece of evidence waiting, on one of the tutor's two: the card and the filter agree,
    and the row says why."""
    EvidenceFactory(
        apprenticeship=cast["mine_acme"],
        status="submitted",
        submitted_at=timezone.now() - timedelta(days=10),
        off_the_job_hours=Decimal(1),
    )
    client.force_login(tutor)
    page = client.get(CASELOAD)
    assert page.context["counts"]["evidence"] == 1
    assert _shown(client, {"evidence": "1"}) == _pks(cast, "mine_acme")
    (row,) = [r for r in page.context["rows"] if r.pk == cast["mine_acme"].pk]
    assert row.attention and row.employer == "Acme Digital" and row.tutor == "Tia Tutor"
    assert "Needs attention" in page.content.decode()


@pytest.mark.parametrize("sort", [*caseload.SORTS, *(f"-{key}" for key in caseload.SORTS)])
def test_every_column_sorts(client, provider_manager, cast, sort):
    client.force_login(provider_manager)
    rows = client.get(CASELOAD, {"sort": sort}).context["rows"]
    assert len(rows) == 4


def test_the_csv_has_the_employer_and_tutor_and_only_visible_rows(
    client, provider_manager, cast, acme
):
    client.force_login(provider_manager)
    response = client.get(CASELOAD_CSV, {"employer": str(acme.pk)})
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0][-2:] == ["employer", "tutor"]
    assert sorted(line[-2:] for line in lines[1:]) == [
        ["Acme Digital", "Theo Tutor"],
        ["Acme Digital", "Tia Tutor"],
    ]


def test_the_table_scrolls_inside_its_own_region_on_a_narrow_screen(client, tutor, cast):
    """At 375 px the table scrolls sideways in a focusable region (the dashboard's pattern);
    the page around it does not."""
    client.force_login(tutor)
    html = client.get(CASELOAD).content.decode()
    assert 'class="table-responsive dashboard-scroll" tabindex="0" role="region"' in html
    assert '<th scope="col">Employer' in html


# --- kept counts and the tally -----------------------------------------------------------------


def _fresh(user, params=None):
    caches["local"].clear()
    return caseload.caseload_counts(
        user, caseload.caseload_tallies(user), params or {}, date.today()
    )[0]


def test_kept_counts_follow_tutor_and_partnership_changes(
    client, provider_manager, tutor, second_tutor, cast, globex, learnwell
):
    client.force_login(tutor)
    kept = client.get(CASELOAD).context["counts"]
    theirs = cast["theirs"]
    theirs.tutor = tutor
    theirs.save()
    counts = client.get(CASELOAD).context["counts"]
    assert counts["apprentices"] == kept["apprentices"] + 1
    assert counts == _fresh(tutor)

    client.force_login(provider_manager)
    kept = client.get(CASELOAD).context["counts"]
    Partnership.objects.filter(employer=globex, provider=learnwell).update(ended_at=timezone.now())
    client.force_login(provider_manager)
    counts = client.get(CASELOAD).context["counts"]
    assert counts["apprentices"] == kept["apprentices"] - 2
    assert counts == _fresh(provider_manager)


def test_the_tally_copies_the_provider_and_tutor_through_every_write(
    cast, tutor, second_tutor, skillco, learnwell
):
    mine = cast["mine_acme"]
    assert Tally.objects.filter(pk=mine.pk, provider=learnwell, tutor=tutor).exists()
    mine.tutor = second_tutor
    mine.save()
    assert Tally.objects.get(pk=mine.pk).tutor_id == second_tutor.pk
    # A bulk write says which apprenticeships it changed.
    from accounts.models import apprenticeships_changed

    Apprenticeship.objects.filter(pk=mine.pk).update(provider=skillco, tutor=None)
    apprenticeships_changed.send(sender=Apprenticeship, ids=[mine.pk])
    tally = Tally.objects.get(pk=mine.pk)
    assert (tally.provider_id, tally.tutor_id) == (skillco.pk, None)
    assert tally_check() == []


def test_a_change_moves_the_stamps_of_both_providers(cast, learnwell, skillco):
    from progress.models import OrganisationStamp

    def versions():
        return dict(OrganisationStamp.objects.values_list("pk", "version"))

    before = versions()
    mine = cast["mine_acme"]
    mine.provider, mine.tutor = skillco, None
    mine.save()
    after = versions()
    assert after[learnwell.pk] > before[learnwell.pk]
    assert after[skillco.pk] > before[skillco.pk]


# --- what a page costs -------------------------------------------------------------------------


def _bulk_caseload(standard, provider, tutors, employers, count):
    """``count`` apprenticeships spread over ``employers`` (each partnered with ``provider``)
    and ``tutors``, each with evidence accepted and waiting, inserted as the demo data set is
    (demo.bulk) and tallied in one pass."""
    from demo.bulk import insert
    from tracker.models import Evidence

    for employer in employers:
        partner(employer, provider)
    people = insert(
        type(tutors[0]),
        ("email", "full_name"),
        [(f"cl{n}@example.com", f"Caseload {n}") for n in range(count)],
    )
    ids = insert(
        Apprenticeship,
        (
            "apprentice_id",
            "standard_id",
            "organisation_id",
            "provider_id",
            "tutor_id",
            "start_date",
            "planned_end_date",
            "otj_target_hours",
            "status",
        ),
        [
            (
                person,
                standard.pk,
                employers[n % len(employers)].pk,
                provider.pk,
                tutors[n % len(tutors)].pk,
                date.today() - timedelta(days=n % 300),
                date.today() + timedelta(days=400),
                400,
                "active",
            )
            for n, person in enumerate(people)
        ],
    )
    insert(
        Evidence,
        (
            "apprenticeship_id",
            "title",
            "occurred_on",
            "status",
            "off_the_job_hours",
            "submitted_at",
        ),
        [
            (pk, "E", date.today(), status, Decimal(3), timezone.now())
            for pk in ids
            for status in ("accepted", "submitted")
        ],
    )
    tally_refresh(ids)  # bulk inserts send no signals


@pytest.mark.parametrize("count", [10, 5000])
def test_caseload_queries_do_not_grow_with_apprenticeships(
    client,
    standard,
    learnwell,
    tutor,
    second_tutor,
    provider_manager,
    django_assert_num_queries,
    count,
):
    """Session, user, memberships, partnerships, the stamps, the counts, the employers and the
    tutors of the filters, the page's ids, its rows, the bell's unread count; asked again with
    nothing changed, the counts are kept."""
    employers = [OrganisationFactory(name=f"Employer {n:02}") for n in range(50)]
    _bulk_caseload(standard, learnwell, [tutor, second_tutor], employers, count)
    every = {n % 50 for n in range(count)}
    evens = {n % 50 for n in range(0, count, 2)}  # the first tutor's: every other one
    for user, total, employed in (
        (provider_manager, count, every),
        (tutor, count // 2, evens),
    ):
        client.force_login(user)
        for params, queries in (
            ({}, 11),
            ({"page": "2", "sort": "review"}, 11),
            ({"sort": "-coverage", "attention": "1"}, 11),
            ({"employer": str(employers[3].pk), "sort": "apprentice"}, 11),
            ({"tutor": str(tutor.pk), "evidence": "1"}, 11),
            ({"status": "paused"}, 9),  # nothing paused: no page to read
        ):
            caches["local"].clear()
            with django_assert_num_queries(queries):
                client.get(CASELOAD, params)
            with django_assert_num_queries(queries - 1):
                page = client.get(CASELOAD, params).context
            visible = caseload.caseload_tallies(user)
            expected = caseload.caseload_filtered(
                visible, caseload.caseload_filters_for_csv(visible, params), date.today()
            ).count()
            assert page["page_obj"].paginator.count == expected
            if set(params) <= {"page", "sort"}:
                assert expected == total
        assert page["counts"]["apprentices"] == total
        assert {o.pk for o in page["filters"].employers} == {employers[n].pk for n in employed}


# --- sorting reads an index ----------------------------------------------------------------------


@pytest.mark.parametrize("sort", [*caseload.SORTS, *(f"-{key}" for key in caseload.SORTS)])
def test_every_caseload_sort_is_an_index_walk_on_postgresql(provider_manager, tutor, cast, sort):
    """As the dashboard's: a page of any sort comes from walking its index, for a provider
    manager and for a tutor."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's; SQLite runs the same query")
    for user in (provider_manager, tutor):
        rows = caseload.caseload_filtered(
            caseload.caseload_tallies(user),
            caseload.read_caseload_filters({"sort": sort}),
            date.today(),
        ).values_list("pk", flat=True)[:25]
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = rows.explain()
        assert "Sort" not in plan and "Index" in plan, plan


def test_someone_with_no_membership_is_refused(client, cast):
    """Signed up, verified, a member of nothing: no caseload, whatever the provider delivers."""
    client.force_login(UserFactory())
    assert client.get(CASELOAD).status_code == 403


def test_provider_people_land_on_their_caseload(client, tutor, provider_manager, manager):
    for person in (tutor, provider_manager):
        client.force_login(person)
        assert client.get(reverse("progress:start")).url == CASELOAD
    client.force_login(manager)
    assert client.get(reverse("progress:start")).url == reverse("progress:dashboard")


def test_the_dashboards_kept_counts_follow_a_partnership_too(
    client, provider_manager, cast, globex, learnwell
):
    """The employer dashboard shows a provider manager what they see as well: its kept counts
    are keyed on the provider's partnerships, so an ended one counts at once."""
    dashboard = reverse("progress:dashboard")
    client.force_login(provider_manager)
    assert client.get(dashboard).context["counts"]["apprentices"] == 4
    Partnership.objects.filter(employer=globex, provider=learnwell).update(ended_at=timezone.now())
    client.force_login(provider_manager)
    assert client.get(dashboard).context["counts"]["apprentices"] == 2


def test_the_caseload_and_its_csv_are_never_stored_by_a_cache(client, tutor, cast):
    client.force_login(tutor)
    for url in (CASELOAD, CASELOAD_CSV):
        directives = {d.strip() for d in client.get(url)["Cache-Control"].split(",")}
        assert directives == {"private", "no-store"}, url
