"""Geometry for the server-rendered SVG charts. The templates in templates/includes/ draw what
these return; every chart also has a table with the same numbers for people who would rather
read, and colour is never the only way to tell two lines apart."""

import math
from dataclasses import dataclass
from decimal import Decimal

# Colour-blind-safe colours (Okabe-Ito and Tol), each readable on white.
PALETTE = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#8a6d00",
    "#56B4E9",
    "#332288",
    "#882255",
    "#117733",
    "#AA4499",
    "#44AA99",
    "#6b6b00",
    "#000000",
]


@dataclass
class Bar:
    label: str
    value: object
    y: float
    width: float


def bar_chart(items, *, scale_max, label_width=90, plot_width=400, bar_height=22, gap=8):
    """Horizontal bars from 0 to ``scale_max``: ``items`` is [(label, value or None)]."""
    bars = []
    for index, (label, value) in enumerate(items):
        width = 0 if value is None else float(value) / scale_max * plot_width
        bars.append(Bar(label, value, index * (bar_height + gap), width))
    height = len(items) * (bar_height + gap) + 30
    ticks = [
        {"value": value, "x": label_width + value / scale_max * plot_width}
        for value in range(scale_max + 1)
    ]
    return {
        "bars": bars,
        "label_width": label_width,
        "plot_width": plot_width,
        "bar_height": bar_height,
        "width": label_width + plot_width + 50,
        "height": height,
        "axis_y": height - 24,
        "ticks": ticks,
    }


@dataclass
class Line:
    label: str
    short: str
    colour: str
    points: list
    end: dict | None

    @property
    def polyline(self):
        return " ".join(f"{p['x']:.1f},{p['y']:.1f}" for p in self.points)


def line_chart(
    x_labels, series, *, scale_max, width=640, height=300, left=40, right=60, top=16, bottom=40
):
    """Lines from 0 to ``scale_max`` over ``x_labels``: ``series`` is [(label, short, [value or
    None per x])]. A point is drawn for every known value; lines join consecutive known values,
    and each line ends with its short label."""
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(x_labels) - 1, 1)

    def x_at(i):
        return left + (i * step if len(x_labels) > 1 else plot_w / 2)

    def y_at(v):
        return top + plot_h - float(v) / scale_max * plot_h

    lines = []
    for index, (label, short, values) in enumerate(series):
        points = [
            {"x": x_at(i), "y": y_at(v), "value": v} for i, v in enumerate(values) if v is not None
        ]
        end = dict(points[-1]) if points else None
        lines.append(Line(label, short, PALETTE[index % len(PALETTE)], points, end))
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_edge": width - right,
        "bottom": top + plot_h,
        "lines": lines,
        "x_ticks": [{"label": lab, "x": x_at(i)} for i, lab in enumerate(x_labels)],
        "y_ticks": [{"value": v, "y": y_at(v)} for v in range(scale_max + 1)],
    }


def column_chart(columns, *, minimum_top=6, width=720, height=220, left=36, bottom=28, top=10):
    """Vertical bars, one per dated column: ``columns`` is [(day, value)]. The scale goes up to
    the largest value (at least ``minimum_top``) rounded up to an even number."""
    plot_w, plot_h = width - left - 8, height - top - bottom
    peak = max([value for _, value in columns] + [Decimal(minimum_top)])
    scale_max = 2 * math.ceil(peak / 2)
    step = plot_w / max(len(columns), 1)
    bars = []
    for index, (day, value) in enumerate(columns):
        bar_h = float(value) / scale_max * plot_h
        bars.append(
            {
                "x": left + index * step + 1,
                "y": top + plot_h - bar_h,
                "width": max(step - 2, 1),
                "height": bar_h,
                "day": day,
                "value": value,
            }
        )
    ticks = [
        {"value": value, "y": top + plot_h - value / scale_max * plot_h}
        for value in range(0, scale_max + 1, max(scale_max // 4, 1))
    ]
    every = max(len(columns) // 8, 1)
    labels = [
        {"x": bar["x"] + bar["width"] / 2, "text": bar["day"].strftime("%d %b")}
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
