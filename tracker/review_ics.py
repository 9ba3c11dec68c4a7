"""The calendar invitation (.ics, RFC 5545) of a scheduled progress review: one event per
review with a stable UID, its SEQUENCE the number of times it has been rescheduled, so a
calendar replaces the earlier invitation instead of adding a second meeting."""

from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from .review_models import ReviewReschedule

PRODID = "-//Skills Scan and Learning Progress Tracker//Progress reviews//EN"


def review_uid(review):
    """The same for every invitation of this review."""
    return f"progress-review-{review.pk}@skills-tracker"


def _address(email, name=""):
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    return address


def review_calendar(review, *, people, organiser=None, sequence=None, url=""):
    """The .ics text (METHOD:REQUEST) of ``review``'s meeting for ``people`` (users),
    organised by ``organiser`` (a user; else the service's sender address). ``sequence``
    defaults to the number of reschedules stored."""
    if sequence is None:
        sequence = ReviewReschedule.objects.filter(review=review).count()
    apprenticeship = review.apprenticeship
    start = review.scheduled_for
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", review_uid(review))
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=review.duration_minutes))
    event.add("summary", f"Progress review: {apprenticeship.apprentice}")
    description = [f"Progress review of {apprenticeship.apprentice}'s apprenticeship."]
    if review.online_link:
        description.append(f"Join online: {review.online_link}")
    if review.attendees:
        description.append(f"Attendees: {review.attendees}")
    if url:
        description.append(f"The review: {url}")
    event.add("description", "\n".join(description))
    if review.location:
        event.add("location", review.location)
    elif review.online_link:
        event.add("location", review.online_link)
    if review.online_link:
        event.add("url", review.online_link)
    if organiser is not None:
        event.add("organizer", _address(organiser.email, organiser.full_name))
    else:
        event.add("organizer", _address(parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))
    for person in people:
        attendee = _address(person.email, person.full_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical().decode()
