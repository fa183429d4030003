"""Small SVG charts rendered in Python, so a report needs no chart library and no network to be viewed."""
from __future__ import annotations

from html import escape

PALETTE = {"pig_butchering": "#c0392b", "fake_anchor_tipping": "#8e44ad", "two_cards": "#2471a3",
           "online_gambling": "#d68910", "defamation": "#117a65", "none": "#7f8c8d"}
_DEFAULT = "#34495e"


def bars(items: list[tuple[str, float]], title: str, width: int = 460, fmt: str = "{:g}") -> str:
    """A horizontal bar chart: one bar per (name, value), the value written after the bar."""
    row, label_w, pad = 22, 150, 8
    height = pad * 2 + 20 + row * max(1, len(items))
    top = max((v for _, v in items), default=0) or 1
    span = width - label_w - 60
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
           f'<text x="{pad}" y="{pad + 12}" class="title">{escape(title)}</text>']
    if not items:
        out.append(f'<text x="{pad}" y="{pad + 36}" class="empty">nothing to show</text>')
    for k, (name, value) in enumerate(items):
        y = pad + 20 + k * row
        w = max(1.0, span * value / top) if value else 0
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(name)}</text>'
                   f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
                   f'fill="{PALETTE.get(name, _DEFAULT)}"><title>{escape(name)}: {fmt.format(value)}</title></rect>'
                   f'<text x="{label_w + w + 4:.1f}" y="{y + 15}">{fmt.format(value)}</text>')
    out.append("</svg>")
    return "".join(out)


def histogram(values: list[float], title: str, color: str = _DEFAULT, bins: int = 10, width: int = 220,
              height: int = 120) -> str:
    """A histogram of values in [0, 1] in `bins` equal bins (counts on a square-root scale, so the few
    texts with high scores stay visible beside the many near 0)."""
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int(v * bins)))] += 1
    top = max(counts) or 1
    pad, base = 6, height - 18
    bw = (width - 2 * pad) / bins
    out = [f'<svg class="chart hist" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
           f'<text x="{pad}" y="12" class="title">{escape(title)}</text>']
    for k, c in enumerate(counts):
        h = (base - 20) * (c / top) ** 0.5
        x = pad + k * bw
        out.append(f'<rect x="{x + 1:.1f}" y="{base - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" fill="{color}">'
                   f'<title>{k / bins:.1f}–{(k + 1) / bins:.1f}: {c}</title></rect>')
    out.append(f'<line x1="{pad}" y1="{base}" x2="{width - pad}" y2="{base}" stroke="#999"/>'
               f'<text x="{pad}" y="{height - 4}">0</text><text x="{width / 2:.0f}" y="{height - 4}" '
               f'text-anchor="middle">0.5</text><text x="{width - pad}" y="{height - 4}" text-anchor="end">1</text>')
    out.append("</svg>")
    return "".join(out)
