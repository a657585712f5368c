"""How readable a drawn blueprint is, measured on its SVG: plain text in, numbers out.

Used by tests/test_diagram.py (bounds a drawing must keep) and bench/bench_render.py (the
figures next to their baseline). No Django: it reads what Graphviz drew, whatever the engine.

- `crossings`: pairs of links whose lines cross (touching at a shared card does not count);
- `length_ratio_max` / `length_ratio_mean`: a link's drawn length over the straight line between
  the centres of its two cards;
- `label_distance_max`: the farthest a link's label sits from its own line;
- `through_cards`: links whose line passes through a card or phase header that is not its end.
"""

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SVG = "{http://www.w3.org/2000/svg}"
Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # left, top, right, bottom (SVG coordinates)


@dataclass(frozen=True)
class Metrics:
    links: int
    crossings: int
    length_ratio_max: float
    length_ratio_mean: float
    label_distance_max: float
    through_cards: int
    ratios: dict[str, float]  # per link, by the id of its SVG group
    label_distances: dict[str, float]

    @property
    def crossings_per_link(self) -> float:
        return self.crossings / self.links if self.links else 0.0

    def line(self) -> str:
        return (
            f"{self.links} links, {self.crossings} crossing pairs "
            f"({self.crossings_per_link:.2f}/link), length ratio max {self.length_ratio_max:.2f} "
            f"mean {self.length_ratio_mean:.2f}, label distance max "
            f"{self.label_distance_max:.0f} pt, {self.through_cards} through a card or header"
        )


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _pairs(text: str) -> list[Point]:
    numbers = [float(n) for n in _NUMBER.findall(text)]
    return list(zip(numbers[0::2], numbers[1::2], strict=False))


def path_points(d: str, samples: int = 8) -> list[Point]:
    """The polyline of a Graphviz path ("M x,y C x,y x,y x,y ..."), each cubic sampled."""
    points = _pairs(d)
    if not points:
        return []
    out = [points[0]]
    for i in range(1, len(points) - 2, 3):
        p0, p1, p2, p3 = points[i - 1], points[i], points[i + 1], points[i + 2]
        for k in range(1, samples + 1):
            t = k / samples
            a, b, c, e = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t**3
            out.append(
                (
                    a * p0[0] + b * p1[0] + c * p2[0] + e * p3[0],
                    a * p0[1] + b * p1[1] + c * p2[1] + e * p3[1],
                )
            )
    return out


def _rect(points: list[Point]) -> Rect:
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def _inside(point: Point, rect: Rect, margin: float) -> bool:
    x, y = point
    left, top, right, bottom = rect
    return left + margin < x < right - margin and top + margin < y < bottom - margin


def _distance_to_rect(point: Point, rect: Rect) -> float:
    x, y = point
    dx = max(rect[0] - x, 0.0, x - rect[2])
    dy = max(rect[1] - y, 0.0, y - rect[3])
    return math.hypot(dx, dy)


