from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import ListView

from .models import Standard
from .selectors import standard_structure


class StandardListView(ListView):
    """Every standard, public: reference, title, version, level and its size."""

    queryset = Standard.objects.with_counts()
    template_name = "standards/standard_list.html"
    context_object_name = "standards"
    paginate_by = 50


def _version_key(version):
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def standard_latest(request, reference):
    """/standards/ST0825/ goes to the newest version of that standard."""
    versions = list(
        Standard.objects.filter(reference__iexact=reference).values_list("reference", "version")
    )
    if not versions:
        raise Http404("No standard has that reference.")
    reference, version = max(versions, key=lambda item: _version_key(item[1]))
    return redirect("standards:standard-detail", reference=reference, version=version)


def standard_detail(request, reference, version):
    """A standard's duties with their KSBs, the K, S and B statements, and the duty-by-KSB
    matrix; public."""
    standard = get_object_or_404(Standard, reference=reference, version=version)
    return render(
        request,
        "standards/standard_detail.html",
        {"standard": standard, "structure": standard_structure(standard)},
    )
