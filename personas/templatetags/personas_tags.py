"""Numbers for the persona pages' bars: CSS wants a dot, people want their own format."""

from typing import Any

from django import template

from personas.evidence import percent

register = template.Library()


@register.filter
def percent_width(share: Any) -> str:
    """A share (0–1) as a CSS percentage number, never localised (CSS needs the dot)."""
    try:
        return f"{max(0.0, min(1.0, float(share))) * 100:.1f}"
    except (TypeError, ValueError):
        return "0"


@register.filter
def css_number(value: Any) -> str:
    try:
        return f"{float(value):.1f}"
    except (TypeError, ValueError):
        return "0"


@register.filter
def as_percent(share: Any) -> str:
    try:
        return percent(float(share))
    except (TypeError, ValueError):
        return ""


@register.filter
def response_time(minutes: Any) -> str:
    from personas.book import response_time_text

    return response_time_text(minutes if isinstance(minutes, int) else None)
