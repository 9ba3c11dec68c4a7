"""The immediate notifications: who is told when something happens (the catalogue's roles on
the apprenticeship, as the permission table gives them, never the person who acted) and with
which words (notify.words)."""

from accounts.permissions import Role

from .catalogue import Kind, Mode, entry
from .delivery import Message
from .recipients import people_for
from .words import words_for

A = Role.APPRENTICE


def messages_for(kind, *, apprenticeship, about=None, actor=None, **details):
    """The Message for each person to tell that ``kind`` happened on ``apprenticeship`` (about
    the record ``about``, done by ``actor``). ``recipients`` in ``details`` names them instead
    of the catalogue's roles (an accepted invitation goes to whoever sent it)."""
    item = entry(kind)
    if item.mode != Mode.IMMEDIATE:
        raise ValueError(f"{kind} is not an immediate notification")
    named = details.pop("recipients", None)
    if named is not None:
        recipients = _named(named, actor)
    elif item.kind == Kind.EVIDENCE_REPLY:
        recipients = _on_the_thread(apprenticeship, about, actor, item)
    elif item.kind == Kind.REVIEW_SIGNED:
        recipients = _with_the_signer(apprenticeship, about, actor, item)
    else:
        recipients = _holders(apprenticeship, item, actor)
    if not recipients:
        return []
    words = words_for(kind, apprenticeship, about, actor, details)
    return [
        Message(
            recipient=recipient,
            kind=item.kind,
            title=words.own_title
            if words.own_title and recipient.pk == apprenticeship.apprentice_id
            else words.title,
            body=words.body,
            url=words.url,
            apprenticeship=apprenticeship,
            about=about,
            actor=actor,
        )
        for recipient in recipients
    ]


def _holders(apprenticeship, item, actor):
    """The people holding the entry's roles (its fallback standing in for a missing mentor:
    notify.recipients decides)."""
    if apprenticeship is None:
        return []
    return people_for(apprenticeship, item.roles, item.fallback, exclude=actor)


def _with_employers(apprenticeship, item, actor, user_ids):
    """The entry's people, and those of ``user_ids`` who still hold an employer's role on the
    apprenticeship (a manager who wrote on the evidence or signed the review)."""
    employers = people_for(apprenticeship, (item.roles - {A}) | item.fallback, exclude=actor)
    return _unique(
        _holders(apprenticeship, item, actor) + [u for u in employers if u.pk in user_ids]
    )


def _on_the_thread(apprenticeship, evidence, actor, item):
    """Everyone on a piece of evidence but the writer: the apprentice, the mentor (or the
    managers without one), and any manager who has written on its thread."""
    writers = set(evidence.feedback.values_list("author_id", flat=True))
    return _with_employers(apprenticeship, item, actor, writers)


def _with_the_signer(apprenticeship, review, actor, item):
    """The entry's people, and whoever signed the review for the employer (a manager who
    signed where there is a mentor)."""
    return _with_employers(apprenticeship, item, actor, {review.employer_signed_by_id})


def _named(users, actor):
    """Named recipients, as people_for would have them: active, and never the actor."""
    return _unique(
        user
        for user in users
        if user is not None and user.is_active and (actor is None or user.pk != actor.pk)
    )


def _unique(users):
    seen, result = set(), []
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            result.append(user)
    return result
