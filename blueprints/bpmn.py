"""A service blueprint as BPMN 2.0 XML: plain data in (`layout.BlueprintData`), XML out.

The mapping, so that process tools read a blueprint the way its team drew it:

- the customer is one pool (participant) whose process holds the customer-band lanes;
- the organisation is a second pool, named after the team (or the blueprint), whose lane set
  has one lane per band (frontstage, backstage, support), each holding the blueprint's lanes of
  that band as a child lane set;
- every step is a task named by its title, its description as documentation;
- a link is a sequence flow when both steps are in one pool and a message flow across them;
- physical evidence steps are data objects, tied by a data input association to the task
  they are linked to (else the first customer step of their phase);
- the diagram section (BPMNDI) lays it out like the blueprint: phases as columns, lanes as
  rows in band order, evidence above the customer pool, flows drawn with waypoints.

The result passes the OMG BPMN 2.0 schema (tests/test_bpmn.py) and opens in bpmn.io.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from blueprints.layout import BANDS, BlueprintData, LaneData, StepData, labels_for, language_of

MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
# The prefixes bpmn.io writes.
for _prefix, _uri in {"bpmn": MODEL, "bpmndi": BPMNDI, "dc": DC, "di": DI}.items():
    ET.register_namespace(_prefix, _uri)
CONTENT_TYPE = "application/xml; charset=utf-8"

CUSTOMER = {"en": "Customer", "es": "Cliente", "it": "Cliente", "pt-br": "Cliente"}
ORGANISATION_BANDS = ("frontstage", "backstage", "support")

# Sizes in pixels, as bpmn.io draws them.
POOL_HEAD = 30  # the vertical title strip of a pool, and of a lane
TASK_W, TASK_H = 120, 80
DATA_W, DATA_H = 36, 50
COLUMN_W = 170
ROW_H = 100  # one task and the room under it
PAD = 10
LEFT = 3 * POOL_HEAD  # pool, band lane and lane titles: every pool's first column starts here
TOP = 20

# Characters XML 1.0 cannot carry.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text or "")


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class Plan:
    """Where everything goes: element id → its box, and which process each step is in."""

    boxes: dict[str, Box] = field(default_factory=dict)
    process_of: dict[int, str] = field(default_factory=dict)  # step id → process id


def _m(tag: str) -> str:
    return f"{{{MODEL}}}{tag}"


def _sub(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attributes.items()})


def task_id(step_id: int) -> str:
    return f"Task_{step_id}"


def data_id(step_id: int) -> str:
    return f"DataObjectReference_{step_id}"


def _cells(steps: Iterable[StepData]) -> dict[tuple[int, int], list[StepData]]:
    cells: dict[tuple[int, int], list[StepData]] = {}
    for step in steps:
        cells.setdefault((step.lane, step.phase), []).append(step)
    return cells


def _evidence_targets(data: BlueprintData, lane_band: dict[int, str]) -> dict[int, int]:
    """Each evidence step → the step whose task it is tied to (absent: none to tie it to)."""
    band_of = {step.id: lane_band.get(step.lane, "") for step in data.steps}
    targets: dict[int, int] = {}
    for link in data.links:
        ends = (link.source, link.target)
        for here, there in (ends, ends[::-1]):
            if band_of.get(here) == "evidence" and band_of.get(there, "evidence") != "evidence":
                targets.setdefault(here, there)
    order = {band: index for index, band in enumerate(BANDS)}
    for step in data.steps:
        if band_of[step.id] != "evidence" or step.id in targets:
            continue
        same_phase = [
            other
            for other in data.steps
            if other.phase == step.phase and band_of[other.id] != "evidence"
        ]
        same_phase.sort(key=lambda other: order[band_of[other.id]])  # customer steps first
        if same_phase:
            targets[step.id] = same_phase[0].id
    return targets


def blueprint_bpmn(data: BlueprintData, language: str = "en", identifier: str = "") -> bytes:
    """The blueprint as a BPMN 2.0 file (UTF-8 XML). `identifier` names it (its URL)."""
    code = language_of(language)
    labels = labels_for(code)
    lanes_by_band = {band: [lane for lane in data.lanes if lane.band == band] for band in BANDS}
    lane_band = {lane.id: lane.band for lane in data.lanes}
    phase_index = {phase.id: index for index, phase in enumerate(data.phases)}
    cells = _cells(data.steps)
    columns = max(len(data.phases), 1)

    def lane_rows(lane: LaneData) -> int:
        return max([len(cells.get((lane.id, p.id), [])) for p in data.phases] + [1])

    root = ET.Element(
        _m("definitions"),
        {
            "id": "Definitions_1",
            "targetNamespace": xml_text(identifier) or "https://frontstage.invalid/blueprint",
            "exporter": "Frontstage",
            "exporterVersion": "1",
        },
    )
    collaboration = _sub(root, _m("collaboration"), id="Collaboration_1")
    organisation_name = data.team or data.title
    pools = [
        ("customer", CUSTOMER[code], ["customer"]),
        ("organisation", organisation_name, list(ORGANISATION_BANDS)),
    ]
    plan = Plan()
    for key, _name, bands in pools:
        for band in bands:
            for lane in lanes_by_band[band]:
                for step in (s for s in data.steps if s.lane == lane.id):
                    plan.process_of[step.id] = f"Process_{key}"
    evidence_targets = _evidence_targets(data, lane_band)
    for evidence, target in evidence_targets.items():
        if target in plan.process_of:
            plan.process_of[evidence] = plan.process_of[target]

    # --- layout -----------------------------------------------------------------------------
    evidence_by_phase: dict[int, list[StepData]] = {}
    for step in data.steps:
        if lane_band.get(step.lane) == "evidence":
            evidence_by_phase.setdefault(step.phase, []).append(step)
    per_row = max(1, (COLUMN_W - PAD) // (DATA_W + PAD))
    evidence_rows = max(
        [(len(found) + per_row - 1) // per_row for found in evidence_by_phase.values()] + [0]
    )
    width = LEFT + columns * COLUMN_W + PAD
    y = TOP
    for phase_id, found in evidence_by_phase.items():
        column_x = LEFT + phase_index[phase_id] * COLUMN_W
        for index, step in enumerate(found):
            row, place = divmod(index, per_row)
            plan.boxes[data_id(step.id)] = Box(
                column_x + PAD + place * (DATA_W + PAD), y + row * (DATA_H + 25), DATA_W, DATA_H
            )
    y += evidence_rows * (DATA_H + 25) + (PAD if evidence_rows else 0)

    for key, _name, bands in pools:
        pool_top = y
        for band in bands:
            band_top = y
            for lane in lanes_by_band[band]:
                height = lane_rows(lane) * ROW_H + PAD
                plan.boxes[f"Lane_{lane.id}"] = Box(
                    POOL_HEAD * (2 if key == "organisation" else 1),
                    y,
                    width - POOL_HEAD * (2 if key == "organisation" else 1),
                    height,
                )
                for phase in data.phases:
                    for index, step in enumerate(cells.get((lane.id, phase.id), [])):
                        plan.boxes[task_id(step.id)] = Box(
                            LEFT + phase_index[phase.id] * COLUMN_W + (COLUMN_W - TASK_W) / 2,
                            y + PAD + index * ROW_H,
                            TASK_W,
                            TASK_H,
                        )
                y += height
            if key == "organisation" and lanes_by_band[band]:
                plan.boxes[f"Lane_{band}"] = Box(
                    POOL_HEAD, band_top, width - POOL_HEAD, y - band_top
                )
        if y == pool_top:
            y += ROW_H  # a pool with no lane still shows
        plan.boxes[f"Participant_{key}"] = Box(0, pool_top, width, y - pool_top)
        y += 2 * PAD + 20  # room for message flows between the pools

    # --- semantics ---------------------------------------------------------------------------
    processes = {}
    for key, name, _bands in pools:
        _sub(
            collaboration,
            _m("participant"),
            id=f"Participant_{key}",
            name=name,
            processRef=f"Process_{key}",
        )
    for key, _name, bands in pools:
        process = _sub(root, _m("process"), id=f"Process_{key}", isExecutable="false")
        processes[f"Process_{key}"] = process
        lanes = [lane for band in bands for lane in lanes_by_band[band]]
        if lanes:
            lane_set = _sub(process, _m("laneSet"), id=f"LaneSet_{key}")
            for band in bands:
                if not lanes_by_band[band]:
                    continue
                parent = lane_set
                if key == "organisation":
                    band_lane = _sub(lane_set, _m("lane"), id=f"Lane_{band}", name=labels[band])
                    for lane in lanes_by_band[band]:
                        for step in data.steps:
                            if step.lane == lane.id:
                                _sub(band_lane, _m("flowNodeRef")).text = task_id(step.id)
                    parent = _sub(band_lane, _m("childLaneSet"), id=f"LaneSet_{band}")
                for lane in lanes_by_band[band]:
                    element = _sub(
                        parent, _m("lane"), id=f"Lane_{lane.id}", name=lane_label(lane, code)
                    )
                    for step in data.steps:
                        if step.lane == lane.id:
                            _sub(element, _m("flowNodeRef")).text = task_id(step.id)
        for step in data.steps:
            if plan.process_of.get(step.id) != f"Process_{key}":
                continue
            if lane_band.get(step.lane) == "evidence":
                continue
            task = _sub(process, _m("task"), id=task_id(step.id), name=step.title)
            if step.description:
                _sub(task, _m("documentation")).text = xml_text(step.description)
    # Evidence: a data object (and its reference, which the diagram draws) in its task's process.
    associations: list[tuple[str, str]] = []
    for step in data.steps:
        if lane_band.get(step.lane) != "evidence":
            continue
        process = processes[plan.process_of.get(step.id, "Process_customer")]
        _sub(process, _m("dataObject"), id=f"DataObject_{step.id}", name=step.title)
        reference = _sub(
            process,
            _m("dataObjectReference"),
            id=data_id(step.id),
            name=step.title,
            dataObjectRef=f"DataObject_{step.id}",
        )
        if step.description:
            reference.insert(0, ET.Element(_m("documentation")))
            reference[0].text = xml_text(step.description)
        target = evidence_targets.get(step.id)
        if target is not None:
            associations.append((data_id(step.id), task_id(target)))
    tasks = {
        element.get("id"): element
        for process in processes.values()
        for element in process.iterfind(_m("task"))
    }
    for index, (source, target) in enumerate(associations, start=1):
        _tie_data(tasks[target], source, index)

    flows: list[tuple[str, str, str, bool]] = []  # id, source, target, across pools
    for index, link in enumerate(data.links, start=1):
        source, target = task_id(link.source), task_id(link.target)
        if source not in tasks or target not in tasks:
            continue  # a link with evidence is the data association drawn above
        name = link.label
        source_process = plan.process_of[link.source]
        if source_process == plan.process_of[link.target]:
            flow_id = f"Flow_{index}"
            _sub(
                processes[source_process],
                _m("sequenceFlow"),
                id=flow_id,
                sourceRef=source,
                targetRef=target,
                **({"name": name} if name else {}),
            )
            flows.append((flow_id, source, target, False))
        else:
            flow_id = f"MessageFlow_{index}"
            _sub(
                collaboration,
                _m("messageFlow"),
                id=flow_id,
                sourceRef=source,
                targetRef=target,
                **({"name": name} if name else {}),
            )
            flows.append((flow_id, source, target, True))

    # --- diagram -----------------------------------------------------------------------------
    diagram = _sub(root, f"{{{BPMNDI}}}BPMNDiagram", id="BPMNDiagram_1", name=data.title)
    plane = _sub(diagram, f"{{{BPMNDI}}}BPMNPlane", id="BPMNPlane_1", bpmnElement="Collaboration_1")
    for element_id, box in plan.boxes.items():
        attributes = {"id": f"{element_id}_di", "bpmnElement": element_id}
        if element_id.startswith(("Participant_", "Lane_")):
            attributes["isHorizontal"] = "true"
        shape = _sub(plane, f"{{{BPMNDI}}}BPMNShape", **attributes)
        _bounds(shape, box)
    for flow_id, source, target, _across in flows:
        _edge(plane, flow_id, _route(plan.boxes[source], plan.boxes[target]))
    for index, (source, target) in enumerate(associations, start=1):
        start, end = plan.boxes[source], plan.boxes[target]
        _edge(plane, f"DataInputAssociation_{index}", _route(start, end))
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def lane_label(lane: LaneData, code: str) -> str:
    translations = lane.name_translations or {}
    return translations.get(code) or translations.get(code[:2]) or lane.name


def _tie_data(task: ET.Element, reference_id: str, index: int) -> None:
    """A data input association from the evidence to the task, the way bpmn.io writes one: the
    task gets a property that stands for the input."""
    placeholder = f"Property_{index}"
    documentation = task.find(_m("documentation"))
    where = 1 if documentation is not None else 0
    prop = ET.Element(_m("property"), {"id": placeholder, "name": "__targetRef_placeholder"})
    task.insert(where, prop)
    association = ET.SubElement(
        task, _m("dataInputAssociation"), {"id": f"DataInputAssociation_{index}"}
    )
    ET.SubElement(association, _m("sourceRef")).text = reference_id
    ET.SubElement(association, _m("targetRef")).text = placeholder


def _bounds(shape: ET.Element, box: Box) -> None:
    _sub(
        shape,
        f"{{{DC}}}Bounds",
        x=_n(box.x),
        y=_n(box.y),
        width=_n(box.w),
        height=_n(box.h),
    )


def _edge(plane: ET.Element, element_id: str, points: list[tuple[float, float]]) -> None:
    edge = _sub(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{element_id}_di", bpmnElement=element_id)
    for x, y in points:
        _sub(edge, f"{{{DI}}}waypoint", x=_n(x), y=_n(y))


def _n(value: float) -> str:
    return str(int(round(value)))


def _route(source: Box, target: Box) -> list[tuple[float, float]]:
    """Right-angled waypoints from one box's edge to the other's."""
    if target.x >= source.x + source.w:  # to the right: leave by the right side
        start = (source.x + source.w, source.cy)
        end = (target.x, target.cy)
        middle = (start[0] + end[0]) / 2
        return (
            [start, (middle, start[1]), (middle, end[1]), end]
            if start[1] != end[1]
            else [start, end]
        )
    if target.x + target.w <= source.x:  # to the left
        start = (source.x, source.cy)
        end = (target.x + target.w, target.cy)
        middle = (start[0] + end[0]) / 2
        return (
            [start, (middle, start[1]), (middle, end[1]), end]
            if start[1] != end[1]
            else [start, end]
        )
    if target.y >= source.y + source.h:  # below
        start, end = (source.cx, source.y + source.h), (target.cx, target.y)
    else:  # above
        start, end = (source.cx, source.y), (target.cx, target.y + target.h)
    if start[0] == end[0]:
        return [start, end]
    middle = (start[1] + end[1]) / 2
    return [start, (start[0], middle), (end[0], middle), end]
