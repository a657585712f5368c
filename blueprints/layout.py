"""Draw a service blueprint as Graphviz DOT: plain data in, DOT text out.

No ORM and no HTTP here, so the drawing can be tested and benchmarked on its own
(`blueprints/render.py` builds the input from the models and runs `dot`).

The drawing is a grid that this module places itself, and Graphviz only draws (`layout=nop2`:
every node has its `pos`, every link its `pos` spline and its label's `lp`). The phase headers
are the first row; every lane is a row (its label node on the left, a band-coloured strip under
it, then one node per phase holding that cell's cards stacked in an HTML-like table); the three
lines (interaction, visibility, internal interaction) are rows of dashed rules between the bands
they separate. Every cell of a row gets the row's height, cards sit at the top of their cell, so
the position of every card is known here.

Links are routed like a drawn blueprint (`_plan_route`, `_choose_ways`, `_place`): a link
leaves its card by a side, runs down a gutter between two columns, along at most one corridor
between two rows and down another gutter, and enters its target card by a side, so it never
crosses a card or a header; between cards stacked in one column it is a straight line. Links
that share a gutter or corridor get parallel tracks, ordered so that they cross as few others as
can be, and a gutter or corridor is as wide as the links that pass it at once. A label sits on
white in a corridor its line passes, next to the line. (dot routed the links itself before: on
the demo's global blueprint 333 pairs of links crossed and one ran 10× its straight line;
bench/bench_render.py measures both.)

Sizes are points (1/72 inch); text widths come from the metrics of the font fontconfig picks
for FONT (`font_widths`), or Helvetica's when there is none to read (Graphviz measures the real
text; ours only decides where lines wrap and how tall a row is).
"""

import bisect
import functools
import hashlib
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

# Part of the key of every cached drawing (render.drawing_key): bump when the drawing of the
# same data changes.
DRAWING_VERSION = "4"
FONT = "Helvetica,Arial,sans-serif"
Point = tuple[float, float]
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
    if not text:
        return ""
    if text.isprintable() and "  " not in text:  # the usual title: nothing to take out
        return text.strip()
    return _SPACE.sub(" ", _NOT_XML.sub("", text)).strip()


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


@functools.cache
def text_metrics_id() -> str:
    """Which font metrics measure the text here (another font wraps lines elsewhere)."""
    widths = [font_widths(_FAMILY, bold) for bold in (False, True)]
    return hashlib.sha256(repr(widths).encode()).hexdigest()[:16]


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
        # A word wider than the line: broken after a slash or a dash when that is enough
        # ("(Instagram/" "Facebook)"), else between letters with a hyphen (CJK needs none).
        for piece in _BREAK_AFTER.split(word):
            piece_width = _em_width(piece, bold, family)
            if line and used + piece_width > limit:
                lines.append(line)
                line, used = "", 0.0
            if piece_width <= limit:
                line, used = line + piece, used + piece_width
                continue
            hyphen = _em_width("-", bold, family)
            for char in piece:
                char_width = _em_width(char, bold, family)
                if line and used + char_width > limit:
                    joined = _ideographic(line[-1]) or _ideographic(char) or not char.isalnum()
                    if not joined and used + hyphen > limit and len(line) > 1:
                        char, line = line[-1] + char, line[:-1]  # room for the hyphen
                        char_width = _em_width(char, bold, family)
                    hyphenated = not joined and line[-1].isalnum() and len(line) > 1
                    lines.append(line + "-" if hyphenated else line)
                    line, used = "", 0.0
                line, used = line + char, used + char_width
    if line or not lines:
        lines.append(line)
    return lines


# Where a long word may break without a hyphen: after a slash, a dash or an underscore.
_BREAK_AFTER = re.compile(r"(?<=[/\\\-–—_])(?=.)")


