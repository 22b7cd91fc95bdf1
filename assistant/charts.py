"""The two charts of 统计图 as inline SVG, drawn from the same `charts_sheet` model the
summary workbook's native charts are made from: 综合得分 by reporter (highest first) and
the 好/较好/一般/差 distribution per reporter. No script, no network, text escaped."""
from __future__ import annotations

from html import escape
from typing import Any

COLORS = ("#2e7d32", "#81c784", "#ffb74d", "#e53935")     # 好 较好 一般 差
LABEL_W, BAR_W, ROW_H, TOP = 150, 430, 24, 34


def _frame(title: str, rows: int, legend: str = "") -> tuple[int, int, list[str]]:
    width = LABEL_W + BAR_W + 70
    height = TOP + rows * ROW_H + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="{escape(title)}" class="chart">',
             f'<text x="{width / 2}" y="20" text-anchor="middle" class="chart-title">{escape(title)}</text>', legend]
    return width, height, parts


def score_chart(model: Any, low: float, high: float, places: int) -> str:
    rows = [(r[0], r[1]) for r in model.rows if r[1] is not None]
    title = model.charts[0].title if model.charts else "综合得分"
    _, height, parts = _frame(title, len(rows))
    span = (high - low) or 1.0
    for k, (label, score) in enumerate(rows):
        y = TOP + k * ROW_H
        w = max(1.0, (float(score) - low) / span * BAR_W)
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 16}" text-anchor="end" class="chart-label">{escape(str(label))}</text>')
        parts.append(f'<rect x="{LABEL_W}" y="{y + 4}" width="{w:.1f}" height="{ROW_H - 8}" fill="#c62828" rx="2"/>')
        parts.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 16}" class="chart-value">{float(score):.{places}f}</text>')
    axis_y = TOP + len(rows) * ROW_H + 4
    parts.append(f'<line x1="{LABEL_W}" y1="{TOP}" x2="{LABEL_W}" y2="{axis_y}" stroke="#666"/>')
    for k in range(5):
        value = low + span * k / 4
        x = LABEL_W + BAR_W * k / 4
        parts.append(f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" class="chart-axis">{value:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def distribution_chart(model: Any, grades: tuple[str, ...]) -> str:
    rows = [(r[3], [int(v or 0) for v in r[4:8]]) for r in model.rows]
    title = model.charts[1].title if len(model.charts) > 1 else "评价分布"
    legend = "".join(f'<rect x="{LABEL_W + k * 70}" y="{TOP}" width="10" height="10" fill="{c}"/>'
                     f'<text x="{LABEL_W + k * 70 + 14}" y="{TOP + 9}" class="chart-axis">{escape(g)}</text>'
                     for k, (g, c) in enumerate(zip(grades, COLORS)))
    _, _, parts = _frame(title, len(rows) + 1, legend)
    most = max((sum(v) for _, v in rows), default=1) or 1
    for k, (label, votes) in enumerate(rows, start=1):
        y = TOP + k * ROW_H - 4
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 16}" text-anchor="end" class="chart-label">{escape(str(label))}</text>')
        x = float(LABEL_W)
        for count, color in zip(votes, COLORS):
            w = count / most * BAR_W
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{ROW_H - 8}" fill="{color}">'
                             f'<title>{count}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 16}" class="chart-value">{sum(votes)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def charts_of(result) -> list[dict[str, str]]:
    from workbook import schema as S
    from workbook.sheets import charts_sheet

    model = charts_sheet(result)
    points = [float(p) for p in result.book.params.points]
    return [{"title": "综合得分", "svg": score_chart(model, min(points), max(points), result.book.params.decimals)},
            {"title": "评价分布", "svg": distribution_chart(model, tuple(S.GRADES))}]
