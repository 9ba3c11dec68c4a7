import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition
from django.views.generic import ListView

from . import public_versions, selectors
from .diff import standard_diff
from .models import Standard
from .public_versions import VersionNav, current_of, latest_of, may_see, version_nav, visible_to

CONTENT_TEMPLATE = "standards/includes/_standard_content.html"
PAGE_TEMPLATES = (
    "base.html",
    "standards/standard_detail.html",
    "standards/includes/_version_nav.html",
    CONTENT_TEMPLATE,
)
CONTENT_CACHE_SECONDS = 60 * 60 * 24
# No page this process serves is older than its code and templates.
STARTED_AT = timezone.now()


class StandardListView(ListView):
    """Every standard, public, with its versions under it: each version's status and size and
    which one is current. Drafts are listed for staff only. Pages of 50 references."""

    template_name = "standards/standard_list.html"
    context_object_name = "references"
    paginate_by = 50

    def _standards(self):
        standards = Standard.objects.all()
        if not self.request.user.is_staff:
            standards = standards.exclude(status=Standard.Status.DRAFT)
        return standards

    def get_queryset(self):
        references = self._standards().order_by("reference").values_list("reference", flat=True)
        return references.distinct()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        references = list(context["references"])
        versions = {reference: [] for reference in references}
        for standard in self._standards().filter(reference__in=references).with_counts():
            versions[standard.reference].append(standard)
        context["groups"] = [
            StandardGroup(
                reference,
                visible_to(self.request.user, versions[reference]),
                current_of(versions[reference]),
            )
            for reference in references
        ]
        return context


@dataclass
class StandardGroup:
    """The versions of one reference on the list (newest first), and the current one."""

    reference: str
    versions: list[Standard]
    current: Standard | None

    @property
    def main(self):
        """The version whose title heads the group and where its name links: the current one,
        else the newest."""
        return self.current or self.versions[0]


def standard_latest(request, reference):
    """/standards/ST0825/ goes to the current version of that standard (the newest approved
    for delivery), else to the newest the reader may see."""
    versions = visible_to(request.user, Standard.objects.filter(reference__iexact=reference))
    latest = latest_of(versions)
    if latest is None:
        raise Http404("No standard has that reference.")
    return redirect(latest)


def _digest(*parts):
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def _page_fingerprint():
    """What shapes the standard's page besides its data: the templates, the static files'
    hashed URLs and the code that reads the structure and the versions. A deploy that changes
    any moves it."""
    return _digest(
        settings.STATIC_URL,
        getattr(staticfiles_storage, "manifest_hash", ""),
        [get_template(name).template.source for name in PAGE_TEMPLATES],
        [Path(module.__file__).read_text() for module in (selectors, public_versions)],
    )


_deployed_page_fingerprint = cache(_page_fingerprint)


def page_fingerprint():
    # In development the templates change under a running server; in production they do not.
    return _page_fingerprint() if settings.DEBUG else _deployed_page_fingerprint()


@dataclass
class StandardPage:
    """The standard of a detail URL and its HTTP validators for one request: ``shared`` when
    the whole page is the same for everyone (anonymous, no messages waiting). ``content_key``
    names the cached content (the standard's own data); the validators cover the versions
    navigation around it as well."""

    standard: Standard
    nav: VersionNav
    content_key: str
    etag: str | None
    last_modified: datetime | None
    shared: bool


def _standard_page(request, reference, version):
    """Look the standard and its other versions up once per request, in one query (the
    conditional checks and the view share it) and work out what its page depends on; None for
    an unknown standard or a draft the reader may not preview."""
    if not hasattr(request, "_standard_page"):
        request._standard_page = None
        versions = list(Standard.objects.filter(reference=reference))
        standard = next((s for s in versions if s.version == version), None)
        if standard is not None and may_see(request.user, standard):
            nav = version_nav(request.user, standard, versions)
            # A status change or a new version stamps a standard: the newest stamp of all the
            # versions dates the navigation as well as this version's content.
            stamped = max(s.content_updated_at for s in versions)
            request._standard_page = _validators(request, standard, nav, stamped)
    return request._standard_page


