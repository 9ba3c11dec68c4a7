"""The inbox, the notification preferences and the one-click unsubscribe."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import User
from core.tables import choice, paginate

from .catalogue import ALWAYS_SENT, ENTRIES, Channel, Kind
from .context_processors import unread_count
from .delivery import read_unsubscribe_token
from .digest import DIGEST, digest_unsubscribe
from .forms import PreferencesForm
from .models import Notification
from .services import (
    digest_frequency_of,
    notifications_mark_read,
    offers_digest,
    preference_set,
    preferences_of,
    preferences_set,
)

FILTERS = {"all": "All", "unread": "Unread"}


def _local(url):
    """Whether ``url`` is a path of this site (never another host, whatever an item holds)."""
    return (
        bool(url)
        and url.startswith("/")
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    )


def _back(request):
    """Where a change made from the inbox returns: the inbox page it was made on."""
    target = request.POST.get("next", "")
    return target if _local(target) else "notify:inbox"


@login_required
def inbox(request):
    """The person's items, newest first, 25 a page; items about an apprenticeship they can no
    longer see are not among them (for_user)."""
    show = choice(request.GET.get("show"), FILTERS, "all")
    items = Notification.objects.for_user(request.user)
    if show == "unread":
        items = items.unread()
    page = paginate(request, items.select_related("apprenticeship__apprentice"))
    return render(
        request,
        "notify/inbox.html",
        {
            "page_obj": page,
            "items": page.object_list,
            "show": show,
            "filters": FILTERS,
            "unread": unread_count(request),
        },
    )


@login_required
@require_POST
def inbox_read_all(request):
    changed = notifications_mark_read(user=request.user)
    if changed:
        messages.success(request, "Every notification is marked read.")
    else:
        messages.info(request, "There was nothing unread.")
    return redirect(_back(request))


def _own_item(request, pk):
    """The user's own item, which they may still see; anyone else's is a 404."""
    return get_object_or_404(Notification.objects.for_user(request.user), pk=pk)


@login_required
@require_POST
def notification_open(request, pk):
    """Mark the item read and go to its page."""
    item = _own_item(request, pk)
    notifications_mark_read(user=request.user, pks=[item.pk])
    return redirect(item.url if _local(item.url) else "notify:inbox")


@login_required
@require_POST
def notification_read(request, pk):
    item = _own_item(request, pk)
    notifications_mark_read(user=request.user, pks=[item.pk])
    messages.success(request, f"“{item.title}” is marked read.")
    return redirect(_back(request))


@login_required
@require_POST
def notification_unread(request, pk):
    item = _own_item(request, pk)
    notifications_mark_read(user=request.user, pks=[item.pk], read=False)
    messages.success(request, f"“{item.title}” is marked unread.")
    return redirect(_back(request))


@login_required
def preferences(request):
    """How each kind of notification reaches the person. A refused form changes nothing."""
    user = request.user
    digest = offers_digest(user)
    current = preferences_of(user)
    frequency = digest_frequency_of(user) if digest else None
    data = request.POST if request.method == "POST" else None
    form = PreferencesForm(user, data, current=current, frequency=frequency)
    if request.method == "POST":
        if form.is_valid():
            preferences_set(
                user=user,
                channels=form.channels(),
                frequency=form.cleaned_data.get("frequency"),
            )
            messages.success(request, "Your notification choices are saved.")
            return redirect("notify:preferences")
        messages.error(request, "Nothing was changed: please correct the choices shown.")
    return render(
        request,
        "notify/preferences.html",
        {"form": form, "digest": digest, "always_sent": ALWAYS_SENT},
        status=400 if form.is_bound else 200,
    )


def _unsubscribe_page(request, context, status=200):
    return render(request, "notify/unsubscribe.html", context, status=status)


@csrf_exempt  # RFC 8058: a mail provider POSTs with no CSRF token; the signed token decides
def unsubscribe(request, token):
    """Stop e-mails of one kind for the person the signed token names, without logging in: a
    GET asks, a POST (the page's button, or a mail client's one-click) switches that kind to
    "only in my inbox" and changes nothing else."""
    read = read_unsubscribe_token(token)
    if read is None or (read[1] not in ENTRIES and read[1] != DIGEST):
        return _unsubscribe_page(request, {"problem": "invalid"}, status=400)
    user_id, kind = read
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        return _unsubscribe_page(request, {"problem": "gone"}, status=404)
    label = "your digest e-mail" if kind == DIGEST else f"“{Kind(kind).label}”"
    context = {"label": label, "kind": kind, "token": token}
    if kind != DIGEST and ENTRIES[Kind(kind)].mandatory:
        return _unsubscribe_page(request, {**context, "problem": "mandatory"}, status=400)
    if request.method != "POST":
        return _unsubscribe_page(request, context)
    if kind == DIGEST:
        digest_unsubscribe(user=person)
    elif preferences_of(person)[kind] != Channel.OFF:  # off stays off: no inbox items either
        preference_set(user=person, kind=kind, channel=Channel.INAPP)
    return _unsubscribe_page(request, {**context, "done": True})
