"""The report's colours: the UK Government Analysis Function categorical palette, and the
WCAG contrast arithmetic that the chart contract and the toolkit's action colours are
checked with (decision D29).

Colours are a presentation rule, not a toolkit number, so they live here rather than in
toolkit.yaml; an action's ``colour`` in toolkit.yaml must be one of them.
"""

from __future__ import annotations

# In the Analysis Function's order: dark blue, turquoise, dark pink, orange, dark grey,
# light purple. Each has at least 3:1 contrast against white.
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
BACKGROUND = "#FFFFFF"
TEXT = "#0B0C0C"  # GOV.UK text black
MIN_GRAPHIC_CONTRAST = 3.0  # WCAG 2.1 SC 1.4.11, non-text contrast
MIN_TEXT_CONTRAST = 4.5  # WCAG 2.1 SC 1.4.3, text


def _channel(value: float) -> float:
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str | tuple[float, ...]) -> float:
    """WCAG 2.1 relative luminance of "#RRGGBB" or an RGB(A) tuple of 0-1 floats."""
    if isinstance(colour, str):
        code = colour.lstrip("#")
        rgb = tuple(int(code[i : i + 2], 16) / 255 for i in (0, 2, 4))
    else:
        rgb = tuple(colour[:3])
    red, green, blue = (_channel(c) for c in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str | tuple[float, ...], second: str | tuple[float, ...]) -> float:
    """WCAG contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)))[::-1]
    return (lighter + 0.05) / (darker + 0.05)


def in_palette(colour: str) -> bool:
    """Whether a "#RRGGBB" colour is one of the palette's (any letter case)."""
    return colour.upper() in PALETTE