def _centre(rect: Rect) -> Point:
    return (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2


def _length(points: list[Point]) -> float:
    return sum(math.dist(a, b) for a, b in zip(points, points[1:], strict=False))


def _cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Whether segments ab and cd properly intersect."""

    def orient(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    d1, d2 = orient(c, d, a), orient(c, d, b)
    d3, d4 = orient(a, b, c), orient(a, b, d)
    return d1 * d2 < 0 and d3 * d4 < 0


def _segments_cross(first: list[Point], second: list[Point]) -> bool:
    box1, box2 = _rect(first), _rect(second)
    if box1[2] < box2[0] or box2[2] < box1[0] or box1[3] < box2[1] or box2[3] < box1[1]:
        return False
    ends = [first[0], first[-1], second[0], second[-1]]
    for a, b in zip(first, first[1:], strict=False):
        for c, d in zip(second, second[1:], strict=False):
            if _cross(a, b, c, d):
                # Links leaving or reaching one card may touch there: not a crossing.
                if any(math.dist(a, end) < 4 or math.dist(c, end) < 4 for end in ends):
                    continue
                return True
    return False


def _label_distance(text: ET.Element, points: list[Point]) -> float:
    """From a line of a label (its box estimated from its size) to the nearest point of the
    link's line."""
    size = float(text.get("font-size", "8"))
    width = len(text.text or "") * size * 0.5
    x, y = float(text.get("x", 0)), float(text.get("y", 0))
    left = {"start": x, "end": x - width}.get(text.get("text-anchor", ""), x - width / 2)
    box = (left, y - size, left + width, y)
    samples = []
    for a, b in zip(points, points[1:], strict=False):
        pieces = max(1, math.ceil(math.dist(a, b) / 2))  # a sample every 2 points or less
        samples += [
            (a[0] + (b[0] - a[0]) * k / pieces, a[1] + (b[1] - a[1]) * k / pieces)
            for k in range(pieces + 1)
        ]
    return min(_distance_to_rect(point, box) for point in samples)


def measure(svg: bytes | str) -> Metrics:
    """The figures of one drawn blueprint (an SVG from layout.blueprint_dot)."""
    root = ET.fromstring(svg)
    cards: dict[str, Rect] = {}
    obstacles: list[Rect] = []
    for group in root.iter(f"{SVG}g"):
        gid = group.get("id") or ""
        if gid.startswith("a_step-"):
            polygon = group.find(f".//{SVG}polygon")
            if polygon is not None:
                cards[gid] = _rect(_pairs(polygon.get("points", "")))
        elif group.get("class") == "node" and re.fullmatch(r"h\d+", group.findtext(f"{SVG}title")):
            shape = group.find(f"{SVG}path")
            if shape is None:
                shape = group.find(f"{SVG}polygon")
            if shape is not None:
                obstacles.append(_rect(_pairs(shape.get("d") or shape.get("points", ""))))
    card_rects = list(cards.values())
    lines: list[list[Point]] = []
    ratios: dict[str, float] = {}
    label_distances: dict[str, float] = {}
    through = 0
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "edge":
            continue
        path = group.find(f".//{SVG}path")
        if path is None:
            continue
        points = path_points(path.get("d", ""))
        if len(points) < 2:
            continue
        tip = points[-1]
        arrow = group.find(f".//{SVG}polygon")
        if arrow is not None:  # the arrowhead's point farthest from the line's end is its tip
            tip = max(_pairs(arrow.get("points", "")), key=lambda p: math.dist(p, points[-1]))
        lines.append(points)
        if not card_rects:
            continue
        source = min(card_rects, key=lambda rect: _distance_to_rect(points[0], rect))
        target = min(card_rects, key=lambda rect: _distance_to_rect(tip, rect))
        straight = max(math.dist(_centre(source), _centre(target)), 1.0)
        name = group.get("id", str(len(lines)))
        ratios[name] = (_length(points) + math.dist(points[-1], tip)) / straight
        ends = {source, target}
        if any(
            _inside(point, rect, 2.0)
            for rect in [*card_rects, *obstacles]
            if rect not in ends
            for point in points
        ):
            through += 1
        texts = list(group.iter(f"{SVG}text"))
        if texts:
            label_distances[name] = min(
                _label_distance(t, points) for t in texts if (t.text or "").strip()
            )
    crossings = sum(
        1
        for i in range(len(lines))
        for j in range(i + 1, len(lines))
        if _segments_cross(lines[i], lines[j])
    )
    return Metrics(
        links=len(lines),
        crossings=crossings,
        length_ratio_max=max(ratios.values(), default=0.0),
        length_ratio_mean=sum(ratios.values()) / len(ratios) if ratios else 0.0,
        label_distance_max=max(label_distances.values(), default=0.0),
        through_cards=through,
        ratios=ratios,
        label_distances=label_distances,
    )
