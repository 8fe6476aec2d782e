"""Charts as inline SVG (no script, no external asset: the same markup in the HTML page, in the
InfraZen app's `document.write` and in WeasyPrint's PDF). Labels are written by the one formatter,
so a chart's figures are the table's figures."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d")
_FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


def bars(rows: Sequence[tuple[str, float, str]], *, title: str, width: int = 640) -> str:
    """Horizontal bars: (label, value, the value as written)."""
    if not rows:
        return ""
    top = max((v for _, v, _ in rows), default=0.0) or 1.0
    label_w, value_w, bar_h, gap = 200, 175, 18, 8  # room for "457,719.32 RUB/month"
    span = width - label_w - value_w - 10
    height = len(rows) * (bar_h + gap) + 10
    out = [
        f"<svg role='img' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' {_FONT} font-size='12'><title>{escape(title)}</title>"
    ]
    for i, (label, value, text) in enumerate(rows):
        y = 5 + i * (bar_h + gap)
        w = max(1.0, span * max(value, 0.0) / top)
        short = label if len(label) <= 32 else label[:31] + "…"
        out.append(
            f"<text x='{label_w - 6}' y='{y + 13}' text-anchor='end' fill='#374151'>{escape(short)}</text>"
            f"<rect x='{label_w}' y='{y}' width='{w:.1f}' height='{bar_h}' rx='3' fill='{PALETTE[i % len(PALETTE)]}'/>"
            f"<text x='{label_w + w + 6:.1f}' y='{y + 13}' fill='#111827'>{escape(text)}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def columns(points: Sequence[tuple[str, float]], *, title: str, top_label: str, width: int = 640) -> str:
    """A trend as columns (one per period), the largest labelled with `top_label`, the axis from 0."""
    if not points:
        return ""
    height, pad_b, pad_t = 200, 34, 22
    top = max(v for _, v in points) or 1.0
    n = len(points)
    step = (width - 20) / n
    col_w = max(4.0, step * 0.7)
    out = [
        f"<svg role='img' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' {_FONT} font-size='11'><title>{escape(title)}</title>"
        f"<line x1='10' y1='{height - pad_b}' x2='{width - 10}' y2='{height - pad_b}' stroke='#9ca3af'/>"
    ]
    peak = max(range(n), key=lambda i: points[i][1])
    every = max(1, -(-n // 6))  # at most ~6 labels: long dates must not overlap
    for i, (label, value) in enumerate(points):
        h = (height - pad_b - pad_t) * max(value, 0.0) / top
        x = 10 + i * step + (step - col_w) / 2
        y = height - pad_b - h
        out.append(f"<rect x='{x:.1f}' y='{y:.1f}' width='{col_w:.1f}' height='{h:.1f}' fill='#2563eb' rx='2'/>")
        if i % every == 0:
            out.append(
                f"<text x='{x + col_w / 2:.1f}' y='{height - pad_b + 14}' text-anchor='middle' "
                f"fill='#6b7280'>{escape(label)}</text>"
            )
        if i == peak:
            out.append(
                f"<text x='{x + col_w / 2:.1f}' y='{max(12.0, y - 5):.1f}' text-anchor='middle' "
                f"fill='#111827'>{escape(top_label)}</text>"
            )
    out.append("</svg>")
    return "".join(out)
