"""Helpers for the admin tests of issue 13: the data a browser would post back from an admin
change page (every form, inline and management form, as rendered), and the page's text."""

import html

from django.contrib.messages import get_messages


def _plain(value):
    if isinstance(value, (list, tuple, set)) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return [str(getattr(item, "pk", item)) for item in items]
    return getattr(value, "pk", value)


def _add(data, form):
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[form.add_prefix(name)] = "on" if value is True else _plain(value)


def posted_back(response):
    """The POST data of the admin change or add page ``response`` as it stands."""
    data = {}
    _add(data, response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            _add(data, form)
    return data


def text(response):
    """The page's text with entities decoded, and the messages it carried."""
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    return html.unescape(response.content.decode()) + "\n".join(shown)
