from django import template

from core.jinja import render_partial

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja_include(context, template_name, **extra):
    """``{% jinja_include "tracker/includes/_link.html" link=evidence.link %}``: a Jinja2
    partial inside a Django template, with the same context (and ``extra``), so a partial that
    pages of both engines show exists once."""
    return render_partial(context.get("request"), template_name, {**context.flatten(), **extra})


class CaptureNode(template.Node):
    def __init__(self, name, nodelist):
        self.name, self.nodelist = name, nodelist

    def render(self, context):
        context[self.name] = self.nodelist.render(context)
        return ""


@register.tag
def capture(parser, token):
    """``{% capture "name" %}...{% endcapture %}``: render the inside (blocks included) into the
    variable ``name`` instead of the output, for a Jinja2 layout to place."""
    try:
        _, name = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("capture takes one name") from None
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(name.strip("\"'"), nodelist)
