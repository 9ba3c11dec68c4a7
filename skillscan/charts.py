"""Geometry for the server-rendered SVG charts. Templates draw what these return; every chart
also has a table with the same numbers for people who would rather read."""

from dataclasses import dataclass

MAX_SCORE = 4
# Colour-blind-safe colours (Okabe-Ito and Tol), each readable on white; lines are also
# labelled with their duty number, so colour is never the only way to tell them apart.
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


def bar_chart(items, *, label_width=90, plot_width=400, bar_height=22, gap=8):
    """Horizontal bars on the 0-4 scale: ``items`` is [(label, value or None)]."""
    bars = []
    for index, (label, value) in enumerate(items):
        width = 0 if value is None else float(value) / MAX_SCORE * plot_width
        bars.append(Bar(label, value, index * (bar_height + gap), width))
    height = len(items) * (bar_height + gap) + 30
    ticks = [
        {"value": score, "x": label_width + score / MAX_SCORE * plot_width}
        for score in range(MAX_SCORE + 1)
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


def line_chart(x_labels, series, *, width=640, height=300, left=40, right=60, top=16, bottom=40):
    """Lines on the 0-4 scale over ``x_labels``: ``series`` is [(label, short, [value or None
    per x])]. A point is drawn for every known value; lines join consecutive known values."""
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(x_labels) - 1, 1)

    def x_at(i):
        return left + (i * step if len(x_labels) > 1 else plot_w / 2)

    def y_at(v):
        return top + plot_h - float(v) / MAX_SCORE * plot_h

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
        "y_ticks": [{"value": v, "y": y_at(v)} for v in range(MAX_SCORE + 1)],
    }
