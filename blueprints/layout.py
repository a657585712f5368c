"""Draw a service blueprint as Graphviz DOT: plain data in, DOT text out.

No ORM and no HTTP here, so the drawing can be tested and benchmarked on its own
(`blueprints/render.py` builds the input from the models and runs `dot`).

The drawing is a grid. Every lane is one rank (`rank=same`): its label node on the left, then
one node per phase holding that cell's cards stacked in an HTML-like table. The phase headers
are the first rank; the three lines (interaction, visibility, internal interaction) are ranks
of dashed rules between the bands they separate. Heavy invisible edges inside a `group` run down
every column, so columns stay straight; invisible flat edges along every rank keep the column
order (a flat edge without its constraint lets the order flip). Links are drawn last, with
`constraint=false`, so they never move the grid. Every cell of a row gets the row's height and
width, so the cells line up as a table; cards sit at the top of their cell.

Sizes are points (1/72 inch); text widths come from the metrics of the font fontconfig picks
for FONT (`font_widths`), or Helvetica's when there is none to read (Graphviz measures the real
text; ours only decides where lines wrap and how tall a row is).
"""

import functools
import html
import re
import subprocess
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

# Canonical band order, top to bottom, and the lines derived from adjacent bands. They mirror
# blueprints.models.BAND_ORDER and LINES (kept here so this module needs no Django);
# tests/test_diagram.py checks that both agree.
BANDS = ("evidence", "customer", "frontstage", "backstage", "support")
LINES = (
    ("customer", "frontstage", "interaction"),
    ("frontstage", "backstage", "visibility"),
    ("backstage", "support", "internal"),
)
STEP_KINDS = ("touchpoint", "action", "pain_point", "opportunity", "data", "note")
LINK_KINDS = ("handoff", "information", "trigger", "dependency")

# The colours of static/css/frontstage.css, so the drawing and the board read alike.
INK = "#1d2433"
MUTED = "#5b6475"
KIND_COLOURS = {
    "touchpoint": "#2952cc",
    "action": "#5b6475",
    "pain_point": "#d13b3b",
    "opportunity": "#1f9d55",
    "data": "#8e44ad",
    "note": "#d99a00",
}
BAND_FILLS = {
    "evidence": "#efe9fb",
    "customer": "#fff6e0",
    "frontstage": "#e6f4ff",
    "backstage": "#eaf6ee",
    "support": "#f1f1f4",
}
BAND_ACCENTS = {
    "evidence": "#7a5bbf",
    "customer": "#a86b00",
    "frontstage": "#2952cc",
    "backstage": "#1f7a45",
    "support": "#5b6475",
}
EVIDENCE_COLOURS = {"observed": "#5b6475", "assumed": "#a86b00", "proposed": "#1f7a45"}
# Links differ by line style and arrowhead as well as colour, for readers who do not see colour.
LINK_STYLES = {
    "handoff": {"color": "#2952cc", "style": "solid", "penwidth": "1.6", "arrowhead": "normal"},
    "information": {"color": "#8e44ad", "style": "dashed", "penwidth": "1.3", "arrowhead": "vee"},
    "trigger": {
        "color": "#d9730d",
        "style": "solid",
        "penwidth": "1.3",
        "arrowhead": "normal",
        "arrowtail": "dot",
        "dir": "both",
    },
    "dependency": {"color": "#5b6475", "style": "dotted", "penwidth": "1.4", "arrowhead": "empty"},
}
LINK_SAMPLES = {"handoff": "━━━▶", "information": "╍╍╍▶", "trigger": "●━━▶", "dependency": "┈┈┈▷"}
TEAM_COLOURS = ("#2952cc", "#d9730d", "#8e44ad", "#1f7a45", "#c2185b", "#00838f", "#8d6e00")

