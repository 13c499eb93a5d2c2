"""The committee paper's typeface: the PDF is set in Arial's widths, so that font must be there.

committee.css names Arial, then Liberation Sans (metrically the same as Arial), then DejaVu
Sans; fontconfig may also give Arimo, Arial's other metric twin, for Arial. The paper's wide
appendix tables (eleven columns on A4) are sized for Arial's widths: set in DejaVu Sans,
about an eighth wider, their last column runs off the page. A machine with none of them
falls back to DejaVu Sans without a word, so ``make report`` (its ``syslibs`` step) asks
fontconfig, as Pango does, which family "Arial" resolves to, and installs Liberation Sans
(Debian's ``fonts-liberation``) or names the apt line when it resolves to another
(decision D53).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

PAPER_FAMILY = "Arial"
METRIC_FAMILIES = ("Arial", "Liberation Sans", "Arimo")  # the same widths, glyph for glyph
FONT_APT_PACKAGE = "fonts-liberation"
FONT_APT_LINE = f"apt-get install -y {FONT_APT_PACKAGE}"
_FC_MATCH_PATTERN = 0  # FcMatchKind FcMatchPattern
_FC_RESULT_MATCH = 0  # FcResult FcResultMatch


def _fontconfig() -> ctypes.CDLL | None:
    """libfontconfig, which Pango (so WeasyPrint) matches fonts with; None when absent."""
    for name in (ctypes.util.find_library("fontconfig"), "libfontconfig.so.1"):
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                continue
    return None


def resolved_family(name: str) -> str | None:
    """The family fontconfig gives for a request of ``name``, as Pango would get it (an
    installed family, an alias's target such as Liberation Sans for Arial, or the default
    fallback); None when fontconfig cannot be loaded or matches nothing."""
    fc = _fontconfig()
    if fc is None:
        return None
    pointer = ctypes.c_void_p
    fc.FcInitLoadConfigAndFonts.restype = pointer
    fc.FcNameParse.restype = pointer
    fc.FcNameParse.argtypes = [ctypes.c_char_p]
    fc.FcConfigSubstitute.argtypes = [pointer, pointer, ctypes.c_int]
    fc.FcDefaultSubstitute.argtypes = [pointer]
    fc.FcFontMatch.restype = pointer
    fc.FcFontMatch.argtypes = [pointer, pointer, ctypes.POINTER(ctypes.c_int)]
    fc.FcPatternGetString.argtypes = [
        pointer,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_char_p),
    ]
    fc.FcPatternDestroy.argtypes = [pointer]
    fc.FcConfigDestroy.argtypes = [pointer]

    config = fc.FcInitLoadConfigAndFonts()
    if not config:
        return None
    pattern = fc.FcNameParse(name.encode("utf-8"))
    family = None
    try:
        if not pattern:
            return None
        fc.FcConfigSubstitute(config, pattern, _FC_MATCH_PATTERN)
        fc.FcDefaultSubstitute(pattern)
        result = ctypes.c_int(-1)
        match = fc.FcFontMatch(config, pattern, ctypes.byref(result))
        if match:
            try:
                value = ctypes.c_char_p()
                found = fc.FcPatternGetString(match, b"family", 0, ctypes.byref(value))
                if found == _FC_RESULT_MATCH and value.value is not None:
                    family = value.value.decode("utf-8", errors="replace")
            finally:
                fc.FcPatternDestroy(match)
    finally:
        if pattern:
            fc.FcPatternDestroy(pattern)
        fc.FcConfigDestroy(config)
    return family


def paper_font_problem() -> str | None:
    """One line saying the paper's font is missing and how to install it; None when the
    request for Arial gets Arial or Liberation Sans (or fontconfig cannot be asked, which
    WeasyPrint's own check names)."""
    family = resolved_family(PAPER_FAMILY)
    if family is None or family in METRIC_FAMILIES:
        return None
    return (
        f"The report's PDF is set in {PAPER_FAMILY}'s widths, but this machine has none of "
        f"{', '.join(METRIC_FAMILIES)} ({PAPER_FAMILY} would be drawn in {family}, and the "
        f"wide tables would run off the page): install Liberation Sans with: {FONT_APT_LINE}"
    )


def main() -> int:
    """``python -m pipeline.report.fonts``: exit 1 with the problem's line, else 0."""
    problem = paper_font_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