def _ideographic(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


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
class Node:
    """A node of the drawing: its attributes and size (points); `_place` gives its position."""

    name: str
    attrs: dict[str, str | float]
    width: float
    height: float
    x: float = 0.0  # left edge, once placed
    y: float = 0.0  # top edge, top-down


@dataclass
class Row:
    """One row of the grid: the label column first, then one node per phase."""

    nodes: list[Node]
    card_heights: list[list[float]] = field(default_factory=list)  # per phase, per card
    background: Node | None = None  # a lane's band, drawn under its cells and gutters


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
        # nop2: every node and every link is placed here (`_place`, `_route`); Graphviz only
        # draws. dot's own routing sent links along lane borders and across each other.
        f'  graph [layout=nop2 pad=0.3 bgcolor=white fontname="{FONT}" labelloc=t labeljust=l '
        f"outputorder=nodesfirst];",
        f'  node [fontname="{FONT}" shape=box style="filled,rounded" penwidth=1 margin=0];',
        # Attributes some edges set are declared for all first: dot 2.43 misreads them otherwise.
        f'  edge [fontname="{FONT}" arrowsize=0.7 arrowtail=none dir=forward];',
        f"  label=<{_heading(blueprint, labels, team_colours)}>;",
    ]
    rows: list[Row] = []
    header = Row([Node("corner", {"style": "invis", "label": ""}, LABEL_W, 0)])
    for c, phase in enumerate(phases):
        name = wrap(f"{c + 1}. {clean(phase.name)}", CELL_W - 16, 11, bold=True)
        attrs = {
            "label": f'<FONT POINT-SIZE="11" COLOR="white"><B>{multiline(name)}</B></FONT>',
            "fillcolor": INK,
            "color": INK,
        }
        header.nodes.append(Node(f"h{c}", attrs, CELL_W, len(name) * line_height(11) + 14))
    rows.append(header)
    previous_band = ""
    lane_rows: list[int] = []
    card_spans: dict[int, tuple[int, float, float]] = {}  # step: (row, top, bottom) in its row
    for r, lane in enumerate(lanes):
        if previous_band and lane.band != previous_band:
            for line in lines_between(previous_band, lane.band):
                rows.append(_rule_row(line, labels[f"line.{line}"], len(phases)))
        previous_band = lane.band
        lane_rows.append(len(rows))
        row = _lane_row(r, lane, cells[r], labels, code, team_colours, url)
        rows.append(row)
        top = float(CARD_GAP)
        for c, steps in enumerate(cells[r]):
            top = float(CARD_GAP)
            for step, height in zip(steps, row.card_heights[c], strict=True):
                card_spans[step.id] = (len(rows) - 1, top, top + height)
                top += height + CARD_GAP
    place = {
        step.id: (*where[step.id], i)
        for row in cells
        for cell in row
        for i, step in enumerate(cell)
    }
    # In the order of where they run, not of their ids: tracks and labels are handed out in
    # this order, so the same content is drawn the same whatever ids a database gave it.
    drawn_links = sorted(
        (
            link
            for link in blueprint.links
            if link.source in where and link.target in where and link.source != link.target
        ),
        key=lambda link: (place[link.source], place[link.target], link.kind, clean(link.label)),
    )
    routes = [_plan_route(link, where, cells, lane_rows) for link in drawn_links]
    _choose_ways(routes, where, lane_rows)
    _assign_ports(routes, where)
    link_labels = [_link_label(link) for link in drawn_links]
    for route, (lines, _) in zip(routes, link_labels, strict=True):
        route.label_h = len(lines) * line_height(SMALL_PT) if lines else 0.0
        route.label_w = max((text_width(line, SMALL_PT) for line in lines), default=0.0)
    grid = _place(rows, routes, card_spans)
    for row in rows:
        out.extend(_node(node.name, node.attrs | grid.pos(node)) for node in row.nodes)
    placed: list[tuple[float, float, float, float]] = []
    for link, route, label in zip(drawn_links, routes, link_labels, strict=True):
        out.append(_link_edge(link, route, grid, where, labels, label, placed))
    out.append("}")
    return "\n".join(out) + "\n"


# --- the order of a global blueprint's lanes --------------------------------------------------
#
# The merge orders the lanes of a band by where the teams put them; lanes that no team puts
# before another tie, and the merge breaks ties by keys that hold actor ids, so the same content
# merged on another database drew other rows and other crossings (1.27-1.51 per link on the
# demo). After each merge, `merging.arrange_lanes` stores the lanes of a global blueprint in
# the order `arranged_lanes` gives from content only: by name, then by the barycentre of the
# lanes their links reach, then swapping two lanes of a band while that takes straight lines
# between the cards across fewer others (within SWAP_BUDGET). The drawing, like the board,
# follows the stored order, so a lane the facilitator moves by hand moves in both.

# Pairs of links the swaps may compare in all (under 0.1 s): a busy global blueprint keeps the
# swaps made by then. A count, not a clock, so the outcome depends on the content alone.
SWAP_BUDGET = 120_000