FONT = "Helvetica,Arial,sans-serif"
_FAMILY = FONT.split(",")[0]  # the family fontconfig is asked for, to measure text
LABEL_W = 150  # the lane label column
CELL_W = 196  # a phase column
CARD_W = 182
GUTTER = 30  # room between columns for the links
CARD_TEXT_W = CARD_W - 15  # minus the kind strip, its gap and the border
META_H = 12
TITLE_PT = 10
SMALL_PT = 7.5
TINY_PT = 7
CARD_GAP = 5
RULE_H = 20

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "evidence": "Physical evidence",
        "customer": "Customer actions",
        "frontstage": "Frontstage",
        "backstage": "Backstage",
        "support": "Support processes",
        "line.interaction": "Line of interaction",
        "line.visibility": "Line of visibility",
        "line.internal": "Line of internal interaction",
        "kind.touchpoint": "Touchpoint",
        "kind.action": "Action",
        "kind.pain_point": "Pain point",
        "kind.opportunity": "Opportunity",
        "kind.data": "Data",
        "kind.note": "Note",
        "link.handoff": "Handoff",
        "link.information": "Information",
        "link.trigger": "Trigger",
        "link.dependency": "Dependency",
        "evidence.observed": "Observed",
        "evidence.assumed": "Assumed",
        "evidence.proposed": "Proposed",
        "steps": "Steps",
        "links": "Links",
        "teams": "Teams",
        "team": "Team blueprint",
        "global": "Global blueprint",
        "roles": "Role interdependencies",
    },
    "es": {
        "evidence": "Evidencia física",
        "customer": "Acciones del cliente",
        "frontstage": "Acciones visibles (frontstage)",
        "backstage": "Acciones invisibles (backstage)",
        "support": "Procesos de soporte",
        "line.interaction": "Línea de interacción",
        "line.visibility": "Línea de visibilidad",
        "line.internal": "Línea de interacción interna",
        "kind.touchpoint": "Punto de contacto",
        "kind.action": "Acción",
        "kind.pain_point": "Punto de dolor",
        "kind.opportunity": "Oportunidad",
        "kind.data": "Datos",
        "kind.note": "Nota",
        "link.handoff": "Traspaso",
        "link.information": "Información",
        "link.trigger": "Desencadenante",
        "link.dependency": "Dependencia",
        "evidence.observed": "Observado",
        "evidence.assumed": "Supuesto",
        "evidence.proposed": "Propuesto",
        "steps": "Pasos",
        "links": "Vínculos",
        "teams": "Equipos",
        "team": "Blueprint del equipo",
        "global": "Blueprint global",
        "roles": "Interdependencias entre roles",
    },
    "it": {
        "evidence": "Evidenze fisiche",
        "customer": "Azioni del cliente",
        "frontstage": "Azioni visibili (frontstage)",
        "backstage": "Azioni invisibili (backstage)",
        "support": "Processi di supporto",
        "line.interaction": "Linea di interazione",
        "line.visibility": "Linea di visibilità",
        "line.internal": "Linea di interazione interna",
        "kind.touchpoint": "Punto di contatto",
        "kind.action": "Azione",
        "kind.pain_point": "Punto critico",
        "kind.opportunity": "Opportunità",
        "kind.data": "Dati",
        "kind.note": "Nota",
        "link.handoff": "Passaggio di consegne",
        "link.information": "Informazione",
        "link.trigger": "Innesco",
        "link.dependency": "Dipendenza",
        "evidence.observed": "Osservato",
        "evidence.assumed": "Ipotizzato",
        "evidence.proposed": "Proposto",
        "steps": "Passi",
        "links": "Collegamenti",
        "teams": "Team",
        "team": "Blueprint del team",
        "global": "Blueprint globale",
        "roles": "Interdipendenze tra ruoli",
    },
    "pt-br": {
        "evidence": "Evidências físicas",
        "customer": "Ações do cliente",
        "frontstage": "Ações visíveis (linha de frente)",
        "backstage": "Ações invisíveis (bastidores)",
        "support": "Processos de suporte",
        "line.interaction": "Linha de interação",
        "line.visibility": "Linha de visibilidade",
        "line.internal": "Linha de interação interna",
        "kind.touchpoint": "Ponto de contato",
        "kind.action": "Ação",
        "kind.pain_point": "Ponto de dor",
        "kind.opportunity": "Oportunidade",
        "kind.data": "Dados",
        "kind.note": "Nota",
        "link.handoff": "Repasse",
        "link.information": "Informação",
        "link.trigger": "Gatilho",
        "link.dependency": "Dependência",
        "evidence.observed": "Observado",
        "evidence.assumed": "Suposto",
        "evidence.proposed": "Proposto",
        "steps": "Etapas",
        "links": "Vínculos",
        "teams": "Equipes",
        "team": "Blueprint da equipe",
        "global": "Blueprint global",
        "roles": "Interdependências entre papéis",
    },
}


