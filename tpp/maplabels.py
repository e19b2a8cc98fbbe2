"""Chip labels on the threshold maps: stacked points named together, and labels that overprint nothing.

A label goes beside its point when there is room, else to the nearest free place (display pixels, checked against
every label placed, the markers and the fixed texts) with a leader line to its point. matplotlib is imported by the
caller (tpp.plot); numpy, which matplotlib brings, is imported inside the functions.
"""

from __future__ import annotations

import math

__all__ = ["LABEL_GID", "group_points", "place_labels", "label_overlaps"]

_NEAR = [(7, 5), (7, -12), (-7, 5), (-7, -12), (0, 11), (0, -17), (14, 14), (14, -22), (-14, 14), (-14, -22)]
_LEADER = {"arrowstyle": "-", "lw": 0.5, "color": "0.45"}
LABEL_GID = "chip-label"  # the gid of every chip label, so a test can check that none overprints another


def _far_offsets():
    """Offsets (points) on a grid around the point, nearest first: where a label goes, with a leader line, when
    there is no room beside its point."""
    import numpy as np

    dx, dy = np.meshgrid(np.arange(-420, 421, 9), np.arange(-300, 301, 7))
    d = np.hypot(dx, dy).ravel()
    keep = d > 22
    order = np.argsort(d[keep], kind="stable")
    return dx.ravel()[keep][order], dy.ravel()[keep][order]


def _free_slot(anchor, size, offsets, k, placed, inside):
    """The first offset whose label box (display pixels) lies inside ``inside`` and overlaps nothing placed."""
    import numpy as np

    (px, py), (w, h) = anchor, size
    dx, dy = np.asarray(offsets[0], float), np.asarray(offsets[1], float)
    x0 = px + dx * k - np.where(dx > 0, 0, np.where(dx < 0, w, w / 2))
    y0 = py + dy * k
    x1, y1 = x0 + w, y0 + h
    ok = (x0 >= inside.x0) & (x1 <= inside.x1) & (y0 >= inside.y0) & (y1 <= inside.y1)
    if placed:
        p = np.asarray(placed)
        clash = ((x0[:, None] < p[None, :, 2]) & (x1[:, None] > p[None, :, 0]) & (y0[:, None] < p[None, :, 3])
                 & (y1[:, None] > p[None, :, 1])).any(axis=1)
        ok &= ~clash
    hits = np.flatnonzero(ok)
    if not len(hits):
        return None
    i = hits[0]
    return (float(dx[i]), float(dy[i])), (float(x0[i]) - 1, float(y0[i]) - 1, float(x1[i]) + 1, float(y1[i]) + 1)


def place_labels(ax, renderer, groups, fontsize, obstacles=()):
    """Chip labels that overprint nothing: beside their point where there is room, else at the nearest free place
    with a leader line to the point. ``obstacles`` are artists (region labels, notes, the legend) that labels must
    not cover; the markers count too. A label that finds no free place at all goes beside its point."""
    k = ax.figure.dpi / 72.0
    placed = [tuple(a.get_window_extent(renderer).expanded(1.02, 1.05).extents) for a in obstacles]
    for (x, y), _ in groups:
        px, py = ax.transData.transform((x, y))
        placed.append((px - 5, py - 5, px + 5, py + 5))
    inside, far = ax.get_window_extent(renderer), _far_offsets()
    near = ([o[0] for o in _NEAR], [o[1] for o in _NEAR])
    for (x, y), text in groups:
        probe = ax.text(0, 0, text, fontsize=fontsize)
        bb = probe.get_window_extent(renderer)
        probe.remove()
        size = (bb.width + 3, bb.height + 2)
        anchor = ax.transData.transform((x, y))
        slot, leader = _free_slot(anchor, size, near, k, placed, inside), False
        if slot is None:
            slot, leader = _free_slot(anchor, size, far, k, placed, inside), True
        (dx, dy), box = slot or ((_NEAR[0]), None)
        ann = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", va="bottom", fontsize=fontsize,
                          ha="left" if dx > 0 else ("right" if dx < 0 else "center"), zorder=6, gid=LABEL_GID,
                          arrowprops=_LEADER if leader else None)
        ann.set_in_layout(False)
        if box is not None:
            placed.append(box)


def group_points(points, xkey, tol: float = 0.012):
    """Points at (nearly) the same place, within ``tol`` decades on both axes (the same part in other packaging,
    bins of one die), share one label naming every one of them, three names a line."""
    clusters: list[list] = []
    for p in sorted(points, key=lambda p: (getattr(p, xkey), p.tpp)):
        lx, ly = math.log10(getattr(p, xkey)), math.log10(p.tpp)
        for c in clusters:
            cx, cy = math.log10(getattr(c[0], xkey)), math.log10(c[0].tpp)
            if abs(lx - cx) <= tol and abs(ly - cy) <= tol:
                c.append(p)
                break
        else:
            clusters.append([p])
    out = []
    for ps in clusters:
        names = list(dict.fromkeys(p.label for p in ps))
        text = "\n".join(" / ".join(names[i:i + 3]) for i in range(0, len(names), 3))
        out.append(((getattr(ps[0], xkey), ps[0].tpp), text))
    out.sort(key=lambda g: -g[0][1])
    return out


def label_overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of chip labels that overprint each other in ``fig`` (a check for the tests and for the eye)."""
    from matplotlib.text import Text

    fig.canvas.draw()  # an annotation's words are positioned when drawn
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.findobj(Text) if t.get_gid() == LABEL_GID]
    boxes = [(t.get_text(), Text.get_window_extent(t, renderer)) for t in texts]  # the words, not the leader
    return [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:] if ba.overlaps(bb)]
