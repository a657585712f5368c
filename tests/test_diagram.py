"""The blueprint diagram and the role interdependencies, read back from what Graphviz drew.

Every test draws with the real `dot` and parses the SVG: bands must run top to bottom in
canonical order, phases must be straight columns, cards must not overlap, every text must be
there literally (no label may inject DOT or markup), and a change must show at once.
"""

import csv
import io
import random
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader
from rest_framework.test import APIClient

from blueprints import drawing_metrics, interdependencies, layout, merging, render
from blueprints.models import BAND_ORDER, LINES, Actor, Band, Blueprint, Channel, Lane, Step
from tests import factories
from tests.conftest import World

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"
INJECTION = '"]; x [label="pwned'
MARKUP = "<b>bold</b> & <i>co</i>"


@pytest.fixture(autouse=True)
def render_cache(settings: Any, tmp_path: Path) -> Path:
    settings.RENDER_CACHE_DIR = tmp_path / "render-cache"
    return settings.RENDER_CACHE_DIR


def diagram_url(blueprint: Blueprint, fmt: str = "svg") -> str:
    return f"/api/v1/blueprints/{blueprint.pk}/diagram.{fmt}"


@dataclass
class Box:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def centre_x(self) -> float:
        return (self.left + self.right) / 2

    def overlaps(self, other: "Box") -> bool:
        return (
            self.left < other.right - 0.5
            and other.left < self.right - 0.5
            and self.top < other.bottom - 0.5
            and other.top < self.bottom - 0.5
        )


def points_box(points: str) -> Box:
    pairs = [tuple(float(n) for n in pair.split(",")) for pair in points.split()]
    xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
    return Box(min(xs), min(ys), max(xs), max(ys))


@dataclass
class Drawing:
    root: ET.Element

    def nodes(self) -> dict[str, ET.Element]:
        """Graphviz node groups by node name."""
        return {
            group.findtext(f"{SVG}title"): group
            for group in self.root.iter(f"{SVG}g")
            if group.get("class") == "node"
        }

    def texts(self, element: ET.Element | None = None) -> list[ET.Element]:
        return list((self.root if element is None else element).iter(f"{SVG}text"))

    def all_text(self) -> str:
        return " ".join(text.text or "" for text in self.texts())

    def card(self, step: Step) -> ET.Element:
        found = [g for g in self.root.iter(f"{SVG}g") if g.get("id") == f"a_step-{step.pk}"]
        assert len(found) == 1, f"one card for step {step.pk}"
        return found[0]

    def card_box(self, step: Step) -> Box:
        return points_box(self.card(step).find(f".//{SVG}polygon").get("points"))

    def card_text(self, step: Step) -> str:
        return " ".join(text.text or "" for text in self.texts(self.card(step)))

    def text_y(self, content: str) -> float:
        found = [float(t.get("y")) for t in self.texts() if t.text == content]
        assert found, f"{content!r} is drawn"
        return found[0]

    def node_box(self, name: str) -> Box:
        group = self.nodes()[name]
        shape = group.find(f"{SVG}path")
        if shape is not None:
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", shape.get("d"))]
            xs, ys = numbers[0::2], numbers[1::2]
            return Box(min(xs), min(ys), max(xs), max(ys))
        return points_box(group.find(f"{SVG}polygon").get("points"))