@dataclass(frozen=True)
class PhaseData:
    id: int
    name: str


@dataclass(frozen=True)
class LaneData:
    id: int
    name: str
    band: str
    actor: str = ""
    name_translations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StepData:
    id: int
    lane: int
    phase: int
    title: str
    kind: str = "action"
    channel: str = ""
    actor: str = ""  # the step's own actor; empty when it is the lane's
    emotion: int = 0
    evidence: str = "observed"
    data_captured: str = ""
    data_recorded_in: str = ""
    description: str = ""
    teams: Sequence[str] = ()  # provenance on a global blueprint


@dataclass(frozen=True)
class LinkData:
    source: int
    target: int
    kind: str = "handoff"
    label: str = ""


@dataclass(frozen=True)
class BlueprintData:
    """A blueprint as plain data; phases and lanes in their order, steps in cell order."""

    title: str
    phases: Sequence[PhaseData]
    lanes: Sequence[LaneData]
    steps: Sequence[StepData] = ()
    links: Sequence[LinkData] = ()
    kind: str = "team"
    team: str = ""
    url: str = ""  # of the blueprint's page: each card links to its step there


def language_of(code: str | None) -> str:
    """The label language closest to `code` (e.g. "pt" → "pt-br"), English by default."""
    code = (code or "en").lower().replace("_", "-")
    if code in LABELS:
        return code
    prefix = code.split("-")[0]
    for known in LABELS:
        if known.split("-")[0] == prefix:
            return known
    return "en"


def labels_for(code: str | None) -> dict[str, str]:
    return LABELS[language_of(code)]


def lane_name(lane: LaneData, code: str) -> str:
    translations = lane.name_translations or {}
    return translations.get(code) or translations.get(code[:2]) or lane.name


def role_names(data: BlueprintData, code: str) -> dict[str, str]:
    """Each role (actor) by its name in the reader's language.

    Actors are named once, for the whole workspace; a lane named after its actor is that role's
    row, and its translations are the role's names. A role without such a lane keeps its name.
    """
    names: dict[str, str] = {}
    for lane in data.lanes:
        actor = clean(lane.actor)
        if actor and actor == clean(lane.name):
            names.setdefault(actor, clean(lane_name(lane, code)) or actor)
    return names


def with_role_names(data: BlueprintData, code: str) -> BlueprintData:
    """`data` with every lane's and step's actor named as `role_names` says: one name per role."""
    names = role_names(data, code)
    if not names:
        return data

    def named(actor: str) -> str:
        return names.get(clean(actor), actor) if actor else actor

    return replace(
        data,
        lanes=[replace(lane, actor=named(lane.actor)) for lane in data.lanes],
        steps=[replace(step, actor=named(step.actor)) for step in data.steps],
    )


def lines_between(above: str, below: str) -> list[str]:
    """The lines that separate two bands drawn next to each other (several when one is absent)."""
    order = {band: index for index, band in enumerate(BANDS)}
    return [
        name
        for upper, lower, name in LINES
        if order[above] <= order[upper] and order[lower] <= order[below]
    ]


# --- text ---------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry: Graphviz's HTML-like labels are parsed as XML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"[ \t\r\n\f\v]+")


def clean(text: str | None) -> str:
    """One line of plain text, whatever came in: no control characters, single spaces."""
    return _SPACE.sub(" ", _NOT_XML.sub("", text or "")).strip()


def esc(text: str) -> str:
    """Escape for an HTML-like label or one of its attribute values.

    dot expands backslash escapes even there (`\\N` becomes the node's name, `\\G` the
    graph's), so a backslash is doubled to stay one.
    """
    return html.escape(text, quote=True).replace("\\", "\\\\")


def quoted(text: str) -> str:
    """A DOT double-quoted string (for attributes such as tooltips) that shows `text` as is."""
    return '"' + html.escape(text, quote=True).replace("\\", "\\\\\\\\") + '"'


# Helvetica advance widths (1/1000 em) for printable ASCII, from its AFM file.
_ASCII_WIDTHS = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
]  # fmt: skip


