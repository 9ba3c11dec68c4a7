"""The reminders benchmark (`make bench-reminders`): it builds its data set, runs the reminders
twice and prints what it measured; it refuses a database with data and bad arguments."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings):
    settings.DEBUG = True  # seed_demo refuses to run without it


def test_it_prints_apprenticeships_queries_reminders_and_seconds(debug):
    out = StringIO()
    call_command("bench_reminders", apprentices=3, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Built the data set (7 apprenticeships)")
    assert lines[1] == "apprenticeships 7"
    assert 0 < int(lines[2].removeprefix("queries ")) <= 60
    assert lines[3].startswith("reminders ") and int(lines[3].split()[1]) > 0
    assert lines[4].startswith("seconds ") and "deciding and claiming" in lines[4]
    assert lines[5].startswith("seconds sending the e-mails in-process")
    assert lines[6].startswith("second run: 0 reminders, ")


def test_it_refuses_a_database_with_data(debug, user):
    with pytest.raises(CommandError, match="not empty"):
        call_command("bench_reminders", apprentices=1, stdout=StringIO())


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"apprentices": -1}, "0 or more"),
        ({"day": "2027-02-30"}, "YYYY-MM-DD"),
        ({"day": "tomorrow"}, "YYYY-MM-DD"),
    ],
)
def test_it_refuses_bad_arguments(debug, arguments, error):
    with pytest.raises(CommandError, match=error):
        call_command("bench_reminders", stdout=StringIO(), **arguments)
