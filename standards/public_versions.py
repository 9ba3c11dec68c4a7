"""Which versions of a standard the public pages show, and which of them is current.

Pure functions over versions already loaded (one query for all versions of a reference), so
the pages that use them add no queries."""

from dataclasses import dataclass

from .models import Standard


def may_see(user, standard):
    """Drafts are not offered yet: only staff may preview them."""
    return standard.status != Standard.Status.DRAFT or bool(user and user.is_staff)


def visible_to(user, versions):
    """The versions ``user`` may see, newest first ("1.10" before "1.9")."""
    shown = [standard for standard in versions if may_see(user, standard)]
    return sorted(shown, key=lambda standard: standard.version_key, reverse=True)


def current_of(versions):
    """The current version: the newest approved for delivery; None when none is."""
    approved = [s for s in versions if s.status == Standard.Status.APPROVED]
    return max(approved, key=lambda standard: standard.version_key, default=None)


def latest_of(versions):
    """Where the reference alone leads: the current version, else the newest given."""
    current = current_of(versions)
    if current is not None:
        return current
    return max(versions, key=lambda standard: standard.version_key, default=None)


@dataclass(frozen=True)
class VersionNav:
    """The versions a reader of ``standard`` may go to (newest first), the current one and
    the version just before this one (what "What changed since" compares with)."""

    standard: Standard
    versions: list[Standard]
    current: Standard | None
    previous: Standard | None

    @property
    def signature(self):
        """What the navigation shows, for the page's ETag: a new version or a changed status
        changes it."""
        current = self.current.version if self.current else None
        return [[s.version, s.status] for s in self.versions] + [current]


def version_nav(user, standard, versions):
    """The navigation between ``standard`` and the other ``versions`` of its reference."""
    shown = visible_to(user, versions)
    older = [s for s in shown if s.version_key < standard.version_key]
    return VersionNav(
        standard=standard,
        versions=shown,
        current=current_of(shown),
        previous=older[0] if older else None,
    )
