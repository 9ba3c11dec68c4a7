from django import template

register = template.Library()


@register.filter
def signed(value, decimals=1):
    """A change with its sign: "+0.5", "-1.0", "0"; an en dash when unknown."""
    if value is None or value == "":
        return "\u2013"
    value = float(value)
    if round(value, int(decimals)) == 0:
        return "0"
    return f"{value:+.{int(decimals)}f}"
