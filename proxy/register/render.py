"""Print a :class:`~proxy.register.reports.Report`: table, CSV, JSON or a printable HTML page.

CSV is the report's first table (the one a spreadsheet wants); JSON is the full ``data``.
HTML is one self-contained page (inline CSS and SVG, no script, no external asset) to attach
to an FOI, SAR or assurance response, with a chart of use over time when the report has one.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Any

from proxy import __version__
from proxy.register.reports import Chart, Report, Table

FORMATS = ("table", "csv", "json", "html")

COLOURS = {  # GOV.UK palette: readable on white, distinct in greyscale print
    "allowed": "#1d70b8",
    "approved": "#00703c",
    "monitored": "#f47738",
    "blocked": "#d4351c",
}


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.data, indent=2, sort_keys=False) + "\n"
    if fmt == "csv":
        return to_csv(report.tables[0])
    if fmt == "html":
        return to_html(report)
    return to_text(report)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _text_table(table: Table) -> str:
    cells = [table.columns, *([_cell(v) for v in row] for row in table.rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(table.columns))]
    lines = [table.title, "-" * len(table.title)]
    if not table.rows:
        return "\n".join([*lines, "(none)"])
    for n, row in enumerate(cells):
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_text(report: Report) -> str:
    head = [report.title] + [f"{k}: {v}" for k, v in report.scope]
    return "\n".join(head) + "\n\n" + "\n\n".join(_text_table(t) for t in report.tables) + "\n"


# ---- HTML -------------------------------------------------------------------------------------

CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#0b0c0c;background-color:#ffffff;margin:2em;line-height:1.4}
h1{font-size:1.8em;margin:0 0 .3em}
h2{font-size:1.3em;margin:1.6em 0 .5em;border-bottom:2px solid #0b0c0c}
dl.scope{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;margin:0}
dl.scope dt{font-weight:bold}
dl.scope dd{margin:0}
table{border-collapse:collapse;width:100%;max-width:100%;font-size:.8em;margin-bottom:1em}
caption{text-align:left;font-weight:bold;font-size:1.3em;margin-top:1.2em;padding:.3em 0;border-bottom:2px solid #0b0c0c}
th,td{border:1px solid #b1b4b6;padding:.25em .4em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background-color:#f3f2f1;color:#0b0c0c;overflow-wrap:normal}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold}
p.note{color:#505a5f;font-size:.9em}
figure{margin:0}
figcaption{font-size:.9em;color:#0b0c0c}
ul.legend{list-style:none;padding:0;display:flex;gap:1.5em;margin:.3em 0}
ul.legend span{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}
@media print{body{margin:1cm}h2{break-after:avoid}table,figure{break-inside:avoid}}
"""


def _html_table(table: Table) -> str:
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in table.columns)
    body = []
    for row in table.rows:
        total = ' class="total"' if row and row[0] == "total" else ""
        cells = "".join(
            f'<td class="num">{v}</td>'
            if isinstance(v, int | float) and not isinstance(v, bool)
            else f"<td>{escape(_cell(v))}</td>"
            for v in row
        )
        body.append(f"<tr{total}>{cells}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(table.columns)}">None in this period.</td></tr>')
    return (
        f'<table id="{escape(table.id)}"><caption>{escape(table.title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def chart_svg(chart: Chart, width: int = 900, height: int = 280) -> str:
    """Stacked bars per day, with y-axis ticks and a few date labels; no script, no fonts."""
    left, right, top, bottom = 48, 12, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    days = chart.days or [""]
    totals = [sum(s[i] for s in chart.series.values()) for i in range(len(chart.days))] or [0]
    peak = max(*totals, 1)
    step = plot_w / len(days)
    bar = min(48.0, max(1.0, step * 0.8))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="usage-chart-svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="usage-chart-title"><title id="usage-chart-title">'
        f"{escape(chart.title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        value = round(peak * frac)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#b1b4b6"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#0b0c0c">{value}</text>'
        )
    for i, day in enumerate(chart.days):
        x = left + i * step + (step - bar) / 2
        y = top + plot_h
        for name, values in chart.series.items():
            count = values[i]
            if not count:
                continue
            h = plot_h * count / peak
            y -= h
            parts.append(
                f'<rect class="bar {escape(name)}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS.get(name, "#505a5f")}">'
                f"<title>{escape(day)}: {count} {escape(name)}</title></rect>"
            )
    labels = sorted({0, len(days) // 2, len(days) - 1}) if len(days) > 2 else range(len(days))
    for i in labels:
        x = left + i * step + step / 2
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle" '
            f'fill="#0b0c0c">{escape(days[i])}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'stroke="#0b0c0c"/></svg>'
    )
    return "".join(parts)


def to_html(report: Report) -> str:
    period = dict(report.scope).get("Period", "")
    scope = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in report.scope)
    chart = ""
    if report.chart is not None:
        legend = "".join(
            f'<li><span style="background-color:{COLOURS.get(n, "#505a5f")}"></span>{escape(n)}'
            f" ({sum(v)})</li>"
            for n, v in report.chart.series.items()
        )
        chart = (
            f'<h2>{escape(report.chart.title)}</h2><figure id="usage-chart">'
            f'{chart_svg(report.chart)}<figcaption><ul class="legend">{legend}</ul>'
            "</figcaption></figure>"
        )
    tables = "".join(_html_table(t) for t in report.tables)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.title)} — {escape(period)}</title><style>{CSS}</style></head>"
        f'<body><main><h1>{escape(report.title)}</h1><dl class="scope">{scope}'
        f"<dt>Generated</dt><dd>{escape(report.generated)}</dd></dl>{chart}{tables}"
        '<p class="note">From the aidlp usage register: decisions only (who, which AI tool, '
        "when, what kinds of data were found, which approval). It holds no prompt, no matched "
        f"value and no token. aidlp {escape(__version__)}.</p></main></body></html>\n"
    )
