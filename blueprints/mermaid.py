"""A blueprint's customer journey as a Mermaid `journey` diagram: plain data in, text out.

Sections are the phases, left to right; tasks are the steps of the customer band's lanes in
each phase (lane by lane, in their order), scored 1–5 from the step's emotion (−2…+2); a task's
actors are its lane (in the reader's language) and the step's own actor when it has one.

Mermaid's journey grammar ends a name at `:`, `#`, `;` or a line break, reads `%%` as the
start of a comment and a line starting with `title`, `section` or `journey` as a keyword. Names
keep their meaning through look-alike characters instead (tests/test_mermaid.py has Mermaid's
own parser read what comes out).
"""

import re

from blueprints.layout import BlueprintData, LaneData, StepData, clean, language_of

CONTENT_TYPE = "text/vnd.mermaid; charset=utf-8"

# Look-alikes: the modifier letter colon, full-width number sign and semicolon.
_LOOK_ALIKES = str.maketrans({":": "\ua789", "#": "\uff03", ";": "\uff1b"})
_ACTOR_LOOK_ALIKES = str.maketrans({",": "\u201a"})  # a single low quotation mark
_KEYWORD = re.compile(r"(?i)^(title|section|journey|acc(title|descr)|%)")
WORD_JOINER = "\u2060"  # invisible; only stops a name from reading as a keyword


def safe_name(text: str) -> str:
    """One line Mermaid's journey grammar reads as plain text, never as syntax."""
    text = clean(text).translate(_LOOK_ALIKES).replace("%%", f"%{WORD_JOINER}%")
    if _KEYWORD.match(text):
        text = WORD_JOINER + text
    return text or "…"


def safe_actor(text: str) -> str:
    return safe_name(text).translate(_ACTOR_LOOK_ALIKES)


def score(emotion: int) -> int:
    """Mermaid's 1 (worst) … 5 (best) from the blueprint's −2 … +2."""
    return max(1, min(5, emotion + 3))


def lane_name(lane: LaneData, code: str) -> str:
    translations = lane.name_translations or {}
    return translations.get(code) or translations.get(code[:2]) or lane.name


def journey(data: BlueprintData, language: str = "en") -> str:
    code = language_of(language)
    customer_lanes = [lane for lane in data.lanes if lane.band == "customer"]
    steps_by_cell: dict[tuple[int, int], list[StepData]] = {}
    for step in data.steps:
        steps_by_cell.setdefault((step.lane, step.phase), []).append(step)
    lines = ["journey", f"  title {safe_name(data.title)}"]
    for phase in data.phases:
        lines.append(f"  section {safe_name(phase.name)}")
        for lane in customer_lanes:
            for step in steps_by_cell.get((lane.id, phase.id), []):
                actors = [safe_actor(lane_name(lane, code))]
                if step.actor and clean(step.actor) != clean(lane.actor):
                    actors.append(safe_actor(step.actor))
                lines.append(
                    f"    {safe_name(step.title)}: {score(step.emotion)}: {', '.join(actors)}"
                )
    return "\n".join(lines) + "\n"