def arranged_lanes(
    lanes: Sequence[LaneData],
    phases: Sequence[PhaseData],
    steps: Sequence[StepData],
    links: Sequence[LinkData],
) -> list[LaneData]:
    """The lanes in canonical band order, each band's lanes ordered so that its links cross
    few others; the same content gives the same order whatever its ids."""
    band_rank = {band: index for index, band in enumerate(BANDS)}
    order = sorted(
        lanes,
        key=lambda lane: (band_rank[lane.band], clean(lane.name).casefold(), clean(lane.actor)),
    )
    lane_ids = {lane.id for lane in lanes}
    column = {phase.id: index for index, phase in enumerate(phases)}
    lane_of, place_in_cell, filled = {}, {}, {}
    for step in steps:
        if step.lane in lane_ids and step.phase in column:
            cell = (step.lane, step.phase)
            lane_of[step.id] = step.lane
            place_in_cell[step.id] = filled.get(cell, 0)
            filled[cell] = place_in_cell[step.id] + 1
    ends = [
        (link.source, link.target)
        for link in links
        if link.source in lane_of and link.target in lane_of and link.source != link.target
    ]
    reached: dict[int, list[int]] = {}  # lane: the lanes its links reach
    for source, target in ends:
        if lane_of[source] != lane_of[target]:
            reached.setdefault(lane_of[source], []).append(lane_of[target])
            reached.setdefault(lane_of[target], []).append(lane_of[source])
    for _ in range(4):
        row = {lane.id: index for index, lane in enumerate(order)}

        def barycentre(lane: LaneData, row: dict[int, int] = row) -> tuple[int, float]:
            others = reached.get(lane.id)
            centre = sum(row[o] for o in others) / len(others) if others else row[lane.id]
            return band_rank[lane.band], centre

        order = sorted(order, key=barycentre)  # stable: ties keep the order by name

    step_phase = {step.id: step.phase for step in steps}
    touching: dict[int, list[int]] = {}  # lane: the links with an end in it
    for index, pair in enumerate(ends):
        for lane in {lane_of[s] for s in pair}:
            touching.setdefault(lane, []).append(index)

    def segment(index: int, row: dict[int, int]) -> tuple[Point, Point]:
        a, b = (
            (column[step_phase[s]] * 10.0, row[lane_of[s]] * 10.0 + place_in_cell[s] * 2.0)
            for s in ends[index]
        )
        return a, b

    def crossings(segments: list[tuple[Point, Point]], moved: list[int]) -> int:
        """Crossings of the `moved` links with every link (each pair once): a swap of two
        lanes changes only the crossings of the links that end in them."""
        mine = set(moved)
        count = 0
        for a in moved:
            p1, p2 = segments[a]
            left, right = min(p1[0], p2[0]), max(p1[0], p2[0])
            top, bottom = min(p1[1], p2[1]), max(p1[1], p2[1])
            for b, (q1, q2) in enumerate(segments):
                if (b in mine and b >= a) or p1 in (q1, q2) or p2 in (q1, q2):
                    continue
                if max(q1[0], q2[0]) <= left or min(q1[0], q2[0]) >= right:
                    continue  # side by side: they cannot cross
                if max(q1[1], q2[1]) <= top or min(q1[1], q2[1]) >= bottom:
                    continue
                count += _segments_cross(p1, p2, q1, q2)
        return count

    budget = SWAP_BUDGET
    improved = True
    while improved and budget > 0:
        improved = False
        row = {lane.id: index for index, lane in enumerate(order)}
        segments = [segment(index, row) for index in range(len(ends))]
        for i in range(len(order)):
            for j in range(i + 1, len(order)):
                if order[i].band != order[j].band:
                    continue
                moved = sorted({*touching.get(order[i].id, []), *touching.get(order[j].id, [])})
                cost = 2 * len(moved) * len(ends)
                if not moved or cost > budget:
                    continue
                budget -= cost
                swapped = row | {order[i].id: j, order[j].id: i}
                after = list(segments)
                for index in moved:
                    after[index] = segment(index, swapped)
                if crossings(after, moved) < crossings(segments, moved):
                    order = order[:]
                    order[i], order[j] = order[j], order[i]
                    row, segments, improved = swapped, after, True
    return order


