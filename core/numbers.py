"""How the pages round: one rule, in Python and SQL."""

from django.db.models import Case, F, IntegerField, Value, When


def percent(part, whole):
    """``part`` of ``whole`` in whole percent, rounded half up; 0 of nothing is 0%."""
    if not whole:
        return 0
    return (200 * part + whole) // (2 * whole)


def percent_sql(part, whole):
    """The SQL twin of percent, on two integer annotations."""
    return Case(
        When(**{whole: 0}, then=Value(0)),
        default=(200 * F(part) + F(whole)) / (2 * F(whole)),
        output_field=IntegerField(),
    )


def signed(value, decimals=1):
    """A change with its sign: "+0.5", "-1.0", "0"; an en dash when unknown."""
    if value is None or value == "":
        return "\u2013"
    value = float(value)
    if round(value, int(decimals)) == 0:
        return "0"
    return f"{value:+.{int(decimals)}f}"