def draw(client: APIClient | Client, blueprint: Blueprint, **params: str) -> Drawing:
    response = client.get(diagram_url(blueprint), params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "image/svg+xml"
    return Drawing(ET.fromstring(response.content))


@dataclass
class Board:
    blueprint: Blueprint
    phases: list[Any]
    lanes: dict[str, Lane]
    steps: list[Step]


def make_board(world: World) -> Board:
    """Every band, lanes created out of order, three phases, several cards in some cells."""
    blueprint = factories.make_blueprint(world.workspace, world.team_a, title="Bands")
    phases = [factories.make_phase(blueprint, name) for name in ("Contact", "Triage", "Close")]
    lanes = {}
    for band in ["support", "backstage", "customer", "evidence", "frontstage"]:
        lanes[band] = factories.make_lane(blueprint, band, name=f"Lane of {band}")
    lanes["backstage 2"] = factories.make_lane(blueprint, "backstage", name="Second backstage")
    steps = []
    for i, (band, column) in enumerate(
        [
            ("customer", 0),
            ("customer", 0),
            ("customer", 0),
            ("frontstage", 0),
            ("frontstage", 1),
            ("backstage", 1),
            ("backstage", 1),
            ("backstage 2", 2),
            ("support", 2),
            ("evidence", 0),
            ("evidence", 2),
        ]
    ):
        kind = ["touchpoint", "action", "pain_point", "opportunity", "data", "note"][i % 6]
        steps.append(
            factories.make_step(lanes[band], phases[column], f"Card {i}", kind=kind, emotion=-1)
        )
    factories.make_link(steps[0], steps[3], "trigger", "Calls")
    factories.make_link(steps[3], steps[5], "handoff", "Case")
    factories.make_link(steps[5], steps[8], "information")
    factories.make_link(steps[4], steps[7], "dependency", "Needs")
    return Board(blueprint, phases, lanes, steps)


# --- what is drawn ------------------------------------------------------------------------


def test_the_layout_knows_the_bands_and_lines_of_the_models() -> None:
    assert list(layout.BANDS) == sorted(Band.values, key=BAND_ORDER.get)
    assert [(upper, lower) for upper, lower, _ in layout.LINES] == [
        (upper, lower) for upper, lower, _ in LINES
    ]


def test_bands_run_top_to_bottom_in_canonical_order(world: World) -> None:
    board = make_board(world)
    drawing = draw(world.client("manager"), board.blueprint)
    order = ["evidence", "customer", "frontstage", "backstage", "backstage 2", "support"]
    ys = [drawing.text_y(board.lanes[key].name) for key in order]
    assert ys == sorted(ys)
    assert len(set(ys)) == len(ys)


def test_lane_labels_name_their_band(world: World) -> None:
    board = make_board(world)
    drawing = draw(world.client("manager"), board.blueprint)
    label = " ".join(t.text or "" for t in drawing.texts(drawing.nodes()["l0"]))
    assert "Lane of evidence" in label and "PHYSICAL EVIDENCE" in label


def test_the_three_lines_sit_between_their_bands(world: World) -> None:
    board = make_board(world)
    drawing = draw(world.client("manager"), board.blueprint)
    y = drawing.text_y
    assert y("Lane of customer") < y("LINE OF INTERACTION") < y("Lane of frontstage")
    assert y("Lane of frontstage") < y("LINE OF VISIBILITY") < y("Lane of backstage")
    assert y("Second backstage") < y("LINE OF INTERNAL INTERACTION") < y("Lane of support")


def test_lines_still_separate_bands_when_one_is_missing(world: World) -> None:
    # Customer lane and backstage lane only: both interaction and visibility lie between.
    drawing = draw(world.client("manager"), world.a.blueprint)
    y = drawing.text_y
    customer, backstage = y("Consumer"), y("Quality analyst")
    assert customer < y("LINE OF INTERACTION") < backstage
    assert customer < y("LINE OF VISIBILITY") < backstage
    assert "LINE OF INTERNAL INTERACTION" not in drawing.all_text()


def test_phases_are_straight_columns_under_their_headers(world: World) -> None:
    board = make_board(world)
    drawing = draw(world.client("manager"), board.blueprint)
    for column, phase in enumerate(board.phases):
        header = drawing.node_box(f"h{column}").centre_x
        centres = [drawing.card_box(s).centre_x for s in board.steps if s.phase_id == phase.pk]
        assert centres
        for centre in centres:
            assert abs(centre - header) < 1.5, (phase.name, centre, header)
    columns = [drawing.node_box(f"h{column}").centre_x for column in range(len(board.phases))]
    assert columns == sorted(columns)


def test_cards_never_overlap_and_stack_inside_their_cell(world: World) -> None:
    board = make_board(world)
    drawing = draw(world.client("manager"), board.blueprint)
    boxes = {step.pk: drawing.card_box(step) for step in board.steps}
    for (a, box_a), (b, box_b) in combinations(boxes.items(), 2):
        assert not box_a.overlaps(box_b), (a, b)
    stacked = [boxes[step.pk] for step in board.steps[:3]]  # one customer cell, in order
    assert [box.top for box in stacked] == sorted(box.top for box in stacked)
    cell = drawing.node_box("c1_0")
    for box in stacked:
        assert cell.left <= box.left and box.right <= cell.right
        assert cell.top <= box.top and box.bottom <= cell.bottom


def test_every_title_and_lane_and_phase_is_drawn(world: World) -> None:
    board = make_board(world)
    drawing = draw(world.client("manager"), board.blueprint)
    for step in board.steps:
        assert step.title in drawing.card_text(step)
    texts = {t.text for t in drawing.texts()}
    for lane in board.lanes.values():
        assert lane.name in texts
    for column, phase in enumerate(board.phases):
        assert f"{column + 1}. {phase.name}" in texts
    assert "Bands" in texts


def test_cards_show_kind_channel_evidence_and_emotion(world: World) -> None:
    step = world.a.step
    Step.objects.filter(pk=step.pk).update(
        channel=world.channel, kind="pain_point", evidence="assumed", emotion=-2
    )
    drawing = draw(world.client("manager"), world.a.blueprint)
    text = drawing.card_text(step)
    assert "PAIN POINT" in text and "WhatsApp" in text and "Assumed" in text and "−2" in text
    colours = {element.get("fill") for element in drawing.card(step).iter()}
    assert "#d13b3b" in colours  # the pain-point colour of the board's stylesheet


def test_links_are_arrows_coloured_by_kind_with_their_label(world: World) -> None:
    board = make_board(world)
    drawing = draw(world.client("manager"), board.blueprint)
    edges = [g for g in drawing.root.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert len(edges) == 4
    strokes = {edge.find(f".//{SVG}path").get("stroke") for edge in edges}
    assert strokes == {style["color"] for style in layout.LINK_STYLES.values()}
    labels = {t.text for edge in edges for t in edge.iter(f"{SVG}text")}
    assert {"Calls", "Case", "Needs"} <= labels


def test_the_legend_names_every_kind_of_step_and_link(world: World) -> None:
    text = draw(world.client("manager"), world.a.blueprint).all_text()
    for name in ["Touchpoint", "Action", "Pain point", "Opportunity", "Data", "Note"]:
        assert name in text
    for name in ["Handoff", "Information", "Trigger", "Dependency"]:
        assert name in text


def test_labels_are_escaped_and_drawn_literally(world: World) -> None:
    step = world.a.step
    Step.objects.filter(pk=step.pk).update(title=INJECTION, data_captured="a\\Nb & c")
    Step.objects.filter(pk=world.a.other_step.pk).update(title=MARKUP + "\\")
    Lane.objects.filter(pk=world.a.lane.pk).update(name='Lane "]; y [shape=box')
    world.a.link.label = '<x> "]; z'
    world.a.link.save()
    Blueprint.objects.filter(pk=world.a.blueprint.pk).update(title="A & <b>B</b>")
    drawing = draw(world.client("manager"), world.a.blueprint)
    assert INJECTION in drawing.card_text(step)
    assert "a\\Nb & c" in drawing.card_text(step)
    assert MARKUP + "\\" in drawing.card_text(world.a.other_step)
    texts = {t.text for t in drawing.texts()}
    assert '<x> "]; z' in texts
    # The lane's name may wrap over two lines of its label.
    assert 'Lane "]; y [shape=box' in " ".join(t.text or "" for t in drawing.texts())
    assert "A & <b>B</b>" in texts
    names = set(drawing.nodes())
    assert not {"x", "y", "z"} & names
    assert not list(drawing.root.iter(f"{SVG}b")) and not list(drawing.root.iter("b"))


def test_control_characters_and_newlines_cannot_break_the_drawing(world: World) -> None:
    step = world.a.step
    Step.objects.filter(pk=step.pk).update(title="Line one\nline two\x01\x0b end")
    drawing = draw(world.client("manager"), world.a.blueprint)
    assert "Line one line two end" in drawing.card_text(step)


@pytest.mark.parametrize(
    "title",
    [
        "Atención al cliente: reclamación",
        "Verifica qualità e perché",
        "Ação de verificação à noite",
        "顧客の問い合わせを記録する",
        "בדיקת איכות המוצר",
        "فحص جودة المنتج",
    ],
)
def test_unicode_passes_through(world: World, title: str) -> None:
    Step.objects.filter(pk=world.a.step.pk).update(title=title)
    drawing = draw(world.client("manager"), world.a.blueprint)
    assert title.replace(" ", "") in drawing.card_text(world.a.step).replace(" ", "")


def test_band_and_line_labels_follow_the_language(world: World) -> None:
    Lane.objects.filter(pk=world.a.lane.pk).update(name_translations={"es": "Consumidor"})
    client = world.client("manager")
    spanish = draw(client, world.a.blueprint, lang="es").all_text()
    assert "LÍNEA DE INTERACCIÓN" in spanish and "Consumidor" in spanish
    assert "ACCIONES DEL CLIENTE" in spanish and "Traspaso" in spanish
    italian = client.get(diagram_url(world.a.blueprint), HTTP_ACCEPT_LANGUAGE="it")
    assert "LINEA DI VISIBILITÀ" in Drawing(ET.fromstring(italian.content)).all_text()
    assert "Line of interaction".upper() in draw(client, world.a.blueprint).all_text()


def test_a_global_blueprint_shows_the_teams_each_step_came_from(world: World) -> None:
    step = world.glob.step
    step.sources.set([world.a.step, world.b.step])
    drawing = draw(world.client("manager"), world.glob.blueprint)
    text = drawing.card_text(step)
    assert "Service centre" in text and "Quality" in text
    assert "Global blueprint" in drawing.all_text()


def test_a_blueprint_named_by_its_kind_says_it_once(world: World) -> None:
    Blueprint.objects.filter(pk=world.glob.blueprint.pk).update(title="")  # the default name
    text = draw(world.client("manager"), world.glob.blueprint, lang="it").all_text()
    assert text.count("Blueprint globale") == 1, text[:200]


def test_dot_draws_every_demo_blueprint_without_a_warning(db: None) -> None:
    # dot 2.43 misreads some attributes (arrow types from other attributes, ports of flat
    # edges...) and says so only on stderr: the drawing must never get there.
    call_command("seed_demo", stdout=io.StringIO())
    blueprints = Blueprint.objects.select_related("team")
    assert blueprints.count() >= 5
    for blueprint in blueprints:
        data = render.blueprint_data(blueprint)
        for language in ("en", "pt-br"):
            source = layout.blueprint_dot(data, language)
            done = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True)
            assert done.returncode == 0 and done.stderr == b"", (blueprint.title, done.stderr)
        network = interdependencies.network_dot(
            interdependencies.interdependencies(data), blueprint.title
        )
        done = subprocess.run(["dot", "-Tsvg"], input=network.encode(), capture_output=True)
        assert done.returncode == 0 and done.stderr == b"", (blueprint.title, done.stderr)


def test_the_demo_blueprints_are_drawn_without_spaghetti(db: None) -> None:
    # Measured on what Graphviz drew: links run in the gutters between columns and rows, so
    # they neither pass through a card nor wander far from the straight line between their
    # cards, cross few others, and keep their labels next to them (issue 17: the global one
    # had 333 crossing pairs for 45 links and a link 10x its straight line).
    call_command("seed_demo", stdout=io.StringIO())
    workspace = Blueprint.objects.filter(kind="team").first().workspace
    if not Blueprint.objects.filter(workspace=workspace, kind="global").exists():
        merging.blueprint_merge(workspace=workspace, user=None)
    for blueprint in Blueprint.objects.filter(workspace=workspace):
        data = render.blueprint_data(blueprint)
        svg = render.render(layout.blueprint_dot(data, "en"), "svg")
        measured = drawing_metrics.measure(svg)
        assert measured.links == len(data.links), blueprint.title
        # The demo's global blueprint: 7.4 crossings per link before the grid layout, 1.27-1.51
        # when the merge's ties (broken by actor ids) ordered its lanes, 1.20 since the merge
        # stores a global blueprint's lanes in the order their content gives (the drawing
        # follows the stored order), on SQLite and PostgreSQL alike.
        per_link = 1.2 if blueprint.kind == "global" else 0.5
        assert measured.crossings_per_link <= per_link, (blueprint.title, measured.line())
        assert measured.length_ratio_max <= 3, (blueprint.title, measured.line())
        assert measured.label_distance_max <= 30, (blueprint.title, measured.line())
        assert measured.through_cards == 0, (blueprint.title, measured.line())


GLOBAL_LANES = [  # band, name: the lanes of a small global blueprint, in a band's merge order
    ("customer", "Consumer"),
    ("frontstage", "Call-centre agent"),
    ("frontstage", "Chatbot"),
    ("backstage", "Quality analyst"),
    ("backstage", "Legal counsel"),
    ("backstage", "Back-office agent"),
    ("backstage", "Laboratory"),
    ("support", "CRM system"),
    ("support", "QMS"),
]
GLOBAL_STEPS = [  # title, lane, phase
    ("Calls", 0, 0), ("Writes", 0, 0), ("Hears back", 0, 2), ("Answers", 1, 0),
    ("Triage bot", 2, 0), ("Opens case", 1, 1), ("Tests sample", 6, 1), ("Reviews", 3, 1),
    ("Advises", 4, 2), ("Refunds", 5, 2), ("Logs", 7, 0), ("Records", 8, 1),
    ("Closes", 1, 2), ("Reports", 3, 2), ("Archives", 7, 2), ("Escalates", 4, 1),
]  # fmt: skip
GLOBAL_LINKS = [  # source, target, kind, label (indexes into GLOBAL_STEPS)
    (0, 3, "trigger", "Call"), (1, 4, "trigger", ""), (3, 5, "handoff", "Case"),
    (4, 5, "handoff", ""), (5, 7, "handoff", "Sample"), (7, 6, "dependency", ""),
    (6, 13, "information", "Result"), (13, 8, "information", ""), (8, 9, "handoff", ""),
    (9, 12, "handoff", "Refund"), (12, 2, "trigger", ""), (3, 10, "information", ""),
    (5, 11, "information", ""), (12, 14, "information", ""), (15, 8, "handoff", ""),
    (7, 15, "handoff", "Legal?"),
]  # fmt: skip


def make_global_blueprint(
    world: World, workspace_name: str, shuffle: random.Random | None
) -> Blueprint:
    """The same global blueprint, its lanes merged ones (with a merge key); with `shuffle`, its
    rows are created in another order (other ids, and each band's lanes in another order, as a
    merge on another database may give)."""
    workspace = factories.make_workspace(workspace_name, facilitator=[world.people["facilitator"]])
    blueprint = factories.make_blueprint(workspace, title="Global")
    phases = [factories.make_phase(blueprint, name) for name in ("Contact", "Case", "Close")]

    def shuffled(items: list[Any]) -> list[Any]:
        items = list(items)
        if shuffle is not None:
            shuffle.shuffle(items)
        return items

    lanes: dict[int, Lane] = {}
    for band in layout.BANDS:
        for index in shuffled([i for i, (b, _) in enumerate(GLOBAL_LANES) if b == band]):
            name = GLOBAL_LANES[index][1]
            lanes[index] = factories.make_lane(blueprint, band, name=name, merge_key=f"l:{name}")
    cells: dict[tuple[int, int], list[int]] = {}
    for index, (_, lane, phase) in enumerate(GLOBAL_STEPS):
        cells.setdefault((lane, phase), []).append(index)
    steps: dict[int, Step] = {}
    for lane, phase in shuffled(list(cells)):  # each cell keeps its cards' order
        for index in cells[(lane, phase)]:
            steps[index] = factories.make_step(lanes[lane], phases[phase], GLOBAL_STEPS[index][0])
    for source, target, kind, label in shuffled(GLOBAL_LINKS):
        factories.make_link(steps[source], steps[target], kind, label)
    return blueprint


def drawn_by_content(drawing: Drawing, blueprint: Blueprint) -> tuple[dict, dict]:
    """Where each card and each link is drawn, by titles rather than ids."""
    titles = dict(blueprint.steps.values_list("pk", "title"))
    cards = {titles[step.pk]: drawing.card_box(step) for step in blueprint.steps.all()}
    links = {}
    for group in drawing.root.iter(f"{SVG}g"):
        found = re.fullmatch(r"(?:a_)?link-(\d+)-(\d+)", group.get("id") or "")
        if found:
            ends = [int(n) for n in found.groups() if n]
            path = group.find(f".//{SVG}path")
            if path is not None:
                links[(titles[ends[0]], titles[ends[1]])] = path.get("d")
    return cards, links


def test_a_global_blueprint_is_drawn_the_same_whatever_its_ids(world: World) -> None:
    # The same content created in another order (other ids, lanes of a band in another order)
    # gets the same stored lane order from the merge's arrangement, so the same drawing: ids
    # and a merge's ties no longer decide rows, tracks or labels.
    client = APIClient()
    client.force_authenticate(world.people["facilitator"])
    first = make_global_blueprint(world, "First", None)
    merging.arrange_lanes(first)
    drawn = drawn_by_content(draw(client, first), first)
    assert len(drawn[0]) == len(GLOBAL_STEPS) and len(drawn[1]) == len(GLOBAL_LINKS)
    stored = list(first.lanes.order_by("position").values_list("name", flat=True))
    for seed in (1, 2):
        other = make_global_blueprint(world, f"Other {seed}", random.Random(seed))
        assert list(other.lanes.order_by("position").values_list("name", flat=True)) != stored
        merging.arrange_lanes(other)
        assert list(other.lanes.order_by("position").values_list("name", flat=True)) == stored
        assert drawn_by_content(draw(client, other), other) == drawn


def drawn_lane_order(drawing: Drawing, names: list[str]) -> list[str]:
    """The lane names in the order the diagram draws their labels (nodes l0, l1, ...)."""
    nodes = drawing.nodes()
    order = []
    for row in range(len(names)):
        label = "".join(t.text or "" for t in drawing.texts(nodes[f"l{row}"])).replace(" ", "")
        order += [name for name in names if name.replace(" ", "") in label][:1]
    return order


def test_the_board_and_the_diagram_show_the_global_lanes_in_one_order(db: None) -> None:
    # The editor's board and the API list the lanes of the demo's global blueprint in the
    # order the diagram (and so the book) draws them, and a lane moved by hand moves in both.
    call_command("seed_demo", stdout=io.StringIO())
    workspace = Blueprint.objects.filter(kind="team").first().workspace
    blueprint = merging.blueprint_merge(workspace=workspace, user=None).blueprint
    manager = workspace.memberships.filter(role="facilitator").first().user
    client = APIClient()
    client.force_authenticate(manager)
    response = client.get(f"/api/v1/blueprints/{blueprint.pk}/")
    assert response.status_code == 200
    lanes = sorted(response.json()["lanes"], key=lambda lane: lane["position"])
    names = [lane["name"] for lane in lanes]
    assert len(names) > 8 and len(set(names)) == len(names)
    assert drawn_lane_order(draw(client, blueprint), names) == names
    # The facilitator swaps the last two backstage lanes: the diagram follows the board.
    backstage = [i for i, lane in enumerate(lanes) if lane["band"] == "backstage"]
    order = [lane["id"] for lane in lanes]
    a, b = backstage[-2], backstage[-1]
    order[a], order[b] = order[b], order[a]
    payload = {"blueprint": blueprint.pk, "order": order}
    moved = client.post("/api/v1/lanes/reorder/", payload, format="json")
    assert moved.status_code == 200, moved.content[:300]
    names[a], names[b] = names[b], names[a]
    assert drawn_lane_order(draw(client, blueprint), names) == names


def test_the_measure_sees_crossings_detours_and_far_labels() -> None:
    # Two cards side by side and two links between them: one straight, one looping far out
    # across the other with its label far away.
    svg = """<svg xmlns="http://www.w3.org/2000/svg"><g>
      <g id="a_step-1"><polygon points="0,0 100,0 100,50 0,50 0,0"/></g>
      <g id="a_step-2"><polygon points="200,0 300,0 300,50 200,50 200,0"/></g>
      <g class="edge"><path d="M100,25C150,25 150,25 193,25"/>
        <polygon points="193,22 200,25 193,28 193,22"/></g>
      <g class="edge"><path d="M50,50C50,400 150,400 150,-100 150,-100 250,-100 250,-7"/>
        <polygon points="247,-7 250,0 253,-7 247,-7"/>
        <text x="600" y="300" font-size="8">far</text></g>
    </g></svg>"""
    measured = drawing_metrics.measure(svg)
    assert measured.links == 2
    assert measured.crossings == 1
    assert measured.length_ratio_max > 3
    assert measured.label_distance_max > 300
    assert measured.through_cards == 0


def test_links_inside_one_lane_draw_without_a_warning() -> None:
    phases = [layout.PhaseData(i, f"P{i}") for i in range(1, 5)]
    lanes = [layout.LaneData(1, "Consumer", "customer"), layout.LaneData(2, "Agent", "frontstage")]
    cells = [(1, 1), (1, 1), (1, 2), (1, 4), (2, 3), (2, 1), (2, 4), (2, 2)]
    steps = [layout.StepData(10 + i, lane, phase, f"s{i}") for i, (lane, phase) in enumerate(cells)]
    pairs = [(10, 11), (11, 10), (10, 12), (12, 10), (12, 13), (13, 10), (14, 15), (14, 16),
             (16, 14), (17, 14)]  # fmt: skip
    links = [
        layout.LinkData(a, b, layout.LINK_KINDS[i % 4], f"label {i}" if i % 3 else "")
        for i, (a, b) in enumerate(pairs)
    ]
    source = layout.blueprint_dot(layout.BlueprintData("Flat", phases, lanes, steps, links))
    done = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True)
    assert done.returncode == 0 and done.stderr == b""
    drawing = Drawing(ET.fromstring(done.stdout))
    edges = [g for g in drawing.root.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert len(edges) == len(pairs)


# --- formats, cache, HTTP -----------------------------------------------------------------


def test_png_pdf_and_dot_are_what_they_say(world: World) -> None:
    client = world.client("manager")
    png = client.get(diagram_url(world.a.blueprint, "png"))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    pdf = client.get(diagram_url(world.a.blueprint, "pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    source = client.get(diagram_url(world.a.blueprint, "dot"))
    assert source["Content-Type"].startswith("text/vnd.graphviz")
    assert source.content.startswith(b"digraph blueprint {")


def test_chinese_and_arabic_titles_are_drawn_with_fonts_that_have_them(
    world: World, tmp_path: Path
) -> None:
    Step.objects.filter(pk=world.a.step.pk).update(title="客服中心处理投诉")
    Step.objects.filter(pk=world.a.other_step.pk).update(title="مركز خدمة المستهلك")
    pdf = world.client("manager").get(diagram_url(world.a.blueprint, "pdf"))
    path = tmp_path / "diagram.pdf"
    path.write_bytes(pdf.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    # Without a CJK font the Chinese would come out as empty boxes in a fallback font.
    assert "NotoSansCJK" in fonts.stdout or "NotoSerifCJK" in fonts.stdout, fonts.stdout
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "客服中心处理投诉" in text.replace("\n", "").replace(" ", "")


def colourful_pixels(png: bytes) -> int:
    """Pixels of strong colour: an emoji is drawn in colour, a hex box in black and grey."""
    from PIL import Image

    pixels = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    return sum(
        1 for i in range(0, len(pixels), 3) if max(pixels[i : i + 3]) - min(pixels[i : i + 3]) > 90
    )


def test_emoji_are_drawn_by_the_emoji_font_not_as_hex_boxes(world: World, tmp_path: Path) -> None:
    # Without an emoji font, dot drew "✅" and "🍾" as boxes holding their code ("01F37E").
    client = world.client("manager")
    Step.objects.filter(pk=world.a.step.pk).update(title="OOOO Ready")
    plain = colourful_pixels(client.get(diagram_url(world.a.blueprint, "png")).content)
    Step.objects.filter(pk=world.a.step.pk).update(title="✅🍾✅🍾 Ready")
    drawn = client.get(diagram_url(world.a.blueprint, "png"))
    assert drawn.status_code == 200
    # Four emoji of 10-point text: a few hundred pixels of green and brown more.
    assert colourful_pixels(drawn.content) > plain + 150, (colourful_pixels(drawn.content), plain)
    pdf = client.get(diagram_url(world.a.blueprint, "pdf")).content
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    images = [
        name
        for name, xobject in (page["/Resources"].get("/XObject") or {}).items()
        if xobject.get_object().get("/Subtype") == "/Image"
    ]
    assert images, "cairo draws colour emoji as images in the PDF"  # a hex box is lines only
    path = tmp_path / "diagram.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "Ready" in text


def test_a_change_shows_in_the_next_render(world: World) -> None:
    client = world.client("alice")
    before = client.get(diagram_url(world.a.blueprint))
    response = client.patch(f"/api/v1/steps/{world.a.step.pk}/", {"title": "Writes to us"})
    assert response.status_code == 200
    after = client.get(diagram_url(world.a.blueprint))
    assert after["ETag"] != before["ETag"]
    text = Drawing(ET.fromstring(after.content)).all_text()
    assert "Writes to us" in text and "Calls about a flat bottle" not in text


def test_a_cached_render_is_the_same_bytes_read_from_the_cache(
    world: World, render_cache: Path
) -> None:
    client = world.client("manager")
    first = client.get(diagram_url(world.a.blueprint, "png"))
    cached = list(render_cache.rglob("*.png"))
    assert len(cached) == 1 and cached[0].read_bytes() == first.content
    second = client.get(diagram_url(world.a.blueprint, "png"))
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert len(list(render_cache.rglob("*.png"))) == 1


def test_a_cached_drawing_is_answered_without_building_its_dot(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 17: the key comes from the blueprint's plain data, so a cached drawing is a file
    # read (building the DOT of 2,000 steps took 76 ms).
    client = world.client("manager")
    first = client.get(diagram_url(world.a.blueprint))
    assert first.status_code == 200

    def no_dot(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("the DOT source was built for a cached drawing")

    monkeypatch.setattr(render, "blueprint_dot", no_dot)
    second = client.get(diagram_url(world.a.blueprint))
    assert second.content == first.content and second["ETag"] == first["ETag"]
    again = client.get(diagram_url(world.a.blueprint), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_the_cache_forgets_the_least_recently_used_renders_beyond_its_limit(
    render_cache: Path,
) -> None:
    import os
    import time

    sources = [f'digraph {{ a [label="drawing {i}"] }}' for i in range(6)]
    for source in sources:
        render.render(source, "svg")
    files = sorted(render_cache.rglob("*.svg"))
    assert len(files) == 6
    size = files[0].stat().st_size
    # Age them, oldest first; then use the oldest again: it becomes the most recent.
    for age, source in enumerate(sources):
        path = render.cache_path(render.content_hash(source, "svg"), "svg")
        then = time.time() - 1000 + age
        os.utime(path, (then, then))
    render.render(sources[0], "svg")
    removed = render.cache_prune(limit_bytes=int(size * 3.5))
    left = {path.name for path in render_cache.rglob("*.svg")}
    assert removed == 4 and len(left) == 2
    kept = {f"{render.content_hash(s, 'svg')}.svg" for s in (sources[0], sources[5])}
    assert left == kept
    assert render.cache_prune(limit_bytes=10**9) == 0


def test_a_cache_that_cannot_be_written_only_costs_speed(
    world: World, settings: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.RENDER_CACHE_DIR = blocker / "render-cache"
    response = world.client("manager").get(diagram_url(world.a.blueprint, "png"))
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_an_unchanged_diagram_answers_304_to_its_etag(world: World) -> None:
    client = world.client("manager")
    first = client.get(diagram_url(world.a.blueprint))
    again = client.get(diagram_url(world.a.blueprint), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    stale = client.get(diagram_url(world.a.blueprint), HTTP_IF_NONE_MATCH='"old"')
    assert stale.status_code == 200


def test_downloads_are_attachments_with_a_file_name(world: World) -> None:
    client = world.client("manager")
    inline = client.get(diagram_url(world.a.blueprint, "pdf"))
    assert inline["Content-Disposition"] == f'inline; filename="a-{world.a.blueprint.pk}.pdf"'
    saved = client.get(diagram_url(world.a.blueprint, "pdf"), {"download": "1"})
    assert saved["Content-Disposition"] == f'attachment; filename="a-{world.a.blueprint.pk}.pdf"'


def test_a_client_accepting_only_images_gets_the_image_and_errors_in_json(
    world: World,
) -> None:
    client = world.client("manager")
    image = client.get(diagram_url(world.a.blueprint, "png"), HTTP_ACCEPT="image/png")
    assert image.status_code == 200
    missing = client.get("/api/v1/blueprints/999999/diagram.png", HTTP_ACCEPT="image/png")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"


@pytest.mark.parametrize("who", ["facilitator", "alice", "bob", "manager"])
def test_every_member_may_read_the_diagram(world: World, who: str) -> None:
    for fmt in ("svg", "dot"):
        assert world.client(who).get(diagram_url(world.a.blueprint, fmt)).status_code == 200


def test_outsiders_get_404_and_anonymous_callers_401(world: World) -> None:
    for path in [
        diagram_url(world.a.blueprint),
        diagram_url(world.glob.blueprint, "png"),
        f"/api/v1/blueprints/{world.a.blueprint.pk}/interdependencies.json",
        f"/api/v1/blueprints/{world.a.blueprint.pk}/interdependencies.csv",
    ]:
        assert world.client("outsider").get(path).status_code == 404
        anonymous = world.client("anonymous").get(path)
        assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"]


def test_token_and_session_auth_both_work(world: World) -> None:
    from tests.conftest import token_for

    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.people['manager'])}")
    assert token.get(diagram_url(world.a.blueprint)).status_code == 200
    session = Client()
    session.force_login(world.people["manager"])
    assert session.get(diagram_url(world.a.blueprint)).status_code == 200


def test_a_missing_or_slow_graphviz_answers_503_with_a_reason(world: World, settings: Any) -> None:
    client = world.client("manager")
    settings.GRAPHVIZ_DOT = "/nonexistent/dot"
    missing = client.get(diagram_url(world.a.blueprint))
    assert missing.status_code == 503 and "not installed" in missing.json()["detail"]
    assert client.get(diagram_url(world.a.blueprint, "dot")).status_code == 200
    settings.GRAPHVIZ_DOT = "dot"
    settings.RENDER_TIMEOUT = 0.000001
    slow = client.get(diagram_url(world.a.blueprint, "pdf"))
    assert slow.status_code == 503 and "longer than" in slow.json()["detail"]


def test_building_the_layout_input_costs_the_same_queries_at_any_size(world: World) -> None:
    world.glob.blueprint.delete()  # one global blueprint per workspace: make each in turn
    counts = []
    for size in (10, 120):
        blueprint = factories.make_blueprint_of_size(world.workspace, world.team_a, size)
        Step.sources.through.objects.bulk_create(
            Step.sources.through(from_step=step, to_step=world.a.step)
            for step in blueprint.steps.all()
        )
        Blueprint.objects.filter(pk=blueprint.pk).update(kind="global", team=None)
        blueprint = Blueprint.objects.select_related("team").get(pk=blueprint.pk)
        with CaptureQueriesContext(connection) as queries:
            data = render.blueprint_data(blueprint)
        counts.append(len(queries))
        assert len(data.steps) == size
        assert all(step.teams == ("Service centre",) for step in data.steps)
        blueprint.delete()
    assert counts == [5, 5]


# --- role interdependencies ---------------------------------------------------------------


@dataclass
class Roles:
    blueprint: Blueprint
    steps: dict[str, Step]


def make_roles(world: World) -> Roles:
    """Consumer → agent → analyst (an agent-lane step done by the analyst), and a step
    without any actor."""
    workspace = world.workspace
    consumer = Actor.objects.create(workspace=workspace, name="Consumer")
    agent = Actor.objects.create(workspace=workspace, name="=Agent, first line")
    analyst = Actor.objects.create(workspace=workspace, name="Análisis")
    blueprint = factories.make_blueprint(workspace, world.team_a, title="Roles")
    first, second = factories.make_phase(blueprint, "One"), factories.make_phase(blueprint, "Two")
    customer = factories.make_lane(blueprint, "customer", name="Consumer", actor=consumer)
    front = factories.make_lane(blueprint, "frontstage", name="Agent", actor=agent)
    back = factories.make_lane(blueprint, "backstage", name="Nobody")
    steps = {
        "calls": factories.make_step(customer, first, "Calls"),
        "answers": factories.make_step(front, first, "Answers"),
        "checks": factories.make_step(front, second, "Checks", actor=analyst),
        "files": factories.make_step(back, second, "Files"),
    }
    factories.make_link(steps["calls"], steps["answers"], "trigger")
    factories.make_link(steps["calls"], steps["checks"], "trigger")
    factories.make_link(steps["answers"], steps["checks"], "handoff")
    factories.make_link(steps["answers"], steps["checks"], "information")
    factories.make_link(steps["checks"], steps["answers"], "information")
    factories.make_link(steps["answers"], steps["files"], "handoff")
    return Roles(blueprint, steps)


def test_the_matrix_counts_links_between_actors_by_kind(world: World) -> None:
    roles = make_roles(world)
    url = f"/api/v1/blueprints/{roles.blueprint.pk}/interdependencies.json"
    response = world.client("manager").get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["actors"] == ["Consumer", "=Agent, first line", "Análisis"]
    assert body["kinds"] == ["handoff", "information", "trigger", "dependency"]
    assert body["counts"]["trigger"] == [[0, 1, 1], [0, 0, 0], [0, 0, 0]]
    assert body["counts"]["handoff"] == [[0, 0, 0], [0, 0, 1], [0, 0, 0]]
    assert body["counts"]["information"] == [[0, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert body["counts"]["dependency"] == [[0] * 3] * 3
    assert body["total"] == [[0, 1, 1], [0, 0, 2], [0, 1, 0]]
    assert body["unassigned_links"] == 1  # to the step nobody does


def test_the_matrix_as_csv_has_one_row_per_pair(world: World) -> None:
    roles = make_roles(world)
    url = f"/api/v1/blueprints/{roles.blueprint.pk}/interdependencies.csv"
    response = world.client("manager").get(url, {"download": "1"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["source", "target", "handoff", "information", "trigger", "dependency",
                       "total"]  # fmt: skip
    assert rows[1:] == [
        ["Consumer", "'=Agent, first line", "0", "0", "1", "0", "1"],
        ["Consumer", "Análisis", "0", "0", "1", "0", "1"],
        ["'=Agent, first line", "Análisis", "1", "1", "0", "0", "2"],
        ["Análisis", "'=Agent, first line", "0", "1", "0", "0", "1"],
    ]


def test_the_network_draws_actors_and_counted_arrows(world: World) -> None:
    roles = make_roles(world)
    base = f"/api/v1/blueprints/{roles.blueprint.pk}/interdependencies"
    client = world.client("manager")
    response = client.get(f"{base}.svg")
    assert response["Content-Type"] == "image/svg+xml"
    drawing = Drawing(ET.fromstring(response.content))
    texts = {t.text for t in drawing.texts()}
    assert {"Consumer", "=Agent, first line", "Análisis"} <= texts
    edges = [g for g in drawing.root.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert sorted(t.text for edge in edges for t in edge.iter(f"{SVG}text")) == ["1"] * 5
    png = client.get(f"{base}.png")
    assert png.content.startswith(b"\x89PNG")


def test_the_matrix_of_plain_data_needs_no_database() -> None:
    data = layout.BlueprintData(
        title="Plain",
        phases=[layout.PhaseData(1, "One")],
        lanes=[
            layout.LaneData(1, "Support", "support", "CRM"),
            layout.LaneData(2, "Consumer", "customer", "Consumer"),
        ],
        steps=[layout.StepData(1, 1, 1, "Stores"), layout.StepData(2, 2, 1, "Writes")],
        links=[layout.LinkData(2, 1, "information"), layout.LinkData(1, 2, "trigger")],
    )
    result = interdependencies.interdependencies(data)
    assert result.actors == ["Consumer", "CRM"]  # canonical band order, not lane order
    assert result.total() == [[0, 1], [1, 0]]


# --- the blueprint page -------------------------------------------------------------------


def test_the_page_offers_the_downloads_and_the_matrix(world: World) -> None:
    roles = make_roles(world)
    client = Client()
    client.force_login(world.people["manager"])
    html = client.get(f"/blueprints/{roles.blueprint.pk}/").content.decode()
    for fmt in ("svg", "png", "pdf", "dot"):
        assert f"/api/v1/blueprints/{roles.blueprint.pk}/diagram.{fmt}?download=1" in html
    for fmt in ("json", "csv", "svg", "png"):
        assert f"/api/v1/blueprints/{roles.blueprint.pk}/interdependencies.{fmt}" in html
    assert '<th scope="col">=Agent, first line</th>' in html
    assert '<th scope="row">Análisis</th>' in html
    assert "1 handoff, 1 information" in html


def test_channels_appear_on_cards(world: World) -> None:
    channel = Channel.objects.create(workspace=world.workspace, name="Correo & <web>")
    Step.objects.filter(pk=world.a.step.pk).update(channel=channel)
    drawing = draw(world.client("manager"), world.a.blueprint)
    assert "Correo & <web>" in drawing.card_text(world.a.step)