def _segments_cross(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    def side(a: Point, b: Point, c: Point) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    return side(q1, q2, p1) * side(q1, q2, p2) < 0 and side(p1, p2, q1) * side(p1, p2, q2) < 0


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
        # exactly (with a shorter label, dot would misplace the cards).
        filler = height - (sum(h for _, h in cell) + CARD_GAP * (len(cell) + 2))
        inner = "".join(f"<TR>{html_}</TR>" for html_, _ in cell)
        drawn.append(
            f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="{CARD_GAP}" CELLPADDING="0">{inner}'
            f'<TR><TD FIXEDSIZE="TRUE" WIDTH="{CARD_W}" HEIGHT="{filler:.1f}"></TD></TR></TABLE>'
        )
    common = {"fillcolor": fill}
    nodes = [
        Node(f"l{r}", {"label": label, "color": accent, "penwidth": 1.5} | common, LABEL_W, height)
    ]
    for c, table in enumerate(drawn):
        attrs = {"label": table, "color": fill} | common
        nodes.append(Node(f"c{r}_{c}", attrs, CELL_W, height))
    band = Node(f"b{r}", {"label": "", "color": fill, "style": "filled"} | common, 0, height)
    return Row(nodes, [[h for _, h in cell] for cell in cards], band)


def _rule_row(line: str, text: str, phases: int) -> Row:
    """A dashed rule across the whole drawing, its name at the left."""
    rule = (
        'BORDER="2" SIDES="T" STYLE="dashed" COLOR="#7b8499" CELLBORDER="0" CELLSPACING="0" '
        'CELLPADDING="0"'
    )
    label = (
        f'<TABLE {rule}><TR><TD ALIGN="LEFT" VALIGN="TOP" WIDTH="{LABEL_W + GUTTER}" '
        f'HEIGHT="{RULE_H}" CELLPADDING="4"><FONT POINT-SIZE="{SMALL_PT}" COLOR="#4a5470"><B>'
        f"{esc(text.upper())}</B></FONT></TD></TR></TABLE>"
    )
    name = f"r{line}"
    plain = {"shape": "plain", "style": ""}
    nodes = [Node(f"{name}_l", plain | {"label": label}, LABEL_W + GUTTER, RULE_H)]
    for c in range(phases):
        # The segment's width is set when the gutters are known (`_place`).
        nodes.append(Node(f"{name}_{c}", plain | {"label": "rule"}, CELL_W, RULE_H))
    return Row(nodes)


def _rule_segment(width: float) -> str:
    rule = (
        'BORDER="2" SIDES="T" STYLE="dashed" COLOR="#7b8499" CELLBORDER="0" CELLSPACING="0" '
        'CELLPADDING="0"'
    )
    return f'<TABLE {rule}><TR><TD WIDTH="{width:.0f}" HEIGHT="{RULE_H}"></TD></TR></TABLE>'


# --- routing links in the gutters ------------------------------------------------------------
#
# Columns are separated by vertical gutters (gutter c is left of phase c; the last one is right
# of the last phase) and rows by horizontal corridors (corridor i is above row i of the grid;
# the last one below the last row). A link leaves its card by a side, runs along gutters and at
# most one corridor, and enters its target card by a side: never through a card or a header.
# Links that share a gutter or corridor get parallel tracks; links whose spans do not overlap
# share a track, so a gutter is only as wide as the links that pass at once.

ARROW = 7.0  # arrowsize 0.7 of Graphviz's 10 points
TRACK = 5.0  # between parallel links
EMPTY_CORRIDOR = 6.0  # between two rows when no link runs along
MOST_TO_ORDER = 120  # stretches in one gutter beyond which they are not reordered
CHANNEL_PAD = 7.0  # between the outer tracks and the cards
LABEL_ROOM = 3.0  # between a label and its line


@dataclass
class Route:
    """Where a link runs: the sides it leaves and enters by, and the gutters/corridor it uses."""

    source: int  # step ids
    target: int
    out_side: str  # "e", "w", "s" (down), "n" (up)
    in_side: str
    gutters: list[int]  # one or two gutters (first after leaving, last before entering)
    corridor: int | None  # the corridor of the horizontal stretch, when there is one
    tracks: dict[int, int] = field(default_factory=dict)  # per gutter
    corridor_track: int = 0
    label_h: float = 0.0
    label_w: float = 0.0
    label_corridor: int | None = None  # where the label of a link without a corridor sits
    out_port: int = 0  # the how-many-th link on its side of its card
    in_port: int = 0


def _plan_route(
    link: LinkData,
    where: Mapping[int, tuple[int, int]],
    cells: list[list[list[StepData]]],
    lane_rows: list[int],
) -> Route:
    (r1, c1), (r2, c2) = where[link.source], where[link.target]
    order1 = [s.id for s in cells[r1][c1]].index(link.source)
    order2 = [s.id for s in cells[r2][c2]].index(link.target)
    if c1 == c2:
        below = r2 > r1 or (r1 == r2 and order2 > order1)
        first, last = (order1, order2) if below else (order2, order1)
        top_r, bottom_r = (r1, r2) if below else (r2, r1)
        between = top_r != bottom_r and (
            first == len(cells[top_r][c1]) - 1
            and last == 0
            and all(not cells[r][c1] for r in range(top_r + 1, bottom_r))
        )
        if between:  # nothing but the gap between them: straight down (or up)
            return Route(link.source, link.target, *("sn" if below else "ns"), [], None)
        return Route(link.source, link.target, "e", "e", [c1 + 1], None)
    if c2 > c1:
        gutters = [c1 + 1] if c2 == c1 + 1 else [c1 + 1, c2]
        sides = ("e", "w")
    else:
        gutters = [c1] if c2 == c1 - 1 else [c1, c2 + 1]
        sides = ("w", "e")
    corridor = None
    if len(gutters) == 2:
        # The corridor just above the lower of the two rows: nearest both ends.
        corridor = lane_rows[max(r1, r2)] if r1 != r2 else lane_rows[r1]
    return Route(link.source, link.target, *sides, gutters, corridor)


@dataclass
class Grid:
    """Where `_place` put the columns, rows, cards and each link's tracks."""

    gutter_x: list[float]  # left edge of each gutter
    column_x: list[float]  # left edge of each phase column
    row_y: list[float]  # top of each row
    corridor_y: list[float]  # top of each corridor
    card_spans: dict[int, tuple[int, float, float]]
    height: float
    label_room: dict[int, float] = field(default_factory=dict)  # per corridor
    right: float = 0.0  # of the last gutter

    def cut_lines(self) -> list[float]:
        """The middles of the gutters: where the book may cut the drawing between phases."""
        ends = [*self.column_x, self.right]
        return [(g + end) / 2 for g, end in zip(self.gutter_x, ends, strict=True)]

    def pos(self, node: Node) -> dict[str, str]:
        cx, cy = node.x + node.width / 2, self.height - (node.y + node.height / 2)
        if node.attrs.get("shape") == "plain":  # sized by its table
            return {"pos": f"{cx:.1f},{cy:.1f}"}
        return {
            "pos": f"{cx:.1f},{cy:.1f}",
            "width": inches(node.width),
            "height": inches(node.height),
            "fixedsize": "true",
        }

    def card_y(self, step: int, side: str, port: int) -> float:
        """Where a link leaves or enters a card's side: spread down the card, one per link."""
        row, top, bottom = self.card_spans[step]
        y0 = self.row_y[row]
        if side == "s":
            return y0 + bottom
        if side == "n":
            return y0 + top
        return y0 + min(top + 16 + 9 * port, max(top + 16, bottom - 8))

    def card_x(self, column: int, side: str, port: int) -> float:
        left = self.column_x[column] + (CELL_W - CARD_W) / 2
        if side == "e":
            return left + CARD_W
        if side == "w":
            return left
        return left + CARD_W / 2 + (port - 1) * 12

    def gutter_track(self, gutter: int, track: int) -> float:
        return self.gutter_x[gutter] + CHANNEL_PAD + track * TRACK

    def corridor_track(self, corridor: int, track: int) -> float:
        return (
            self.corridor_y[corridor]
            + self.label_room.get(corridor, 0.0)
            + CHANNEL_PAD
            + (track * TRACK)
        )


def _tracks(spans: list[tuple[float, float, int]]) -> dict[int, int]:
    """Greedy interval colouring: each span's track, shared by spans that do not overlap."""
    ends: list[float] = []
    assigned = {}
    for low, high, key in sorted(spans):
        for track, end in enumerate(ends):
            if end + TRACK < low:
                ends[track] = high
                assigned[key] = track
                break
        else:
            assigned[key] = len(ends)
            ends.append(high)
    return assigned


@dataclass
class _Stretch:
    """A link's vertical stretch in one gutter, and where it turns off at both ends."""

    low: float
    high: float
    index: int
    ends: list[tuple[bool, float]]  # (turns to the right, y)


def _crossings_if_left(a: _Stretch, b: _Stretch) -> int:
    """How many times a and b cross when a runs left of b: b's turns to the left inside a's
    reach, and a's turns to the right inside b's."""
    return sum(1 for right, y in b.ends if not right and a.low < y < a.high) + sum(
        1 for right, y in a.ends if right and b.low < y < b.high
    )


def _gutter_tracks(
    spans: list[tuple[float, float, int]], routes: list[Route], gutter: int, grid: "Grid"
) -> dict[int, int]:
    """Tracks in one gutter, ordered so that links cross as few others as can be.

    Two stretches cross only where one turns off towards the other inside its reach, so the
    cost of an order is the sum over pairs: a linear ordering, improved by moving one stretch
    at a time to its best place. Stretches that do not overlap then share tracks.
    """
    stretches = []
    for low, high, index in spans:
        route = routes[index]
        ys = _route_ys(route, index, grid)
        ends = []
        for end in range(2):
            own = route.gutters[0] if end == 0 else route.gutters[-1]
            if own == gutter:  # the end at a card
                side = route.out_side if end == 0 else route.in_side
                ends.append((side == "w", ys[end]))
            else:  # the corridor's end: towards the route's other gutter
                ends.append((own > gutter, ys[2]))
        stretches.append(_Stretch(low, high, index, ends))
    order = sorted(
        stretches,
        key=lambda s: (sum(1 if right else -1 for right, _ in s.ends), s.high - s.low),
    )
    n = len(order)
    if n > MOST_TO_ORDER:  # the pairs grow as the square: a very busy gutter keeps its sort
        return _stacked(order)
    # Only overlapping stretches can cross: the others cost nothing either way.
    cost: dict[tuple[int, int], int] = {}
    for a in order:
        for b in order:
            if a is not b and a.low < b.high and b.low < a.high:
                cost[(a.index, b.index)] = _crossings_if_left(a, b)
    for _ in range(4):  # rarely more than two or three rounds before nothing improves
        improved = False
        for i in range(n):
            moving = order[i]
            rest = order[:i] + order[i + 1 :]
            # The cost of each place, from the first to the last, one step at a time.
            total = sum(cost.get((moving.index, x.index), 0) for x in rest)
            best, best_at, current = total, 0, total if i == 0 else None
            for at, x in enumerate(rest, start=1):
                total += cost.get((x.index, moving.index), 0) - cost.get((moving.index, x.index), 0)
                if at == i:
                    current = total
                if total < best:
                    best, best_at = total, at
            if best_at != i and current is not None and best < current:
                order = rest[:best_at] + [moving] + rest[best_at:]
                improved = True
        if not improved:
            break
    return _stacked(order)


def _stacked(order: list[_Stretch]) -> dict[int, int]:
    """Tracks in the given order, left to right; stretches that do not overlap share one."""
    tracks: dict[int, int] = {}
    for i, stretch in enumerate(order):
        before = [
            tracks[other.index]
            for other in order[:i]
            if not (stretch.high + TRACK < other.low or other.high + TRACK < stretch.low)
        ]
        tracks[stretch.index] = max(before, default=-1) + 1
    return tracks


def _width_of(tracks: Iterable[int]) -> float:
    return 2 * CHANNEL_PAD + max(tracks, default=-1) * TRACK + TRACK


def _place(
    rows: list[Row], routes: list[Route], card_spans: dict[int, tuple[int, float, float]]
) -> Grid:
    """Positions for every node and track: columns as wide as their cells, gutters and
    corridors as wide as the links running in them at once."""
    phases = len(rows[0].nodes) - 1
    # Rows first (corridor heights need tracks, whose spans need x — but only their order,
    # which the column index already gives).
    corridor_spans: dict[int, list[tuple[float, float, int]]] = {}
    for index, route in enumerate(routes):
        if route.corridor is not None:
            low, high = sorted(route.gutters)
            corridor_spans.setdefault(route.corridor, []).append((low, high + 0.5, index))
    corridor_tracks = {c: _tracks(spans) for c, spans in corridor_spans.items()}
    for tracks in corridor_tracks.values():
        for index, track in tracks.items():
            routes[index].corridor_track = track
    label_room: dict[int, float] = {}
    for route in routes:
        if route.label_h and route.corridor is None:
            # A label beside a vertical stretch sits in a corridor it passes, on white.
            a, b = sorted((card_spans[route.source][0], card_spans[route.target][0]))
            if a < b:
                route.label_corridor = (a + 1 + b) // 2
        corridor = route.corridor if route.corridor is not None else route.label_corridor
        if corridor is not None and route.label_h:
            room = route.label_h + LABEL_ROOM
            label_room[corridor] = max(label_room.get(corridor, 0.0), room)
    y = 0.0
    row_y, corridor_y = [], []
    for i, row in enumerate(rows):
        corridor_y.append(y)
        if i:
            tracks = corridor_tracks.get(i, {}).values()
            # An empty corridor is a thin white line between two bands.
            y += (_width_of(tracks) if tracks else EMPTY_CORRIDOR) + label_room.get(i, 0)
        row_y.append(y)
        for node in row.nodes:
            node.y = y
        y += max(node.height for node in row.nodes)
    corridor_y.append(y)
    y += _width_of(corridor_tracks.get(len(rows), {}).values())
    height = y
    # Then the gutters: a link's vertical stretch in a gutter spans from its card (or
    # corridor) to its other card (or corridor).
    grid = Grid([], [], row_y, corridor_y, card_spans, height, label_room)
    gutter_spans: dict[int, list[tuple[float, float, int]]] = {}
    for index, route in enumerate(routes):
        for g in route.gutters:
            gutter_spans.setdefault(g, []).append((*_gutter_span(route, index, grid), index))
    gutter_tracks = {g: _gutter_tracks(spans, routes, g, grid) for g, spans in gutter_spans.items()}
    for g, tracks in gutter_tracks.items():
        for index, track in tracks.items():
            routes[index].tracks[g] = track
    x = 0.0
    label_node = rows[0].nodes[0]
    for row in rows:
        row.nodes[0].x = 0.0
    x = max(row.nodes[0].width for row in rows if not row.nodes[0].name.startswith("r"))
    x = max(x, label_node.width)
    for c in range(phases + 1):
        grid.gutter_x.append(x)
        x += max(GUTTER * 0.6, _width_of(gutter_tracks.get(c, {}).values()))
        if c < phases:
            grid.column_x.append(x)
            x += CELL_W
    grid.right = x
    for row in rows:
        for c, node in enumerate(row.nodes[1:]):
            node.x = grid.column_x[c]
            if node.attrs.get("label") == "rule":
                # The dashed rule runs on through the gutter after its column.
                node.x = grid.gutter_x[c]
                node.width = grid.gutter_x[c + 1] - grid.gutter_x[c]
                node.attrs["label"] = _rule_segment(node.width)
        if row.background is not None:
            row.background.x, row.background.y = LABEL_W, row.nodes[0].y
            row.background.width = x - LABEL_W
            row.nodes.insert(0, row.background)
    for node in (n for row in rows for n in row.nodes):
        if node.name.startswith("r") and node.name.endswith("_l"):
            node.x = 0.0
    return grid


def _gutter_span(route: Route, index: int, grid: Grid) -> tuple[float, float]:
    """The vertical reach of a route in its gutters (top-down), before x is known."""
    ys = [route_y for route_y in _route_ys(route, index, grid)]
    return min(ys), max(ys)


def _route_ys(route: Route, index: int, grid: Grid) -> list[float]:
    ys = [
        grid.card_y(route.source, route.out_side, route.out_port),
        grid.card_y(route.target, route.in_side, route.in_port),
    ]
    if route.corridor is not None:
        ys.append(grid.corridor_track(route.corridor, route.corridor_track))
    return ys


def _assign_ports(routes: list[Route], where: Mapping[int, tuple[int, int]]) -> None:
    """Links on one side of one card leave (or enter) it one below the other, in the order of
    where they go, so they do not cross on their way out."""
    sides: dict[tuple[int, str], list[tuple[tuple[int, int], Route, bool]]] = {}
    for route in routes:
        sides.setdefault((route.source, route.out_side), []).append(
            (where[route.target], route, True)
        )
        sides.setdefault((route.target, route.in_side), []).append(
            (where[route.source], route, False)
        )
    for ends in sides.values():
        for port, (_, route, leaving) in enumerate(sorted(ends, key=lambda end: end[0])):
            if leaving:
                route.out_port = port
            else:
                route.in_port = port


def _link_label(link: LinkData) -> tuple[list[str], str]:
    text = clean(link.label)
    return (shorten(wrap(text, 110, SMALL_PT), 3) if text else []), text


def _route_points(route: Route, grid: Grid, where: Mapping[int, tuple[int, int]]) -> list[Point]:
    """The corners of a link's line, top-down points, from its card to its target's."""
    (_, c1), (_, c2) = where[route.source], where[route.target]
    start = (
        grid.card_x(c1, route.out_side, route.out_port),
        grid.card_y(route.source, route.out_side, route.out_port),
    )
    end = (
        grid.card_x(c2, route.in_side, route.in_port),
        grid.card_y(route.target, route.in_side, route.in_port),
    )
    if not route.gutters:
        return [start, (start[0], end[1])]
    points = [start]
    first = grid.gutter_track(route.gutters[0], route.tracks[route.gutters[0]])
    points.append((first, start[1]))
    if route.corridor is not None:
        y = grid.corridor_track(route.corridor, route.corridor_track)
        last = grid.gutter_track(route.gutters[-1], route.tracks[route.gutters[-1]])
        points += [(first, y), (last, y), (last, end[1])]
    else:
        points.append((first, end[1]))
    points.append(end)
    return points


def _spline(points: list[Point], grid: Grid, head: bool, tail: bool) -> str:
    """A Graphviz edge `pos`: straight cubic pieces through `points`, arrow ends cut back."""
    points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]

    def back(tip: Point, towards: Point) -> Point:
        dx, dy = towards[0] - tip[0], towards[1] - tip[1]
        length = max((dx * dx + dy * dy) ** 0.5, 1e-6)
        step = min(ARROW, length * 0.8)
        return tip[0] + dx / length * step, tip[1] + dy / length * step

    line = list(points)
    prefix = []  # dot 2.43 reads the start before the end, whatever the documentation says
    if tail:
        prefix.append(("s", points[0]))
        line[0] = back(points[0], points[1])
    if head:
        prefix.append(("e", points[-1]))
        line[-1] = back(points[-1], points[-2])
    cubic = [line[0]]
    for p, q in zip(line, line[1:], strict=False):
        cubic += [p, q, q]

    def fmt(p: Point) -> str:
        return f"{p[0]:.1f},{grid.height - p[1]:.1f}"

    return " ".join([*(f"{k},{fmt(p)}" for k, p in prefix), *(fmt(p) for p in cubic)])


