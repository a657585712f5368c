"""Run Graphviz on DOT source, with a cache keyed by content, and build the layout input.

A render is cached under the sha256 of (Graphviz version, format, DOT source): a blueprint that
has not changed is a file read, and any change to it changes the DOT, hence the key, so the next
render shows it. Nothing is ever invalidated by hand.
"""

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from blueprints.layout import (
    DRAWING_VERSION,
    BlueprintData,
    LaneData,
    LinkData,
    PhaseData,
    StepData,
    blueprint_dot,
    text_metrics_id,
)
from blueprints.models import Blueprint, Step

# Extra `dot` arguments per output format; they are part of the cache key. PNGs are sharp
# enough for slides (144 dpi) but never over 7920 pixels a side: a large global blueprint is
# scaled down rather than eat hundreds of megabytes.
FORMATS: dict[str, tuple[str, ...]] = {
    "svg": ("-Tsvg",),
    "png": ("-Tpng", "-Gdpi=144", "-Gsize=55,55"),
    "pdf": ("-Tpdf",),
}
CONTENT_TYPES = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz; charset=utf-8",
}
NO_GRAPHVIZ = "Graphviz (the `dot` program) is not installed on the server."
TOO_SLOW = "Graphviz took longer than {seconds:g} s to draw this; try again later."
FAILED = "Graphviz could not draw this: {reason}"

logger = logging.getLogger(__name__)


class RenderError(Exception):
    """Graphviz is missing, too slow or failed; the message is meant for people."""


def dot_program() -> str:
    found = shutil.which(settings.GRAPHVIZ_DOT)
    if found is None:
        raise RenderError(NO_GRAPHVIZ)
    return found


