"""Geometry of the hours page's chart: cumulative planned, accepted and expected hours week by
week, drawn by jinja2/tracker/includes/_hours_chart.html. Each line has its own dash pattern
and a label at its end, so colour is never the only way to tell them apart; the table beside
the chart has the same numbers."""

from dataclasses import dataclass

from core.charts import PALETTE

NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000)


def nice_step(peak, ticks=5):
    """The smallest step of NICE_STEPS that reaches ``peak`` in at most ``ticks`` steps."""
    return next((step for step in NICE_STEPS if step * ticks >= peak), NICE_STEPS[-1])


@dataclass
class ChartLine:
    label: str
    short: str
    colour: str
    dash: str
    points: list

    @property
    def polyline(self):
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)

    label_y: float = 0

    @property
    def end(self):
        return self.points[-1] if self.points else None


def _space_labels(lines, spacing=14):
    """Each line's end label at its end, moved down just enough not to overlap the one
    above."""
    ended = sorted((line for line in lines if line.end), key=lambda line: line.end[1])
    previous = None
    for line in ended:
        line.label_y = line.end[1] + 4
        if previous is not None and abs(line.end[0] - previous.end[0]) < 60:
            line.label_y = max(line.label_y, previous.label_y + spacing)
        previous = line


def hours_chart(weeks, target, *, width=720, height=300, left=48, right=80, top=16, bottom=36):
    """The chart of ``weeks`` (tracker.rules.forecast.Week) up to ``target`` hours: one point
    per week at the end of the week; the accepted line stops at the current week."""
    series = [
        ("Planned by the training plan", "Planned", "6 4", [w.planned_to_date for w in weeks]),
        ("Accepted", "Accepted", "", [w.accepted_to_date for w in weeks]),
        ("Expected", "Expected", "2 3", [w.expected_to_date for w in weeks]),
    ]
    peak = max([target * 100, 100] + [v for *_, values in series for v in values if v]) / 100
    step = nice_step(peak)
    scale_max = step * -(-peak // step)
    plot_w, plot_h = width - left - right, height - top - bottom
    gap = plot_w / max(len(weeks) - 1, 1)

    def x_at(index):
        return left + index * gap

    def y_at(hundredths):
        return top + plot_h - hundredths / 100 / scale_max * plot_h

    lines = [
        ChartLine(
            label,
            short,
            PALETTE[index],
            dash,
            [(x_at(i), y_at(v)) for i, v in enumerate(values) if v is not None],
        )
        for index, (label, short, dash, values) in enumerate(series)
    ]
    _space_labels(lines)
    every = max(len(weeks) // 6, 1)
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_edge": width - right,
        "bottom": top + plot_h,
        "lines": lines,
        "x_ticks": [
            {"label": week.monday.strftime("%b %Y"), "x": x_at(index)}
            for index, week in enumerate(weeks)
            if index % every == 0
        ],
        "y_ticks": [
            {"value": int(value), "y": y_at(value * 100)}
            for value in range(0, int(scale_max) + 1, step)
        ],
    }