def _label_place(
    route: Route,
    points: list[Point],
    grid: Grid,
    placed: list[tuple[float, float, float, float]],
) -> Point:
    """The centre of a link's label: in its corridor above its horizontal stretch, else beside
    its longest stretch; moved along so it does not cover a label placed before."""
    w, h = route.label_w + 4, route.label_h + 2
    line_x: float | None = None  # of a vertical line the label sits beside
    if route.corridor is not None:
        (x1, y), (x2, _) = points[2], points[3]
        x, y = (x1 + x2) / 2, y - CHANNEL_PAD - h / 2
        slide = (1.0, 0.0)
    elif route.label_corridor is not None:
        vertical = [(a, b) for a, b in zip(points, points[1:], strict=False) if a[0] == b[0]]
        line_x = max(vertical, key=lambda ab: abs(ab[0][1] - ab[1][1]))[0][0]
        x = line_x + LABEL_ROOM + w / 2
        y = grid.corridor_y[route.label_corridor] + CHANNEL_PAD / 2 + h / 2
        slide = (1.0, 0.0)
    else:
        pieces = list(zip(points, points[1:], strict=False))
        (ax, ay), (bx, by) = max(
            pieces, key=lambda ab: abs(ab[0][0] - ab[1][0]) + abs(ab[0][1] - ab[1][1])
        )
        if ax == bx:  # vertical: beside it
            line_x = ax
            x, y = ax + LABEL_ROOM + w / 2, (ay + by) / 2
            slide = (0.0, 1.0)
        else:  # horizontal: above it
            x, y = (ax + bx) / 2, ay - LABEL_ROOM - h / 2
            slide = (1.0, 0.0)
    # Beside the line on either side, or slid along it a little: the first place free of the
    # labels placed before and of the middles of the gutters (where the book cuts between
    # phases), else the first (a label never strays from its line).
    cuts = grid.cut_lines()
    flip = (2 * line_x - x) if line_x is not None else x
    if route.corridor is not None:  # whole in one column's span, above the stretch
        inside = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if a <= x <= b]
        if inside:
            a, b = inside[0]
            x = min(max(x, a + w / 2 + 1), b - w / 2 - 1)
    candidates = [(x, y), (flip, y)] + [
        (x + slide[0] * step, y + slide[1] * step) for step in (-8, 8, -16, 16, -24, 24)
    ]
    crossing_a_cut = [
        (cx, cy) for cx, cy in candidates if any(cx - w / 2 < c < cx + w / 2 for c in cuts)
    ]
    candidates = [c for c in candidates if c not in crossing_a_cut] + crossing_a_cut
    for cx, cy in candidates:
        box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        if not any(
            box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]
            for other in placed
        ):
            x, y = cx, cy
            break
    placed.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    return x, y


