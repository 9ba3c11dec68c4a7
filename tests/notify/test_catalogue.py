"""The catalogue is the one place that declares each notification; the README lists it."""

from pathlib import Path

from accounts.permissions import Role
from notify.catalogue import ALWAYS_SENT, ENTRIES, Channel, Kind, Mode, markdown_table

ROOT = Path(__file__).resolve().parents[2]


def test_every_kind_is_declared_once():
    assert set(ENTRIES) == set(Kind)


def test_every_entry_names_who_gets_it_and_when():
    for kind, item in ENTRIES.items():
        assert item.kind == kind
        assert item.when, kind
        assert item.roles or kind == Kind.INVITATION_ACCEPTED, kind
        assert item.roles <= {
            Role.APPRENTICE,
            Role.MENTOR,
            Role.MANAGER,
            Role.TUTOR,
            Role.PROVIDER_MANAGER,
        }, kind
        assert not item.fallback or Role.MENTOR in item.roles, kind
        assert item.mode in Mode
        assert item.default in Channel


def test_nothing_switchable_is_mandatory_and_the_always_sent_are_not_kinds():
    assert not any(item.mandatory for item in ENTRIES.values())
    assert not set(ALWAYS_SENT) & set(Kind.values)


def test_the_readme_lists_every_notification_from_the_catalogue():
    readme = (ROOT / "README.md").read_text()
    assert markdown_table() in readme, "README's list differs: paste markdown_table() in"
