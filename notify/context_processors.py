"""What every page's header needs from notifications: the bell's unread count."""

from .models import Notification

# The bell counts no further than this ("99+"): the count stops at the hundredth item, so it
# costs the same for someone with a thousand unread items as for someone with a hundred.
BELL_CAP = 100


def unread_count(request):
    """The number of unread items in the inbox of the request's user, up to BELL_CAP (None
    when nobody is logged in), counted once per request however many times a page asks: one
    query, the same permission filtering as the inbox."""
    if not hasattr(request, "_notify_unread"):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            request._notify_unread = None
        else:
            unread = Notification.objects.for_user(user).unread()
            # In the inbox's order: PostgreSQL then walks the person's own index (notify_inbox)
            # and stops at the hundredth; unordered, it chose to scan everyone's items.
            request._notify_unread = unread[:BELL_CAP].count()
    return request._notify_unread


class Bell:
    """The header's bell. Nothing is counted until a template reads ``bell.unread``, so
    pages without a logged-in user, and responses that never render the header, cost
    nothing."""

    def __init__(self, request):
        self.request = request

    @property
    def unread(self):
        return unread_count(self.request)


def bell(request):
    return {"bell": Bell(request)}