def _link_edge(
    link: LinkData,
    route: Route,
    grid: Grid,
    where: Mapping[int, tuple[int, int]],
    labels: dict[str, str],
    label: tuple[list[str], str],
    placed: list[tuple[float, float, float, float]],
) -> str:
    (r1, c1), (r2, c2) = where[link.source], where[link.target]
    style = LINK_STYLES.get(link.kind, LINK_STYLES["handoff"])
    attrs = [f'{key}="{value}"' for key, value in style.items()]
    lines, text = label
    kind = labels.get(f"link.{link.kind}", link.kind)
    attrs.append(f"tooltip={quoted(kind + (': ' + text if text else ''))}")
    points = _route_points(route, grid, where)
    attrs.append(f'pos="{_spline(points, grid, True, style.get("dir") == "both")}"')
    if lines:
        # On white, so a label that crosses a card or a line stays legible.
        attrs.append(
            f'label=<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="1" CELLSPACING="0" '
            f'BGCOLOR="white"><TR><TD><FONT POINT-SIZE="{SMALL_PT}" COLOR="{style["color"]}">'
            f"{multiline(lines)}</FONT></TD></TR></TABLE>>"
        )
        x, y = _label_place(route, points, grid, placed)
        attrs.append(f'lp="{x:.1f},{grid.height - y:.1f}"')
    attrs.append(f'id="link-{link.source}-{link.target}"')
    return f"  c{r1}_{c1} -> c{r2}_{c2} [{' '.join(attrs)}];"