@lru_cache(maxsize=4)
def graphviz_version(program: str) -> str:
    try:
        done = subprocess.run([program, "-V"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RenderError(NO_GRAPHVIZ) from error
    return (done.stderr or done.stdout).decode(errors="replace").strip()


@lru_cache(maxsize=1)
def fonts_id() -> str:
    """Which fonts fontconfig offers (a hash of their files): part of every drawing's key, so a
    font installed later (the emoji font, say) is drawn with rather than its hex boxes kept."""
    try:
        done = subprocess.run(
            ["fc-list", "--format=%{file}\\n"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "no fontconfig"
    files = sorted(set(done.stdout.decode(errors="replace").splitlines()))
    return hashlib.sha256("\n".join(files).encode()).hexdigest()[:16]


def content_hash(dot_source: str, fmt: str) -> str:
    """The key of a render: it changes with the source, the format and Graphviz itself."""
    parts = [fmt]
    if fmt in FORMATS:  # drawn by Graphviz: another version or font may draw it differently
        parts += [graphviz_version(dot_program()), fonts_id(), *FORMATS[fmt]]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(dot_source.encode())
    return digest.hexdigest()


def drawing_key(data: BlueprintData, language: str, fmt: str) -> str:
    """The key (and ETag) of a blueprint's drawing, from its plain data: no DOT is built.

    It changes with the data, the language, the format, Graphviz, the text metrics and the
    code that lays the drawing out (layout.DRAWING_VERSION), so an unchanged blueprint is a
    file read however large it is.
    """
    parts = [fmt, language, DRAWING_VERSION, text_metrics_id()]
    if fmt in FORMATS:
        parts += [graphviz_version(dot_program()), fonts_id(), *FORMATS[fmt]]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(repr(data).encode())
    return "d" + digest.hexdigest()[1:]


def drawing(data: BlueprintData, language: str, fmt: str, key: str | None = None) -> bytes:
    """The blueprint drawn as `fmt` (svg, png, pdf or its dot source), cached by `drawing_key`:
    a cached drawing is read without building its DOT source."""
    if fmt == "dot":
        return blueprint_dot(data, language).encode()
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}.")
    path = cache_path(key or drawing_key(data, language, fmt), fmt)
    try:
        drawn = path.read_bytes()
        os.utime(path)
        return drawn
    except FileNotFoundError:
        pass
    except OSError:
        logger.warning("Cannot read the render cache at %s", path, exc_info=True)
    drawn = run_dot(blueprint_dot(data, language), FORMATS[fmt])
    _keep(path, drawn)
    return drawn


def cache_path(key: str, fmt: str) -> Path:
    return Path(settings.RENDER_CACHE_DIR) / key[:2] / f"{key}.{fmt}"


def render(dot_source: str, fmt: str) -> bytes:
    """`dot_source` drawn as `fmt` (svg, png or pdf; dot gives the source back)."""
    if fmt == "dot":
        return dot_source.encode()
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}.")
    path = cache_path(content_hash(dot_source, fmt), fmt)
    try:
        drawn = path.read_bytes()
        os.utime(path)  # recently used: the last to be pruned
        return drawn
    except FileNotFoundError:
        pass
    except OSError:
        logger.warning("Cannot read the render cache at %s", path, exc_info=True)
    drawn = run_dot(dot_source, FORMATS[fmt])
    _keep(path, drawn)
    return drawn


def _keep(path: Path, drawn: bytes) -> None:
    try:
        cache_store(path, drawn)
        global _stored
        _stored += 1
        if _stored % PRUNE_EVERY == 0:
            cache_prune(settings.RENDER_CACHE_MAX_BYTES)
    except OSError:
        # A cache that cannot be written only costs speed: the drawing is still answered.
        logger.warning("Cannot write the render cache at %s", path, exc_info=True)


PRUNE_EVERY = 50  # renders stored between two looks at the cache's size
_stored = 0


def cache_prune(limit_bytes: int) -> int:
    """Delete the least recently used renders until the cache holds at most 80 % of the limit.

    Answers how many files went. Runs now and then after a store, so the cache never grows
    without bound however many blueprints are drawn.
    """
    root = Path(settings.RENDER_CACHE_DIR)
    files = []
    for path in root.glob("*/*"):
        try:
            stat = path.stat()
        except OSError:
            continue  # deleted meanwhile by another process
        files.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in files)
    if total <= limit_bytes:
        return 0
    removed = 0
    for _, size, path in sorted(files, key=lambda item: item[0]):
        if total <= limit_bytes * 0.8:
            break
        path.unlink(missing_ok=True)
        total -= size
        removed += 1
    return removed


def run_dot(dot_source: str, arguments: tuple[str, ...]) -> bytes:
    timeout = settings.RENDER_TIMEOUT
    try:
        done = subprocess.run(
            [dot_program(), *arguments],
            input=dot_source.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise RenderError(TOO_SLOW.format(seconds=timeout)) from error
    except OSError as error:
        raise RenderError(NO_GRAPHVIZ) from error
    if done.returncode != 0 or not done.stdout:
        messages = done.stderr.decode(errors="replace").strip().splitlines()
        errors = [line for line in messages if not line.startswith("Warning")] or messages
        raise RenderError(FAILED.format(reason=(errors or ["no output"])[0][:300]))
    return done.stdout


def cache_store(path: Path, content: bytes) -> None:
    """Write atomically: a concurrent reader sees the whole file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def blueprint_data(
    blueprint: Blueprint, url: str = "", language: str | None = None
) -> BlueprintData:
    """The plain layout input of a blueprint, in five queries whatever its size.

    `url` is the address of the blueprint's page, which the cards of the drawing link to.
    """
    phases = [PhaseData(p.pk, p.name) for p in blueprint.phases.order_by("position", "id")]
    lanes = [
        LaneData(
            lane.pk,
            lane.name,
            lane.band,
            lane.actor.name if lane.actor else "",
            lane.name_translations if isinstance(lane.name_translations, dict) else {},
        )
        for lane in blueprint.lanes.select_related("actor").order_by("position", "id")
    ]
    lane_actor = {lane.id: lane.actor for lane in lanes}
    teams: dict[int, list[str]] = {}
    if blueprint.kind == "global":
        provenance = Step.sources.through.objects.filter(from_step__blueprint=blueprint)
        for step_id, team in provenance.values_list(
            "from_step_id", "to_step__blueprint__team__name"
        ).order_by("to_step__blueprint__team__name"):
            if team and team not in teams.setdefault(step_id, []):
                teams[step_id].append(team)
    # Plain rows rather than model instances: a 500-step blueprint builds in a few ms.
    rows = blueprint.steps.order_by("position", "id").values_list(
        "id", "lane_id", "phase_id", "title", "kind", "channel__name", "actor__name",
        "emotion", "evidence", "data_captured", "data_recorded_in", "description",
    )  # fmt: skip
    steps = [
        StepData(
            id=pk,
            lane=lane,
            phase=phase,
            title=title,
            kind=kind,
            channel=channel or "",
            actor=actor if actor and actor != lane_actor.get(lane) else "",
            emotion=emotion,
            evidence=evidence,
            data_captured=data_captured,
            data_recorded_in=data_recorded_in,
            description=description,
            teams=tuple(teams.get(pk, ())),
        )
        for (
            pk,
            lane,
            phase,
            title,
            kind,
            channel,
            actor,
            emotion,
            evidence,
            data_captured,
            data_recorded_in,
            description,
        ) in rows  # fmt: skip
    ]
    links = [
        LinkData(source, target, kind, label)
        for source, target, kind, label in blueprint.links.order_by("id").values_list(
            "source_id", "target_id", "kind", "label"
        )
    ]
    return BlueprintData(
        title=blueprint.title_in(language),
        phases=phases,
        lanes=lanes,
        steps=steps,
        links=links,
        kind=blueprint.kind,
        team=blueprint.team.name if blueprint.team_id else "",
        url=url,
    )