def _char_width(char: str) -> int:
    code = ord(char)
    if 32 <= code < 127:
        return _ASCII_WIDTHS[code - 32]
    if unicodedata.combining(char):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1000
    base = unicodedata.normalize("NFD", char)[0]
    if base != char and 32 <= ord(base) < 127:
        return _ASCII_WIDTHS[ord(base) - 32]
    return 620


_WIDTHS = {chr(code): width for code, width in enumerate(_ASCII_WIDTHS, start=32)}


@functools.cache
def font_widths(family: str, bold: bool) -> dict[str, int] | None:
    """Advance widths (1/1000 em) of the font fontconfig picks for `family`: what dot draws with.

    Read once from the font file (fontTools comes with WeasyPrint). None when there is no
    fontconfig or no readable font: the Helvetica estimate serves then.
    """
    try:
        found = subprocess.run(
            ["fc-match", "--format=%{file}", f"{family}:{'bold' if bold else 'regular'}"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout  # fmt: skip
        from fontTools.ttLib import TTFont

        font = TTFont(found, fontNumber=0, lazy=True)
        metrics, per_em = font["hmtx"].metrics, font["head"].unitsPerEm
        return {
            chr(code): round(metrics[glyph][0] * 1000 / per_em)
            for code, glyph in font.getBestCmap().items()
            if glyph in metrics
        }
    except (OSError, ValueError, KeyError, ImportError, subprocess.SubprocessError):
        return None


class _Measure:
    """Widths of one face, with a cache of every character met so far."""

    def __init__(self, family: str, bold: bool) -> None:
        measured = font_widths(family, bold)
        self.widths: dict[str, int] = dict(measured) if measured else dict(_WIDTHS)
        # Helvetica's widths stand in for a missing font; bold runs about a tenth wider.
        self.scale = 1.1 if bold and measured is None else 1.0

    def em(self, text: str) -> float:
        widths, total = self.widths, 0
        for char in text:
            width = widths.get(char)
            if width is None:
                # Not in the font (CJK from a fallback font, combining marks): estimated.
                width = widths[char] = _char_width(char)
            total += width
        return total * self.scale


@functools.cache
def _measure(family: str, bold: bool) -> _Measure:
    return _Measure(family, bold)


def _em_width(text: str, bold: bool = False, family: str = "") -> float:
    """Width of `text` in 1/1000 em in the diagrams' font (or `family`)."""
    return _measure(family or _FAMILY, bold).em(text)


def text_width(text: str, size: float, bold: bool = False, family: str = "") -> float:
    """Width in points of one line of `text` at `size` points."""
    return _em_width(text, bold, family) * size / 1000


def wrap(text: str, width: float, size: float, bold: bool = False, family: str = "") -> list[str]:
    """Break `text` into lines no wider than `width` points; long words break anywhere."""
    limit = width * 1000 / size  # in 1/1000 em
    space = _em_width(" ", bold, family)
    lines: list[str] = []
    line, used = "", 0.0
    for word in clean(text).split(" "):
        need = _em_width(word, bold, family)
        if line and used + space + need <= limit:
            line, used = f"{line} {word}", used + space + need
            continue
        if not line and need <= limit:
            line, used = word, need
            continue
        if line:
            lines.append(line)
        line, used = "", 0.0
        if need <= limit:
            line, used = word, need
            continue
        for char in word:  # a word wider than the line (or CJK text without spaces)
            char_width = _em_width(char, bold, family)
            if line and used + char_width > limit:
                lines.append(line)
                line, used = "", 0
            line, used = line + char, used + char_width
    if line or not lines:
        lines.append(line)
    return lines


def shorten(lines: list[str], most: int) -> list[str]:
    if len(lines) <= most:
        return lines
    return [*lines[: most - 1], lines[most - 1].rstrip(" ,.;:") + "…"]


def line_height(size: float) -> float:
    return size * 1.2


def multiline(lines: Iterable[str]) -> str:
    return '<BR ALIGN="LEFT"/>'.join(esc(line) for line in lines) + '<BR ALIGN="LEFT"/>'


# --- parts of the drawing -------------------------------------------------------------------


def _meta_lines(parts: list[tuple[str, str]], width: float) -> list[str]:
    """(text, colour) pieces joined by middle dots, as coloured lines no wider than `width`."""
    lines: list[list[tuple[str, str]]] = [[]]
    used = 0.0
    for text, colour in parts:
        need = text_width(text + " · ", SMALL_PT, bold=True)
        if lines[-1] and used + need > width:
            lines.append([])
            used = 0.0
        lines[-1].append((text, colour))
        used += need
    # No-break spaces: an SVG viewer strips ordinary spaces around a text run of its own.
    dot = f'<FONT COLOR="{MUTED}">\u00a0·\u00a0</FONT>'
    return [
        dot.join(f'<FONT COLOR="{colour}">{esc(text)}</FONT>' for text, colour in line)
        for line in lines
        if line
    ]


def emotion_text(emotion: int) -> tuple[str, str]:
    if emotion > 0:
        return f"☺ +{emotion}", "#1f7a45"
    return f"☹ −{-emotion}", "#b3261e"


def _sized(content: str, height: float) -> str:
    """A card row of known size (a minimum: dot grows it rather than let text overflow)."""
    return (
        f'<TR><TD WIDTH="{CARD_TEXT_W}" HEIGHT="{height:.1f}" ALIGN="LEFT" BALIGN="LEFT" '
        f'CELLPADDING="0">{content}</TD></TR>'
    )


def card(
    step: StepData, labels: dict[str, str], team_colours: Mapping[str, str], url: str = ""
) -> tuple[str, float]:
    """One step as a card (an HTML-like table cell with a port), and its exact height."""
    colour = KIND_COLOURS.get(step.kind, KIND_COLOURS["action"])
    kind = labels.get(f"kind.{step.kind}", step.kind).upper()
    title = wrap(step.title, CARD_TEXT_W, TITLE_PT, bold=True)
    heights = [14.0, len(title) * line_height(TITLE_PT) + 4]
    rows = [
        _sized(f'<FONT POINT-SIZE="{TINY_PT}" COLOR="{colour}"><B>{esc(kind)}</B></FONT>', 14),
        _sized(
            f'<FONT POINT-SIZE="{TITLE_PT}" COLOR="{INK}"><B>{multiline(title)}</B></FONT>',
            heights[1],
        ),
    ]
    meta = []
    if step.channel:
        meta.append((clean(step.channel), "#2f3a52"))
    if step.actor:
        meta.append((clean(step.actor), "#2f3a52"))
    evidence = labels.get(f"evidence.{step.evidence}", step.evidence)
    meta.append((evidence, EVIDENCE_COLOURS.get(step.evidence, MUTED)))
    if step.emotion:
        meta.append(emotion_text(step.emotion))
    for line in _meta_lines(meta, CARD_TEXT_W):
        rows.append(_sized(f'<FONT POINT-SIZE="{SMALL_PT}"><B>{line}</B></FONT>', META_H))
        heights.append(META_H)
    if step.data_captured:
        data = clean(step.data_captured)
        if step.data_recorded_in:
            data += f" → {clean(step.data_recorded_in)}"
        lines = shorten(wrap(f"⛁ {data}", CARD_TEXT_W, SMALL_PT), 3)
        heights.append(len(lines) * line_height(SMALL_PT) + 4)
        rows.append(
            _sized(
                f'<FONT POINT-SIZE="{SMALL_PT}" COLOR="#3d4a66"><I>{multiline(lines)}</I></FONT>',
                heights[-1],
            )
        )
    if step.teams:
        teams = [(f"● {clean(team)}", team_colours.get(team, INK)) for team in step.teams]
        for line in _meta_lines(teams, CARD_TEXT_W):
            rows.append(_sized(f'<FONT POINT-SIZE="{SMALL_PT}">{line}</FONT>', META_H))
            heights.append(META_H)
    rows.append(_sized("", 3))
    heights.append(3)
    side = f'ROWSPAN="{len(rows)}" CELLPADDING="0"'
    rows[0] = rows[0].replace(
        "<TR>", f'<TR><TD {side} BGCOLOR="{colour}" WIDTH="5"></TD><TD {side} WIDTH="6"></TD>', 1
    )
    tooltip = esc(clean(step.description) or clean(step.title))
    html_ = (
        f'<TD PORT="s{step.id}" ID="step-{step.id}" HREF="{esc(url)}#step-{step.id}" '
        f'TOOLTIP="{tooltip}" CELLPADDING="0">'
        f'<TABLE BORDER="1" COLOR="#c3cad8" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0" '
        f'BGCOLOR="white">{"".join(rows)}</TABLE></TD>'
    )
    return html_, sum(heights) + 2


def lane_label(lane: LaneData, name: str, band_label: str) -> tuple[str, float]:
    text_w = LABEL_W - 16
    lines = wrap(name, text_w, 11, bold=True)
    parts = [f'<FONT POINT-SIZE="11" COLOR="{INK}"><B>{multiline(lines)}</B></FONT>']
    height = len(lines) * line_height(11) + 16
    if lane.actor and clean(lane.actor) != clean(name):
        actor = wrap(lane.actor, text_w, SMALL_PT)
        parts.append(f'<FONT POINT-SIZE="{SMALL_PT}" COLOR="{MUTED}">{multiline(actor)}</FONT>')
        height += len(actor) * line_height(SMALL_PT)
    band = wrap(band_label.upper(), text_w, TINY_PT, bold=True)
    accent = BAND_ACCENTS[lane.band]
    parts.append(f'<FONT POINT-SIZE="{TINY_PT}" COLOR="{accent}"><B>{multiline(band)}</B></FONT>')
    height += len(band) * line_height(TINY_PT) + 4
    return "".join(parts), height


@dataclass
class Row:
    """One rank of the grid: node names, the label column first, then one per phase."""

    nodes: list[str]


def _node(name: str, attrs: Mapping[str, str | float]) -> str:
    parts = []
    for key, value in attrs.items():
        if key == "label" and isinstance(value, str) and value.startswith("<"):
            parts.append(f"label=<{value}>")
        else:
            parts.append(f'{key}="{value}"')
    return f"  {name} [{' '.join(parts)}];"


def inches(points: float) -> str:
    return f"{points / 72:.3f}"


def blueprint_dot(blueprint: BlueprintData, language: str = "en") -> str:
    """The blueprint as DOT source, with band and line labels in `language`."""
    code = language_of(language)
    labels = LABELS[code]
    phases = list(blueprint.phases)
    order = {band: index for index, band in enumerate(BANDS)}
    lanes = sorted(
        (lane for lane in blueprint.lanes if lane.band in order),
        key=lambda lane: order[lane.band],  # stable: keeps the lane order inside a band
    )
    column = {phase.id: index for index, phase in enumerate(phases)}
    row_of = {lane.id: index for index, lane in enumerate(lanes)}
    cells: list[list[list[StepData]]] = [[[] for _ in phases] for _ in lanes]
    where: dict[int, tuple[int, int]] = {}
    for step in blueprint.steps:
        if step.lane in row_of and step.phase in column:
            r, c = row_of[step.lane], column[step.phase]
            cells[r][c].append(step)
            where[step.id] = (r, c)
    url = clean(blueprint.url)
    teams = sorted({team for step in blueprint.steps for team in step.teams})
    team_colours = {team: TEAM_COLOURS[i % len(TEAM_COLOURS)] for i, team in enumerate(teams)}

    out = [
        "digraph blueprint {",
        f"  graph [rankdir=TB newrank=true splines=true nodesep=0.03 ranksep=0.22 pad=0.3 "
        f'bgcolor=white fontname="{FONT}" labelloc=t labeljust=l outputorder=nodesfirst];',
        f'  node [fontname="{FONT}" shape=box style="filled,rounded" penwidth=1 margin=0];',
        # Attributes some edges set are declared for all first: dot 2.43 misreads them otherwise.
        f'  edge [fontname="{FONT}" arrowsize=0.7 arrowtail=none dir=forward];',
        f"  label=<{_heading(blueprint, labels, team_colours)}>;",
    ]
    rows: list[Row] = []
    header = Row(["corner"] + [f"h{c}" for c in range(len(phases))])
    rows.append(header)
    out.append(_node("corner", {"style": "invis", "width": inches(LABEL_W), "label": ""}))
    for c, phase in enumerate(phases):
        name = wrap(f"{c + 1}. {clean(phase.name)}", CELL_W - 16, 11, bold=True)
        out.append(
            _node(
                f"h{c}",
                {
                    "label": f'<FONT POINT-SIZE="11" COLOR="white"><B>{multiline(name)}</B></FONT>',
                    "fillcolor": INK,
                    "color": INK,
                    "width": inches(CELL_W),
                    "height": inches(len(name) * line_height(11) + 14),
                },
            )
        )
    previous_band = ""
    for r, lane in enumerate(lanes):
        if previous_band and lane.band != previous_band:
            for line in lines_between(previous_band, lane.band):
                rows.append(_rule_row(out, line, labels[f"line.{line}"], len(phases)))
        previous_band = lane.band
        rows.append(_lane_row(out, r, lane, cells[r], labels, code, team_colours, url))
    out.extend(_grid_edges(rows))
    for link in blueprint.links:
        if link.source in where and link.target in where and link.source != link.target:
            out.append(_link_edge(link, where, labels))
    out.append("}")
    return "\n".join(out) + "\n"


def legend_line(heading: str, items: Iterable[tuple[str, str, str]]) -> str:
    """One line of a legend: a heading, then (sample, colour, name) items.

    Plain text, not a table: dot stretches a nested table to the width of its cell.
    """
    parts = [f'<FONT COLOR="{MUTED}"><B>{esc(heading.upper())}</B></FONT>']
    parts += [
        f'<FONT COLOR="{colour}">{sample}</FONT> <FONT COLOR="{INK}">{esc(name)}</FONT>'
        for sample, colour, name in items
    ]
    return f'<FONT POINT-SIZE="8.5">{"\u2003".join(parts)}</FONT>'


def link_legend(labels: Mapping[str, str]) -> str:
    items = [(LINK_SAMPLES[k], LINK_STYLES[k]["color"], labels[f"link.{k}"]) for k in LINK_KINDS]
    return legend_line(labels["links"], items)


def _heading(blueprint: BlueprintData, labels: dict[str, str], team_colours: dict[str, str]) -> str:
    subtitle = labels.get(blueprint.kind, "")
    if clean(subtitle) == clean(blueprint.title):
        subtitle = ""  # a blueprint named by its kind ("Global blueprint") says it once
    if blueprint.team:
        subtitle = " · ".join(part for part in (subtitle, clean(blueprint.team)) if part)
    steps = legend_line(
        labels["steps"], [("■", KIND_COLOURS[k], labels[f"kind.{k}"]) for k in STEP_KINDS]
    )
    rows = [
        f'<FONT POINT-SIZE="18" COLOR="{INK}"><B>'
        f"{multiline(wrap(blueprint.title, 900, 18, bold=True))}</B></FONT>",
        f'<FONT POINT-SIZE="10" COLOR="{MUTED}">{esc(subtitle)}</FONT>' if subtitle else "",
        f"{steps}\u2003\u2003{link_legend(labels)}",
    ]
    rows = [row for row in rows if row]  # an empty <FONT> is a syntax error to dot
    if team_colours:
        teams = [("●", colour, clean(team)) for team, colour in team_colours.items()]
        rows.append(legend_line(labels["teams"], teams))
    body = "".join(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{row}</TD></TR>' for row in rows)
    return (
        f'<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="0">{body}'
        f'<TR><TD HEIGHT="6"></TD></TR></TABLE>'
    )


def _lane_row(
    out: list[str],
    r: int,
    lane: LaneData,
    row_cells: list[list[StepData]],
    labels: dict[str, str],
    code: str,
    team_colours: dict[str, str],
    url: str,
) -> Row:
    fill, accent = BAND_FILLS[lane.band], BAND_ACCENTS[lane.band]
    label, label_h = lane_label(lane, lane_name(lane, code), labels[lane.band])
    cards = [[card(step, labels, team_colours, url) for step in steps] for steps in row_cells]
    needs = [sum(h for _, h in cell) + CARD_GAP * (len(cell) + 2) + 1 for cell in cards]
    height = max([label_h + 8, 48.0, *needs])
    drawn = []
    for cell in cards:
        # A filler row tops every cell up to the row's height: the label then fills its node
        # exactly (with a shorter label, dot would misplace the ports of the cards).
        filler = height - (sum(h for _, h in cell) + CARD_GAP * (len(cell) + 2))
        inner = "".join(f"<TR>{html_}</TR>" for html_, _ in cell)
        drawn.append(
            f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="{CARD_GAP}" CELLPADDING="0">{inner}'
            f'<TR><TD FIXEDSIZE="TRUE" WIDTH="{CARD_W}" HEIGHT="{filler:.1f}"></TD></TR></TABLE>'
        )
    common = {"fillcolor": fill, "height": inches(height)}
    name = f"l{r}"
    out.append(
        _node(
            name,
            {"label": label, "color": accent, "width": inches(LABEL_W), "penwidth": 1.5} | common,
        )
    )
    nodes = [name]
    for c, table in enumerate(drawn):
        cell = f"c{r}_{c}"
        attrs = {"label": table, "color": fill, "width": inches(CELL_W)}
        out.append(_node(cell, attrs | common))
        nodes.append(cell)
    return Row(nodes)


def _rule_row(out: list[str], line: str, text: str, phases: int) -> Row:
    """A dashed rule across the whole drawing, its name at the left."""
    rule = (
        'BORDER="2" SIDES="T" STYLE="dashed" COLOR="#7b8499" CELLBORDER="0" CELLSPACING="0" '
        'CELLPADDING="0"'
    )
    nodes = []
    label = (
        f'<TABLE {rule}><TR><TD ALIGN="LEFT" VALIGN="TOP" WIDTH="{LABEL_W + GUTTER}" '
        f'HEIGHT="{RULE_H}" CELLPADDING="4"><FONT POINT-SIZE="{SMALL_PT}" COLOR="#4a5470"><B>'
        f"{esc(text.upper())}</B></FONT></TD></TR></TABLE>"
    )
    name = f"r{line}"
    out.append(_node(f"{name}_l", {"shape": "plain", "style": "", "label": label}))
    nodes.append(f"{name}_l")
    segment = (
        f'<TABLE {rule}><TR><TD WIDTH="{CELL_W + GUTTER}" HEIGHT="{RULE_H}"></TD></TR></TABLE>'
    )
    for c in range(phases):
        out.append(_node(f"{name}_{c}", {"shape": "plain", "style": "", "label": segment}))
        nodes.append(f"{name}_{c}")
    return Row(nodes)


def _grid_edges(rows: list[Row]) -> list[str]:
    out = []
    columns = len(rows[0].nodes)
    for row in rows:
        out.append(f"  {{rank=same; {'; '.join(row.nodes)};}}")
    # One chain of flat edges fixes the column order; the heavy column edges carry it down.
    out.append(f"  {' -> '.join(rows[0].nodes)} [style=invis];")
    for c in range(columns):
        group = "gl" if c == 0 else f"g{c - 1}"
        chain = [row.nodes[c] for row in rows]
        out.extend(f"  {node} [group={group}];" for node in chain)
        out.append(f"  {' -> '.join(chain)} [style=invis weight=10];")
    return out


def _link_edge(link: LinkData, where: Mapping[int, tuple[int, int]], labels: dict[str, str]) -> str:
    (r1, c1), (r2, c2) = where[link.source], where[link.target]
    style = LINK_STYLES.get(link.kind, LINK_STYLES["handoff"])
    attrs = [f'{key}="{value}"' for key, value in style.items()]
    attrs.append("constraint=false")
    kind = labels.get(f"link.{link.kind}", link.kind)
    text = clean(link.label)
    attrs.append(f"tooltip={quoted(kind + (': ' + text if text else ''))}")
    if text:
        lines = shorten(wrap(text, 110, SMALL_PT), 3)
        attrs.append(
            f'label=<<FONT POINT-SIZE="{SMALL_PT}" COLOR="{style["color"]}">'
            f"{multiline(lines)}</FONT>>"
        )
    # Leave and enter cards by their sides, towards each other; within one column, both on
    # the right, so the arrow runs down the gutter instead of across the cards below.
    out_side, in_side = ("w", "e") if c2 < c1 else ("e", "w") if c2 > c1 else ("e", "e")
    tail = f"c{r1}_{c1}:s{link.source}:{out_side}"
    head = f"c{r2}_{c2}:s{link.target}:{in_side}"
    if r1 == r2 and abs(c1 - c2) == 1:
        # Between neighbouring cells of one lane, dot 2.43 lays out an edge with ports in a
        # cloned graph whose attributes it mixes up (labels end up as arrowheads): the arrow
        # joins the two cells instead of the two cards.
        tail, head = f"c{r1}_{c1}", f"c{r2}_{c2}"
    return f"  {tail} -> {head} [{' '.join(attrs)}];"