def _choose_ways(
    routes: list[Route], where: Mapping[int, tuple[int, int]], lane_rows: list[int]
) -> None:
    """Pick, for each link, the corridor (and for a link within one column, the gutter) that
    makes its vertical stretches pass the fewest places where other links meet their cards:
    every such place a stretch passes is a crossing. A choice moves the places others pass,
    so the choices are made again until none changes (on the demo's global blueprint: 68
    crossing pairs after two rounds, 57 when none changes, after six)."""
    for _ in range(8):
        stubs: dict[int, list[int]] = {}
        for route in routes:
            if route.gutters:
                stubs.setdefault(route.gutters[0], []).append(lane_rows[where[route.source][0]])
                stubs.setdefault(route.gutters[-1], []).append(lane_rows[where[route.target][0]])
        for rows in stubs.values():
            rows.sort()
        before = [(route.corridor, route.gutters) for route in routes]

        def passed(gutter: int, a: float, b: float, stubs: dict[int, list[int]] = stubs) -> int:
            rows = stubs.get(gutter, [])
            low, high = min(a, b), max(a, b)
            return max(0, bisect.bisect_left(rows, high) - bisect.bisect_right(rows, low))

        for route in routes:
            (r1, c1), (r2, _) = where[route.source], where[route.target]
            a, b = lane_rows[r1], lane_rows[r2]
            if route.corridor is not None:
                if a != b:
                    candidates = list(range(min(a, b) + 1, max(a, b) + 1))
                else:
                    candidates = [a, a + 1]
                g1, g2 = route.gutters
                costs = [
                    (passed(g1, a, k - 0.5) + passed(g2, k - 0.5, b), abs(k - max(a, b)), k)
                    for k in candidates
                ]
                route.corridor = min(costs)[2]
            elif route.out_side == route.in_side and route.gutters:
                right = passed(c1 + 1, a, b)
                left = passed(c1, a, b)
                if left < right:
                    route.out_side = route.in_side = "w"
                    route.gutters = [c1]
                else:
                    route.out_side = route.in_side = "e"
                    route.gutters = [c1 + 1]
        if before == [(route.corridor, route.gutters) for route in routes]:
            break