def _validators(request, standard, nav, stamped):
    content_key = _digest(standard.pk, standard.content_updated_at.isoformat(), page_fingerprint())
    page_key = _digest(content_key, nav.signature)
    if len(get_messages(request)):
        # The page shows waiting messages once: a 304 would keep them from the reader.
        return StandardPage(standard, nav, content_key, None, None, shared=False)
    user = request.user
    if not user.is_authenticated:
        last_modified = max(stamped, STARTED_AT)
        return StandardPage(standard, nav, content_key, f'"{page_key}"', last_modified, True)
    # The navigation shows the user's name, the links their roles open and a log-out form with
    # a CSRF token (base.html): the ETag covers them all. It is weak because each render masks
    # the token afresh, which gives an equivalent page rather than the same bytes. There is no
    # Last-Modified, which could not tell one user's page from another's.
    csrf_secret = request.META.get("CSRF_COOKIE")
    if not csrf_secret:  # the page will set a new one
        return StandardPage(standard, nav, content_key, None, None, shared=False)
    etag = _digest(
        page_key, user.pk, str(user), user.is_staff, user.is_employer, user.is_provider, csrf_secret
    )
    return StandardPage(standard, nav, content_key, f'W/"{etag}"', None, shared=False)


def _etag(request, reference, version):
    page = _standard_page(request, reference, version)
    return page.etag if page else None


def _last_modified(request, reference, version):
    page = _standard_page(request, reference, version)
    return page.last_modified if page else None


def _revalidated_each_time(view):
    """Browsers and caches keep the page but ask again every time (a 304 costs one query);
    only an anonymous page may be kept by a shared cache."""

    @wraps(view)
    def wrapper(request, reference, version):
        response = view(request, reference, version)
        page = _standard_page(request, reference, version)  # None: a 412 for no standard
        shared = page is not None and page.shared
        patch_cache_control(response, no_cache=True, **{"public" if shared else "private": True})
        patch_vary_headers(response, ["Cookie"])
        return response

    return wrapper


def standard_content(standard, content_key):
    """The page's content for this version of the standard, rendered once per process and kept
    in its own cache (a shared one would cost a query or a round trip on a page served in one):
    an edit or a deploy changes the key, so no stale copy is ever read. It is rendered without
    the request, so nothing of the user's can be cached into it."""
    cache_key = f"standards:content:{content_key}"
    html = caches["local"].get(cache_key)
    if html is None:
        structure = selectors.standard_structure(standard)
        # A SafeString, and it stays one through the cache's pickling.
        html = render_to_string(CONTENT_TEMPLATE, {"standard": standard, "structure": structure})
        caches["local"].set(cache_key, html, CONTENT_CACHE_SECONDS)
    return html


@_revalidated_each_time
@condition(etag_func=_etag, last_modified_func=_last_modified)
def standard_detail(request, reference, version):
    """A version of a standard: its status and the other versions, its duties with their KSBs,
    the K, S and B statements and the duty-by-KSB matrix; public, but a draft only for staff.
    Answers If-None-Match and If-Modified-Since with a 304."""
    page = _standard_page(request, reference, version)
    if page is None:
        raise Http404("No standard has that reference and version.")
    content = standard_content(page.standard, page.content_key)
    context = {"standard": page.standard, "nav": page.nav, "content": content}
    return render(request, "standards/standard_detail.html", context)


def standard_compare(request, reference, old, new):
    """What changed from one version of a standard to another, public like the versions'
    pages (drafts for staff only). The form's choice (``?old=&new=``) and a newer-to-older
    pair redirect to the older-to-newer URL."""
    versions = visible_to(request.user, Standard.objects.filter(reference=reference))
    by_version = {standard.version: standard for standard in versions}
    older, newer = by_version.get(old), by_version.get(new)
    if older is None or newer is None:
        raise Http404("This standard has no such versions to compare.")

    error = ""
    if "old" in request.GET or "new" in request.GET:
        picked = [by_version.get(request.GET.get(name, "")) for name in ("old", "new")]
        if None in picked:
            error = f"Choose two versions of {older.reference} from the lists."
        else:
            older, newer = picked
    if newer.is_newer_than(older) or older == newer:
        if (older.version, newer.version) != (old, new):
            return redirect(_compare_url(older, newer))
    else:
        messages.info(
            request,
            f"Version {older.version} is newer than {newer.version}: "
            "the comparison runs from the older version to the newer one.",
        )
        return redirect(_compare_url(newer, older))

    context = {
        "older": older,
        "newer": newer,
        "versions": versions,
        "current": current_of(versions),
        "diff": standard_diff(older, newer) if older != newer else None,
        "error": error,
    }
    return render(request, "standards/standard_compare.html", context)


def _compare_url(older, newer):
    kwargs = {"reference": older.reference, "old": older.version, "new": newer.version}
    return reverse("standards:standard-compare", kwargs=kwargs)
