"""Geometry for the weekly hours chart, drawn as SVG by the template; the same numbers are in
a table beside it."""

from decimal import Decimal


def weekly_chart(weeks, *, width=720, height=220, left=36, bottom=28, top=10):
    """Vertical bars, one per week: ``weeks`` is [(monday, hours)]."""
    plot_w, plot_h = width - left - 8, height - top - bottom
    peak = max([hours for _, hours in weeks] + [Decimal(6)])
    scale_max = int(-(-peak // 2) * 2)  # round up to an even number of hours
    step = plot_w / max(len(weeks), 1)
    bars = []
    for index, (monday, hours) in enumerate(weeks):
        bar_h = float(hours) / scale_max * plot_h
        bars.append(
            {
                "x": left + index * step + 1,
                "y": top + plot_h - bar_h,
                "width": max(step - 2, 1),
                "height": bar_h,
                "monday": monday,
                "hours": hours,
            }
        )
    ticks = [
        {"value": value, "y": top + plot_h - value / scale_max * plot_h}
        for value in range(0, scale_max + 1, max(scale_max // 4, 1))
    ]
    every = max(len(weeks) // 8, 1)
    labels = [
        {"x": bar["x"] + bar["width"] / 2, "text": bar["monday"].strftime("%d %b")}
        for index, bar in enumerate(bars)
        if index % every == 0
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - 8,
        "baseline": top + plot_h,
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
    }
