from datetime import date
from decimal import Decimal

from core.charts import bar_chart, column_chart, line_chart


def test_bar_widths_are_proportional_to_the_scale():
    chart = bar_chart([("a", 4), ("b", 1), ("c", None)], scale_max=4, plot_width=400)
    assert [bar.width for bar in chart["bars"]] == [400, 100, 0]
    assert [tick["value"] for tick in chart["ticks"]] == [0, 1, 2, 3, 4]


def test_lines_skip_unknown_values_and_end_with_their_label():
    chart = line_chart(["x", "y", "z"], [("Duty 1", "D1", [1, None, 3])], scale_max=4)
    (line,) = chart["lines"]
    assert [p["value"] for p in line.points] == [1, 3]
    assert line.end["value"] == 3
    assert line.polyline.count(",") == 2


def test_columns_scale_to_an_even_top_of_at_least_the_minimum():
    weeks = [(date(2026, 1, 5), Decimal(0)), (date(2026, 1, 12), Decimal("7.5"))]
    chart = column_chart(weeks)
    assert [tick["value"] for tick in chart["ticks"]][-1] == 8
    assert chart["bars"][0]["height"] == 0
    assert column_chart([(date(2026, 1, 5), Decimal(1))])["ticks"][-1]["value"] == 6
