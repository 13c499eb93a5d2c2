"""Sample stage: the seeded generator of the embedded synthetic survey exports (data/raw/).

Northmoor County Council is fictional. Every name, email address and organisation here is
made up: people are built from short lists of common first names and surnames, and email
addresses use the reserved ``.example`` top-level domain (RFC 2606), so nothing in the
repository is a real person's data.

Two halves, kept apart so that more platform layouts can be added from the same returns:

* :func:`generate_returns` decides *what was answered*: ~100 partnerships, each with a fixed
  "true" profile, and one to six officers per partnership who answer mostly in line with it,
  with the mess real returns have (name variants, money typed as text, blanks, odd case,
  a duplicate submission, a few values that validation must quarantine).
* ``write_<layout>`` functions decide *how a platform writes it* (header rows, platform
  columns, how multi-select answers are joined or spread, how times are stored, encoding),
  one per layout of survey-exports.md: :func:`write_ms_forms_xlsx` is the Microsoft Forms
  Excel download, :func:`write_export` picks any of ``LAYOUTS`` by name. Every layout holds
  the same answers as typed, so ingest must read each to the same returns table.

:func:`write_sample` writes the chosen layouts under ``data/raw/<year>/`` (the committed
sample is the Microsoft Forms download alone) byte-identically on every run: the generator
never reads the clock, CSV goes through the csv module, and the XLSX zip is rewritten with
fixed times.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import logging
import random
import string
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl import Workbook

from pipeline import paths
from pipeline import protocol as protocol_module
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol, Question

logger = logging.getLogger(__name__)

Answer = str | float | int | datetime.date | None

SAMPLE_YEARS = (2024, 2025)
# The year the generator draws; the year before it is derived from it, so both years hold
# the same partnerships (a few new, a few ended, some changed) and IDs can carry over.
BASE_YEAR = 2025
# Partnerships that ran in the previous year only, and how many of this year's are new.
_ENDED = ("Northmoor Twinning Association", "Northmoor Rural Broadband Partnership")
_NEW_COUNT = 3
_DECLINED_COUNT = 3  # agreement one step higher the year before
_COST_ROSE_COUNT = 3  # cash contributions 40% lower the year before
"""Survey years whose sample is committed under data/raw/ (what `make sample` writes)."""

EMAIL_DOMAIN = "northmoor.gov.example"
"""Reserved example domain (RFC 2606 ``.example``) for every generated email address."""

# --- Labels the generator answers with: checked against protocol.yaml before use. ---------

_YES, _NO, _DONT_KNOW = "Yes", "No", "Don't know"

_TYPES = {
    "STAT": "Statutory board or partnership",
    "STRAT": "Strategic partnership",
    "JOINT": "Joint committee or combined authority",
    "CO": "Company or trading vehicle",
    "SHARED": "Shared service",
    "POOL": "Commissioning or pooled budget arrangement",
    "FORUM": "Informal network or forum",
    "OTHER": "Other",
}
_LAW = {
    "S": "Yes - statutory duty",
    "R": "Yes - regulatory requirement",
    "D": "No - discretionary",
}
_ROLES = {
    "LEAD": "Lead partner",
    "ACC": "Accountable body",
    "MEM": "Member",
    "OBS": "Observer",
    "FUND": "Funder only",
}
_DIRECTORATES = {
    "AH": "Adults and Health",
    "CF": "Children and Families",
    "GET": "Growth, Environment and Transport",
    "RES": "Resources",
    "SI": "Strategy and Innovation",
    "PH": "Public Health",
}
_PRIORITIES = {
    "B": "Better lives for all",
    "E": "Economic ambition",
    "C": "Stronger communities",
    "T": "Thinking differently",
}
_LEGAL_FORMS = ("Incorporated body", "Unincorporated")
_MEETINGS = ("Monthly or more", "Quarterly", "Twice a year", "Annually", "Rarely or never")
_EVIDENCE = ("Yes - measured", "Partly", "No")
_EQUALITY_IMPACT = ("Yes", "No", "Not applicable")
_RISKS = ("Low", "Medium", "High")
_ADVICE = ("Continue as it is", "Develop or strengthen", "Review", "Exit")


@dataclass(frozen=True)
class _Entry:
    """One line of the partnership catalogue: what any officer would agree on."""

    name: str
    kind: str  # key of _TYPES
    law: str  # key of _LAW
    basis: str  # Q11 as the lead officer types it; "" when discretionary
    role: str  # key of _ROLES
    directorate: str  # key of _DIRECTORATES: where the lead officer works
    partners: str  # key of _PARTNER_POOLS
    priorities: str  # letters of _PRIORITIES, main one first
    cost: int  # council cash scale 0-4 (see _CASH_RANGES)
    external: int  # external funding scale 0-5 (see _EXTERNAL_RANGES)
    incorporated: bool = False


def _e(
    name: str,
    kind: str,
    law: str,
    basis: str,
    role: str,
    directorate: str,
    partners: str,
    priorities: str,
    cost: int,
    external: int,
) -> _Entry:
    return _Entry(
        name,
        kind,
        law,
        basis,
        role,
        directorate,
        partners,
        priorities,
        cost,
        external,
        incorporated=kind == "CO" or name.endswith("Fire Authority"),
    )


# ~100 partnerships of a two-tier English county. Names are chosen so that no canonical name's
# words are a subset of another's (token-set matching would merge them).
# fmt: off
_CATALOGUE: tuple[_Entry, ...] = (
    # Statutory boards and partnerships
    _e("Northmoor Health and Wellbeing Board", "STAT", "S",
       "Health and Social Care Act 2012, s.194", "LEAD", "AH", "health", "BC", 2, 1),
    _e("Northmoor Children's Safeguarding Partnership", "STAT", "S",
       "Children Act 2004, s.16E", "LEAD", "CF", "children", "BC", 3, 2),
    _e("Northmoor Safeguarding Adults Board", "STAT", "S",
       "Care Act 2014, s.43", "LEAD", "AH", "health", "B", 2, 2),
    _e("Northmoor Local Resilience Forum", "STAT", "S",
       "Civil Contingencies Act 2004, s.2", "MEM", "GET", "safety", "C", 2, 1),
    _e("Northmoor Community Safety Partnership", "STAT", "S",
       "Crime and Disorder Act 1998, s.5", "MEM", "GET", "safety", "C", 2, 2),
    _e("Northmoor Youth Justice Management Board", "STAT", "S",
       "Crime and Disorder Act 1998, s.39", "LEAD", "CF", "safety", "BC", 3, 2),
    _e("Northmoor Schools Forum", "STAT", "R",
       "Schools Forums (England) Regulations 2012", "LEAD", "CF", "children", "B", 1, 0),
    _e("Northmoor Police and Crime Panel", "STAT", "S",
       "Police Reform and Social Responsibility Act 2011, s.28", "MEM", "SI", "districts",
       "C", 1, 1),
    _e("Northmoor Integrated Care Partnership", "STAT", "S",
       "Health and Care Act 2022, s.26", "MEM", "AH", "health", "BE", 1, 0),
    _e("Adopt Northmoor and Westvale", "SHARED", "S",
       "Education and Adoption Act 2016, s.15", "LEAD", "CF", "neighbours", "B", 3, 2),
    _e("Northmoor Joint Health Scrutiny Committee", "JOINT", "R",
       "Health Scrutiny Regulations 2013, reg.30", "MEM", "SI", "districts", "B", 0, 0),
    _e("Northmoor Standing Advisory Council on Religious Education", "STAT", "S",
       "Education Act 1996, s.390", "LEAD", "CF", "community", "C", 1, 0),
    _e("Northmoor Local Access Forum", "STAT", "S",
       "Countryside and Rights of Way Act 2000, s.94", "LEAD", "GET", "environment", "C", 1, 0),
    _e("Northmoor MAPPA Strategic Management Board", "STAT", "S",
       "Criminal Justice Act 2003, s.325", "MEM", "AH", "safety", "C", 1, 0),
    _e("Northmoor Domestic Abuse Local Partnership Board", "STAT", "S",
       "Domestic Abuse Act 2021, s.58", "LEAD", "AH", "safety", "BC", 3, 3),
    _e("Northmoor Flood Risk Management Partnership", "STAT", "S",
       "Flood and Water Management Act 2010, s.9", "LEAD", "GET", "environment", "CE", 2, 4),
    _e("Northmoor Prevent Board", "STAT", "S",
       "Counter-Terrorism and Security Act 2015, s.26", "LEAD", "GET", "safety", "C", 1, 1),
    _e("Northmoor Channel Panel", "STAT", "S",
       "Counter-Terrorism and Security Act 2015, s.41", "LEAD", "CF", "safety", "C", 0, 0),
    _e("Northmoor Local Pension Board", "STAT", "S",
       "Public Service Pensions Act 2013, s.5", "ACC", "RES", "districts", "T", 1, 0),
    _e("Northmoor Bus Enhanced Partnership", "STAT", "S",
       "Transport Act 2000, s.138G", "LEAD", "GET", "transport", "EC", 3, 4),
    _e("Northmoor Local Nature Recovery Strategy Group", "STAT", "S",
       "Environment Act 2021, s.104", "LEAD", "GET", "environment", "CT", 2, 2),
    _e("Northmoor Health Protection Board", "STAT", "R",
       "Health and Social Care Act 2012, s.12", "LEAD", "PH", "health", "B", 1, 0),
    _e("Northmoor Child Death Overview Panel", "STAT", "S",
       "Children Act 2004, s.16M", "MEM", "CF", "children", "B", 2, 0),
    _e("Northmoor Combined Fire Authority", "JOINT", "S",
       "Fire and Rescue Services Act 2004, s.4", "MEM", "GET", "safety", "C", 0, 0),
    _e("Northmoor Coroner Area Partnership", "JOINT", "S",
       "Coroners and Justice Act 2009, s.24", "ACC", "RES", "neighbours", "C", 3, 0),
    _e("Northmoor Trading Standards Partnership", "SHARED", "S",
       "Consumer Protection Act 1987, s.27", "LEAD", "GET", "districts", "CE", 2, 1),
    _e("Northmoor Emergency Planning Unit", "SHARED", "S",
       "Civil Contingencies Act 2004, s.2", "ACC", "GET", "districts", "C", 2, 0),
    _e("Northmoor SEND Improvement Board", "STRAT", "R",
       "Children and Families Act 2014, s.25", "LEAD", "CF", "children", "B", 1, 0),
    _e("High Moor National Landscape Partnership", "OTHER", "S",
       "Countryside and Rights of Way Act 2000, s.89", "MEM", "GET", "environment", "CE", 2, 2),
    _e("Northmoor Air Quality Steering Group", "STRAT", "R",
       "Environment Act 1995, Part IV", "MEM", "PH", "environment", "B", 0, 1),
    # Strategic partnerships
    _e("Northmoor Economic Growth Board", "STRAT", "D", "", "LEAD", "GET", "economy", "E", 2, 3),
    _e("Northmoor Skills and Employment Partnership", "STRAT", "D", "", "LEAD", "GET",
       "economy", "EB", 2, 3),
    _e("Northmoor and Westvale Local Enterprise Partnership", "CO", "D", "", "MEM", "GET",
       "economy", "E", 2, 5),
    _e("Northmoor Housing Partnership", "STRAT", "D", "", "MEM", "AH", "districts", "BC", 1, 2),
    _e("Northmoor Homelessness Prevention Forum", "FORUM", "D", "", "MEM", "AH", "districts",
       "B", 0, 0),
    _e("Northmoor Armed Forces Covenant Partnership", "STRAT", "D", "", "MEM", "SI",
       "community", "C", 1, 0),
    _e("Northmoor Climate Action Partnership", "STRAT", "D", "", "LEAD", "GET", "environment",
       "CTE", 2, 2),
    _e("Visit Northmoor Tourism Partnership", "STRAT", "D", "", "MEM", "GET", "economy",
       "E", 2, 2),
    _e("Northmoor Cultural Education Partnership", "STRAT", "D", "", "MEM", "CF", "community",
       "CB", 1, 2),
    _e("Northmoor Digital Infrastructure Programme", "STRAT", "D", "", "LEAD", "GET",
       "economy", "ET", 3, 4),
    _e("Northmoor Rural Partnership", "STRAT", "D", "", "MEM", "GET", "environment", "EC", 1, 1),
    _e("Northmoor VCSE Alliance", "STRAT", "D", "", "MEM", "SI", "community", "C", 2, 2),
    _e("Northmoor Safer Roads Partnership", "STRAT", "D", "", "LEAD", "GET", "safety",
       "C", 2, 1),
    _e("Active Northmoor", "OTHER", "D", "", "MEM", "PH", "community", "B", 1, 3),
    _e("Northmoor Mental Health Partnership Board", "STRAT", "D", "", "LEAD", "AH", "health",
       "B", 1, 0),
    _e("Northmoor Learning Disability Partnership Board", "STRAT", "D", "", "LEAD", "AH",
       "health", "B", 1, 0),
    _e("Northmoor Carers Strategy Group", "STRAT", "D", "", "MEM", "AH", "health", "BC", 1, 1),
    _e("Northmoor Dementia Action Alliance", "FORUM", "D", "", "MEM", "AH", "community",
       "BC", 0, 0),
    _e("Northmoor Early Help Partnership", "STRAT", "D", "", "LEAD", "CF", "children",
       "B", 2, 2),
    _e("Northmoor Reducing Reoffending Board", "STRAT", "D", "", "MEM", "AH", "safety",
       "C", 0, 1),
    _e("Northmoor Sustainable Food Partnership", "STRAT", "D", "", "MEM", "PH", "community",
       "BC", 1, 1),
    _e("Northmoor Tobacco Control Alliance", "STRAT", "D", "", "LEAD", "PH", "health",
       "B", 1, 0),
    _e("Northmoor Healthy Weight Partnership", "STRAT", "D", "", "LEAD", "PH", "health",
       "B", 1, 1),
    _e("Northmoor Suicide Prevention Partnership", "STRAT", "D", "", "LEAD", "PH", "health",
       "B", 1, 1),
    _e("Northmoor Sexual Health Network", "FORUM", "D", "", "MEM", "PH", "health", "B", 0, 0),
    _e("Northmoor Anchor Institutions Network", "FORUM", "D", "", "MEM", "SI", "economy",
       "EC", 0, 0),
    _e("Northmoor Office of Data Analytics", "STRAT", "D", "", "LEAD", "SI", "neighbours",
       "T", 2, 1),
    _e("Northmoor Home First Alliance", "STRAT", "D", "", "MEM", "AH", "health", "BT", 3, 3),
    _e("Northmoor Family Hubs Network", "STRAT", "D", "", "LEAD", "CF", "children", "BC", 2, 3),
    _e("Northmoor Civic University Agreement", "STRAT", "D", "", "MEM", "GET", "economy",
       "E", 0, 1),
    _e("Invest Northmoor", "STRAT", "D", "", "LEAD", "GET", "economy", "E", 2, 2),
    _e("Northmoor Town Centres Partnership", "STRAT", "D", "", "MEM", "GET", "districts",
       "EC", 1, 2),
    _e("Northmoor Community Energy Partnership", "STRAT", "D", "", "FUND", "GET",
       "environment", "TC", 1, 2),
    _e("Northmoor Violence Reduction Partnership", "STRAT", "D", "", "MEM", "PH", "safety",
       "C", 1, 3),
    _e("Northmoor Youth Employment Hub", "STRAT", "D", "", "FUND", "CF", "economy", "EB", 1, 2),
    _e("Northmoor Corporate Parenting Panel", "STRAT", "D", "", "LEAD", "CF", "children",
       "B", 0, 0),
    _e("Northmoor Library Services Consortium", "SHARED", "D", "", "MEM", "GET", "neighbours",
       "CT", 1, 0),
    _e("Northmoor Museums Trust", "OTHER", "D", "", "FUND", "GET", "community", "C", 2, 2),
    # Joint committees and companies
    _e("Northmoor and Westvale Joint Waste Partnership", "JOINT", "R",
       "Environmental Protection Act 1990, s.51", "LEAD", "GET", "districts", "CT", 4, 1),
    _e("Northmoor Strategic Planning Joint Committee", "JOINT", "D", "", "MEM", "GET",
       "districts", "E", 1, 0),
    _e("Northmoor Minerals Plan Committee", "JOINT", "R",
       "Planning and Compulsory Purchase Act 2004, s.28", "LEAD", "GET", "districts", "E", 1, 0),
    _e("Northmoor Joint Archives Committee", "JOINT", "D", "", "ACC", "GET", "neighbours",
       "C", 2, 1),
    _e("Moorlands Sub-National Transport Body", "JOINT", "D", "", "MEM", "GET", "transport",
       "E", 2, 4),
    _e("Northmoor Commercial Services Ltd", "CO", "D", "", "LEAD", "RES", "council",
       "TE", 0, 4),
    _e("Northmoor Property Holdings Ltd", "CO", "D", "", "LEAD", "RES", "council", "ET", 1, 2),
    _e("Northmoor Renewable Energy Ltd", "CO", "D", "", "LEAD", "GET", "environment",
       "TE", 2, 3),
    _e("Northmoor Homecare Ltd", "CO", "D", "", "LEAD", "AH", "council", "BT", 4, 2),
    _e("Northmoor Growth Fund LLP", "CO", "D", "", "MEM", "GET", "economy", "E", 3, 4),
    _e("Moorfare Catering Ltd", "CO", "D", "", "LEAD", "CF", "council", "BT", 1, 1),
    _e("Northmoor Homes Ltd", "CO", "D", "", "LEAD", "GET", "council", "EB", 3, 2),
    _e("Northmoor Highways Alliance", "OTHER", "D", "", "LEAD", "GET", "transport", "ET", 4, 3),
    # Shared services and pooled budgets
    _e("Northmoor Shared Internal Audit Service", "SHARED", "D", "", "ACC", "RES",
       "neighbours", "T", 3, 1),
    _e("Northmoor Legal Partnership", "SHARED", "D", "", "LEAD", "RES", "neighbours",
       "T", 3, 1),
    _e("Moorlink Shared ICT Service", "SHARED", "D", "", "LEAD", "RES",
       "neighbours", "T", 3, 0),
    _e("Northmoor Procurement Hub", "SHARED", "D", "", "LEAD", "RES", "neighbours", "T", 2, 0),
    _e("Northmoor Payroll Bureau", "SHARED", "D", "", "LEAD", "RES", "neighbours", "T", 2, 1),
    _e("Northmoor Occupational Health Consortium", "SHARED", "D", "", "MEM", "RES",
       "neighbours", "T", 1, 0),
    _e("Northmoor Better Care Fund Pooled Budget", "POOL", "S",
       "National Health Service Act 2006, s.75 and s.223GA", "ACC", "AH", "health",
       "BT", 4, 5),
    _e("Northmoor Integrated Community Equipment Service", "POOL", "S",
       "National Health Service Act 2006, s.75", "LEAD", "AH", "health", "B", 4, 3),
    _e("Northmoor Children's Joint Commissioning Board", "POOL", "D", "", "MEM", "CF",
       "children", "B", 2, 2),
    _e("Northmoor Drug and Alcohol Commissioning Group", "POOL", "D", "", "LEAD", "PH",
       "health", "BC", 3, 3),
    _e("Northmoor Supported Housing Programme", "POOL", "D", "", "LEAD", "AH", "districts",
       "BC", 2, 2),
    _e("Northmoor Mental Health Section 75 Agreement", "POOL", "S",
       "National Health Service Act 2006, s.75", "ACC", "AH", "health", "B", 4, 4),
    _e("Northmoor Learning Disability Pooled Fund", "POOL", "S",
       "National Health Service Act 2006, s.75", "ACC", "AH", "health", "B", 4, 4),
    # Informal networks and forums
    _e("Ashvale District Forum", "FORUM", "D", "", "MEM", "SI", "community", "C", 0, 0),
    _e("Brackendale District Forum", "FORUM", "D", "", "MEM", "SI", "community", "C", 0, 0),
    _e("Carrowfield District Forum", "FORUM", "D", "", "MEM", "SI", "community", "C", 0, 0),
    _e("Eskholme District Forum", "FORUM", "D", "", "MEM", "SI", "community", "C", 0, 0),
    _e("Northmoor Parish and Town Councils Forum", "FORUM", "D", "", "LEAD", "SI",
       "community", "C", 0, 0),
    _e("Northmoor Faith Leaders Forum", "FORUM", "D", "", "MEM", "SI", "community", "C", 0, 0),
    _e("Northmoor Older People's Forum", "FORUM", "D", "", "OBS", "AH", "community",
       "BC", 0, 0),
    _e("Northmoor Business Leaders Group", "FORUM", "D", "", "MEM", "GET", "economy", "E", 0, 0),
    _e("Northmoor Heritage Forum", "FORUM", "D", "", "OBS", "GET", "community", "C", 0, 0),
    _e("Northmoor Youth Voice", "FORUM", "D", "", "LEAD", "CF", "community", "CB", 0, 0),
)

# Officers type these for three partnerships; config/aliases.yaml holds the same mapping,
# confirmed by the analyst.
_ALIASES = {
    "Northmoor Children's Safeguarding Partnership": "NCSP",
    "Northmoor Local Resilience Forum": "LRF",
    "Northmoor Health and Wellbeing Board": "HWB",
}

_DISTRICTS = (
    "Ashvale District Council",
    "Brackendale Borough Council",
    "Carrowfield District Council",
    "Dunmere District Council",
    "Eskholme Borough Council",
    "Fellbridge District Council",
)
_PARTNER_POOLS: dict[str, tuple[str, ...]] = {
    "health": (
        "Northmoor Integrated Care Board",
        "Northmoor and Westvale NHS Foundation Trust",
        "Moorside Community Health NHS Trust",
        "Moorside Mental Health NHS Trust",
        "Healthwatch Northmoor",
        "Northmoor Council for Voluntary Service",
        "Northmoor Police",
        *_DISTRICTS[:3],
    ),
    "children": (
        "Northmoor Police",
        "Northmoor Integrated Care Board",
        "Northmoor Association of Headteachers",
        "Northmoor College",
        "Probation Service (Northmoor)",
        "Northmoor Council for Voluntary Service",
        "Northmoor and Westvale NHS Foundation Trust",
    ),
    "safety": (
        "Northmoor Police",
        "Office of the Northmoor Police and Crime Commissioner",
        "Northmoor Fire and Rescue Service",
        "Probation Service (Northmoor)",
        "Northmoor Integrated Care Board",
        *_DISTRICTS,
    ),
    "economy": (
        "University of Northmoor",
        "Northmoor College",
        "Northmoor Chamber of Commerce",
        "Department for Work and Pensions",
        "Westvale County Council",
        "Northmoor Federation of Small Businesses",
        *_DISTRICTS[::2],
    ),
    "environment": (
        "Environment Agency",
        "Natural England",
        "Northmoor Wildlife Trust",
        "Moorland Water",
        "Northmoor Farmers' Network",
        *_DISTRICTS[1::2],
    ),
    "transport": (
        "Moorland Buses Ltd",
        "Westvale County Council",
        "National Highways",
        "Network Rail",
        "Northmoor Community Transport Association",
        *_DISTRICTS[:2],
    ),
    "districts": _DISTRICTS + ("Northmoor Police", "Westvale County Council"),
    "community": (
        "Northmoor Council for Voluntary Service",
        "Northmoor Association of Local Councils",
        "Northmoor Interfaith Network",
        "Northmoor Community Foundation",
        "Northmoor Police",
        *_DISTRICTS[2:],
    ),
    "neighbours": ("Westvale County Council", *_DISTRICTS[:4]),
    "council": ("Northmoor County Council (sole shareholder)",),
}

_ADULTS_SCRUTINY = "Adult Social Care and Health Scrutiny Committee"
_COMMITTEES = {  # Q15: where a partnership reports, by its lead directorate
    "AH": (_ADULTS_SCRUTINY, "Cabinet", "Health and Wellbeing Board"),
    "CF": ("Children and Young People Scrutiny Committee", "Cabinet", "Corporate Parenting Panel"),
    "GET": ("Environment and Economy Scrutiny Committee", "Cabinet", "Highways Advisory Panel"),
    "RES": ("Audit and Governance Committee", "Cabinet", "Pension Fund Committee"),
    "SI": ("Communities Scrutiny Committee", "Cabinet", "Corporate Policy Committee"),
    "PH": ("Health and Wellbeing Board", _ADULTS_SCRUTINY, "Cabinet"),
}
_SHAREHOLDER_COMMITTEE = "Shareholder Committee"

_SERVICES = {
    "AH": (
        "Adult Social Care Operations", "Adult Commissioning", "Learning Disability Services",
        "Mental Health Services", "Adult Safeguarding", "Provider Services",
        "Occupational Therapy", "Carers and Prevention", "Quality Assurance",
        "Hospital Discharge", "Sensory Services", "Housing with Care", "Direct Payments",
        "Adult Transformation",
    ),
    "CF": (
        "Children's Social Care", "Early Help", "Education and Learning", "SEND",
        "Youth Justice", "Fostering and Adoption", "Children's Safeguarding",
        "School Improvement", "Virtual School", "Children's Commissioning", "Family Hubs",
        "Youth Services", "Admissions and Transport", "Children in Care",
    ),
    "GET": (
        "Highways", "Transport Planning", "Economic Development", "Waste Management",
        "Planning and Environment", "Trading Standards", "Flood Risk Management",
        "Libraries and Heritage", "Countryside Access", "Emergency Planning",
        "Climate Change", "Community Safety", "Skills and Employment", "Culture and Tourism",
        "Passenger Transport", "Minerals and Waste Planning", "Digital Infrastructure",
        "Regeneration",
    ),
    "RES": (
        "Finance", "Internal Audit", "Legal Services", "ICT", "HR and Organisational Development",
        "Procurement", "Property and Estates", "Pensions", "Democratic Services", "Payroll",
        "Risk and Insurance", "Customer Services",
    ),
    "SI": (
        "Policy and Partnerships", "Performance and Intelligence", "Communications",
        "Transformation", "Data and Analytics", "Equality and Inclusion", "Commercial Services",
        "Strategic Commissioning",
    ),
    "PH": (
        "Health Improvement", "Health Protection", "Substance Misuse",
        "Public Health Intelligence", "Sexual Health", "Healthy Weight and Physical Activity",
        "Tobacco Control",
    ),
}
# Respondents per directorate: fewer than council.yaml's senior officers, so coverage < 100%.
_OFFICERS_PER_DIRECTORATE = {"AH": 12, "CF": 13, "GET": 15, "RES": 10, "SI": 7, "PH": 6}

_FIRST_NAMES = (
    "Aisha", "Alex", "Amy", "Andrew", "Ben", "Chloe", "Claire", "Daniel", "David", "Emma",
    "Fatima", "Gareth", "Hannah", "Helen", "Imran", "James", "Jo", "Karen", "Kate", "Laura",
    "Lee", "Lucy", "Mark", "Martin", "Michelle", "Mohammed", "Nadia", "Neil", "Nicola", "Paul",
    "Priya", "Rachel", "Rebecca", "Richard", "Ruth", "Sam", "Sarah", "Simon", "Sophie",
    "Stephen", "Tom", "Victoria", "Zoe",
)
_SURNAMES = (
    "Ahmed", "Allen", "Baker", "Bennett", "Brown", "Clarke", "Cooper", "Davies", "Edwards",
    "Evans", "Green", "Hall", "Harris", "Hughes", "Jackson", "Johnson", "Jones", "Khan",
    "King", "Lewis", "Martin", "Mitchell", "Moore", "Morgan", "Patel", "Phillips", "Roberts",
    "Robinson", "Shaw", "Singh", "Smith", "Taylor", "Thomas", "Thompson", "Turner", "Walker",
    "Ward", "Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Young",
)
# fmt: on

# Council cash (Q20) and external funding (Q23) scales, pounds a year: (low, high).
_CASH_RANGES = ((0, 0), (500, 10_000), (10_000, 80_000), (80_000, 450_000), (450_000, 2_000_000))
_EXTERNAL_RANGES = (
    (0, 0),
    (2_000, 40_000),
    (40_000, 250_000),
    (250_000, 1_500_000),
    (1_500_000, 6_000_000),
    (6_000_000, 30_000_000),
)

# Quality tiers: (share of partnerships, low, high) of the base agreement level on 1-5.
_TIERS = {"strong": (0.36, 4.05, 4.7), "borderline": (0.39, 3.15, 3.9), "weak": (0.25, 2.0, 2.85)}
_GOVERNANCE_YES = {  # chance each governance item is in place, by tier
    "strong": {"Q13": 0.97, "Q14": 0.9, "Q16": 0.9, "Q17": 0.7, "Q15": 0.95},
    "borderline": {"Q13": 0.85, "Q14": 0.65, "Q16": 0.6, "Q17": 0.35, "Q15": 0.75},
    "weak": {"Q13": 0.55, "Q14": 0.35, "Q16": 0.3, "Q17": 0.1, "Q15": 0.5},
}
_OFFICER_COUNT_WEIGHTS = (12, 24, 26, 20, 11, 7)  # 1..6 officers per partnership

_ACHIEVEMENTS = (
    "Agreed a shared action plan with partners and delivered most of it.",
    "Joint funding bid secured, new pathway launched, and waiting times reduced.",
    "Quarterly dashboard now shared with all partners.",
    "Refreshed the strategy after consultation with residents, carers and providers.",
    "Good attendance at meetings; some progress on joint commissioning.",
    "Not much this year, meetings were cancelled twice.",
    "Delivered the annual conference and published the annual report.",
    "Reduced duplication between partners, saving officer time.",
    "Trained over 200 frontline staff across partner organisations.",
    "Secured external grant funding for two more years.",
    "Agreed new terms of reference and a data sharing agreement.",
)
_RISKS_TEXT = (
    "Funding beyond March is not confirmed.",
    "Reliance on one key officer; no succession plan.",
    "Partners' budgets under pressure, so contributions may fall.",
    "Reputational risk if targets are missed.",
    "Data sharing between partners is slow.",
    "Governance is informal, decisions are not always minuted.",
    "Financial exposure if the company under-performs.",
    "Low attendance from some partners.",
    "None significant.",
)
_COMMENTS = (
    "Happy to discuss.",
    "The partnership would benefit from a review of its membership.",
    "Figures for in-kind support are estimates.",
    "Officer time varies a lot month to month.",
    "Cash figure is our service's share only, finance hold the full budget.",
    "Worth considering a merger with a similar group.",
)

# Planted values that validation must act on (each on a different return).
_UNREADABLE_MONEY = (("Q20", "tbc"), ("Q21", "see finance"), ("Q23", "varies"))
_UNREADABLE_HOURS = (("Q22", "half a day a month"), ("Q22", "Half a day a month"))
_APPROXIMATE_MONEY = (
    ("Q20", "approx £3000"),
    ("Q21", "about 2000"),
    ("Q23", "c. £15k"),
    ("Q20", "circa 40k"),
    ("Q23", "~£500,000"),
)
_OFF_OPTION = (
    ("Q43", "Very high"),
    ("Q19", "Every six weeks"),
    ("Q26", "Better lives for all; Green and clean Northmoor"),
)
_MISSING_BASIS_COUNT = 3
_FREE_TEXT = (
    (
        "Q27",
        'Agreed the joint "Home First" plan, cut delayed discharges by 12%, and\n'
        "opened two family hubs.",
    ),
    ("Q27", "Key achievements:\n- new data sharing agreement\n- 3 joint bids, 2 successful"),
    ("Q44", "Funding from Westvale & Eskholme councils ends in March."),
    ("Q46", "Copied from the board report: <b>all actions on track</b>"),
    ("Q44", "Portal exported the notes as <script>alert('risk')</script>, please check."),
    ("Q46", "=see last year's return, nothing has changed"),
    ("Q46", "+ partners want the council to take on the accountable body role"),
    ("Q27", "Partners said the council's support was \"excellent\", 'timely' & well judged."),
)
_BAD_EMAIL_COUNT = 1


@dataclass(frozen=True)
class SampleReturn:
    """One officer's answers about one partnership, as the officer typed them.

    ``answers`` is platform-neutral: question ID -> the value typed (money and hours as text,
    dates as text or ``datetime.date``, a multi-select as labels joined by ``"; "`` in the
    order ticked). Layout writers turn it into a platform's columns. ``true_partnership`` is
    the canonical name: ground truth for tests, never written to an export.
    ``respondent_name`` / ``respondent_email`` are who the platform says signed in (its own
    Name / Email columns), which can differ from what was typed in Q1 / Q2.
    """

    response_id: int
    answers: dict[str, Answer]
    submitted_at: datetime.datetime
    started_at: datetime.datetime
    true_partnership: str
    respondent_name: str = ""
    respondent_email: str = ""


@dataclass(frozen=True)
class _Officer:
    name: str
    email: str
    directorate: str  # key of _DIRECTORATES
    service: str
    job_title: str


@dataclass(frozen=True)
class _Profile:
    """The truth about one partnership, which its officers mostly agree on."""

    entry: _Entry
    tier: str
    quality: float
    principle_offsets: dict[str, float]
    partners: tuple[str, ...]
    governance: dict[str, str]  # Q13, Q14, Q16, Q17 -> Yes / No
    reports_to: str
    last_review: datetime.date | None
    meets: str
    evidence: str
    equality_impact: str
    risk: str
    cash: int
    in_kind: int
    external: int
    lead_hours: float


@dataclass
class _Draft:
    """A return being built: mutable until it is numbered and frozen as a SampleReturn."""

    profile: _Profile
    officer: _Officer
    answers: dict[str, Answer]
    is_lead: bool
    planted: list[str] = field(default_factory=list)
    started_at: datetime.datetime | None = None
    submitted_at: datetime.datetime | None = None


# --- Checking the labels against the protocol ---------------------------------------------


def _check_labels(protocol: Protocol) -> None:
    """Fail clearly if protocol.yaml no longer offers an answer the generator gives."""
    expected = {
        "Q4": _DIRECTORATES.values(),
        "Q8": _TYPES.values(),
        "Q9": (*_LEGAL_FORMS, _DONT_KNOW),
        "Q10": (*_LAW.values(), _DONT_KNOW),
        "Q12": _ROLES.values(),
        "Q13": (_YES, _NO, _DONT_KNOW),
        "Q19": _MEETINGS,
        "Q26": _PRIORITIES.values(),
        "Q28": _EVIDENCE,
        "Q41": _EQUALITY_IMPACT,
        "Q43": _RISKS,
        "Q45": _ADVICE,
    }
    missing = [
        f"{qid} '{label}'"
        for qid, labels in expected.items()
        for label in labels
        if label not in protocol.question(qid).options
    ]
    if missing:
        raise PipelineError(
            f"{protocol.source}: the sample generator answers with option(s) the protocol no "
            f"longer lists: {', '.join(missing)}. Update the labels in pipeline/sample.py."
        )


# --- Building the partnerships and officers ------------------------------------------------


def _weighted(rng: random.Random, options: dict[str, float]) -> str:
    return rng.choices(list(options), weights=list(options.values()))[0]


def _nice_amount(rng: random.Random, low: int, high: int) -> int:
    """A log-uniform amount rounded the way budgets are (to 250, 500, 5,000 or 50,000)."""
    if high <= 0:
        return 0
    value = low * (high / low) ** rng.random()
    step = 250 if value < 10_000 else 500 if value < 100_000 else 5_000 if value < 1e6 else 50_000
    return max(step, int(round(value / step)) * step)


def _months_before(day: datetime.date, months: int, rng: random.Random) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, rng.randint(1, 28))


def _profile(
    rng: random.Random, entry: _Entry, tier: str, year: int, principles: list[str]
) -> _Profile:
    _, low, high = _TIERS[tier]
    quality = rng.uniform(low, high)
    offsets = {code: rng.gauss(0, 0.3) for code in principles}
    pool = _PARTNER_POOLS[entry.partners]
    partners = tuple(rng.sample(pool, k=min(len(pool), rng.randint(2, 6))))
    chances = _GOVERNANCE_YES[tier]
    governance = {
        qid: _YES if rng.random() < chances[qid] else _NO for qid in ("Q13", "Q14", "Q16", "Q17")
    }
    if entry.kind == "CO":
        reports_to = _SHAREHOLDER_COMMITTEE
    elif rng.random() < chances["Q15"]:
        reports_to = rng.choice(_COMMITTEES[entry.directorate])
    else:
        reports_to = ""
    # Reviews happen before the survey opens; weak partnerships are often never reviewed.
    survey_opens = datetime.date(year, 3, 1)
    roll = rng.random()
    last_review: datetime.date | None = None
    if tier == "strong" or (tier == "borderline" and roll < 0.75):
        last_review = _months_before(survey_opens, rng.randint(1, 20), rng)
    elif tier == "borderline" and roll < 0.88:
        last_review = _months_before(survey_opens, rng.randint(20, 36), rng)
    elif tier == "weak" and roll < 0.5:
        last_review = _months_before(survey_opens, rng.randint(14, 44), rng)
    meets = {
        "STAT": {"Quarterly": 6, "Monthly or more": 2, "Twice a year": 1},
        "STRAT": {"Quarterly": 5, "Twice a year": 2, "Monthly or more": 1},
        "JOINT": {"Quarterly": 5, "Twice a year": 2},
        "CO": {"Monthly or more": 3, "Quarterly": 3},
        "SHARED": {"Quarterly": 4, "Monthly or more": 2},
        "POOL": {"Monthly or more": 3, "Quarterly": 4},
        "FORUM": {"Twice a year": 4, "Quarterly": 3, "Annually": 1},
        "OTHER": {"Quarterly": 3, "Twice a year": 1},
    }[entry.kind]
    meeting = _weighted(rng, meets)
    if tier == "weak" and rng.random() < 0.3:
        meeting = rng.choice(("Annually", "Rarely or never"))
    evidence = _weighted(
        rng,
        {
            "strong": {"Yes - measured": 8, "Partly": 2},
            "borderline": {"Yes - measured": 3, "Partly": 6, "No": 1},
            "weak": {"Partly": 4, "No": 6},
        }[tier],
    )
    equality_impact = _weighted(
        rng,
        {
            "strong": {"Yes": 7, "No": 1, "Not applicable": 2},
            "borderline": {"Yes": 4, "No": 4, "Not applicable": 2},
            "weak": {"Yes": 1, "No": 6, "Not applicable": 3},
        }[tier],
    )
    risk_weights = {
        "strong": {"Low": 6, "Medium": 3, "High": 0.5},
        "borderline": {"Low": 4, "Medium": 5, "High": 1},
        "weak": {"Low": 1, "Medium": 5, "High": 3},
    }[tier]
    if entry.cost >= 3 or entry.kind == "CO":  # money at stake raises the risk
        risk_weights = {**risk_weights, "High": risk_weights["High"] + 1.5}
    cash = _nice_amount(rng, *_CASH_RANGES[entry.cost])
    in_kind = 0 if rng.random() < 0.35 else _nice_amount(rng, 250, max(1_000, cash // 5 or 2_000))
    return _Profile(
        entry=entry,
        tier=tier,
        quality=quality,
        principle_offsets=offsets,
        partners=partners,
        governance=governance,
        reports_to=reports_to,
        last_review=last_review,
        meets=meeting,
        evidence=evidence,
        equality_impact=equality_impact,
        risk=_weighted(rng, risk_weights),
        cash=cash,
        in_kind=in_kind,
        external=_nice_amount(rng, *_EXTERNAL_RANGES[entry.external]),
        lead_hours=rng.choice((4, 6, 8, 10, 12, 15, 16, 20, 24, 30, 40))
        if entry.kind != "FORUM"
        else rng.choice((1, 2, 2.5, 3, 4)),
    )


def _build_profiles(rng: random.Random, year: int, principles: list[str]) -> list[_Profile]:
    """Give every catalogue partnership a tier so that strong, borderline and weak all occur."""
    count = len(_CATALOGUE)
    tiers: list[str] = []
    for tier, (share, _, _) in _TIERS.items():
        tiers += [tier] * round(share * count)
    tiers = (tiers + ["borderline"] * count)[:count]
    rng.shuffle(tiers)
    return [
        _profile(rng, entry, tier, year, principles)
        for entry, tier in zip(_CATALOGUE, tiers, strict=True)
    ]


def _build_officers(rng: random.Random) -> dict[str, list[_Officer]]:
    """Senior officers who answer, per directorate key; names and emails are all distinct."""
    pairs = [(first, last) for first in _FIRST_NAMES for last in _SURNAMES]
    total = sum(_OFFICERS_PER_DIRECTORATE.values())
    chosen = rng.sample(pairs, k=total)
    officers: dict[str, list[_Officer]] = {}
    for key, count in _OFFICERS_PER_DIRECTORATE.items():
        services = rng.sample(_SERVICES[key], k=count)
        officers[key] = []
        for n, service in enumerate(services):
            first, last = chosen.pop()
            title = _weighted(rng, {"Head of": 6, "Assistant Director": 2, "Service Director": 1})
            job_title = f"Head of {service}" if title == "Head of" else f"{title}, {service}"
            if key == "PH" and n == 0:
                service, job_title = "Public Health", "Director of Public Health"
            officers[key].append(
                _Officer(
                    name=f"{first} {last}",
                    email=f"{first}.{last}@{EMAIL_DOMAIN}".lower(),
                    directorate=key,
                    service=service,
                    job_title=job_title,
                )
            )
    return officers


def _officer_counts(rng: random.Random, profiles: list[_Profile]) -> list[int]:
    """How many officers report each partnership: a fixed spread of 1-6, shuffled.

    A fixed spread keeps the total near 330 returns whatever the seed. The three partnerships
    with aliases get at least four officers, so that an alias sits beside the full name.
    """
    total = sum(_OFFICER_COUNT_WEIGHTS)
    counts: list[int] = []
    for officers, weight in enumerate(_OFFICER_COUNT_WEIGHTS, start=1):
        counts += [officers] * round(weight * len(profiles) / total)
    counts = (counts + [3] * len(profiles))[: len(profiles)]
    rng.shuffle(counts)
    for i, profile in enumerate(profiles):
        if profile.entry.name in _ALIASES and counts[i] < 4:
            swap = next(
                j
                for j, other in enumerate(profiles)
                if counts[j] >= 4 and other.entry.name not in _ALIASES
            )
            counts[i], counts[swap] = counts[swap], counts[i]
    return counts


def _choose_officers(
    rng: random.Random, profile: _Profile, count: int, officers: dict[str, list[_Officer]]
) -> list[_Officer]:
    """The lead directorate's officer first, then others, never the same officer twice."""
    home = profile.entry.directorate
    chosen = [rng.choice(officers[home])]
    while len(chosen) < count:
        key = home if rng.random() < 0.55 else rng.choice(list(_DIRECTORATES))
        candidate = rng.choice(officers[key])
        if candidate not in chosen:
            chosen.append(candidate)
    return chosen


# --- How officers type things ---------------------------------------------------------------


def _typed_name(rng: random.Random, canonical: str, is_lead: bool) -> str:
    """The partnership's name as one officer types it: the lead officer types it right."""
    if is_lead or rng.random() < 0.7:
        return canonical
    variants: dict[str, float] = {"lower": 3, "spaces": 3, "the": 2, "typo": 2, "upper": 1}
    if " and " in canonical:
        variants["ampersand"] = 4
    if canonical.startswith("Northmoor ") and not canonical.startswith("Northmoor and "):
        variants["drop_place"] = 4
    if canonical.endswith(" Ltd"):
        variants["limited"] = 3
    if canonical in _ALIASES:
        variants["alias"] = 4
    kind = _weighted(rng, variants)
    if kind == "lower":
        return canonical.lower()
    if kind == "upper":
        return canonical.upper()
    if kind == "spaces":
        return canonical + rng.choice(("  ", " "))
    if kind == "the":
        return "The " + canonical
    if kind == "ampersand":
        return canonical.replace(" and ", " & ")
    if kind == "drop_place":
        return canonical.removeprefix("Northmoor ")
    if kind == "limited":
        return canonical.removesuffix(" Ltd") + " Limited"
    if kind == "alias":
        return _ALIASES[canonical]
    words = canonical.split(" ")
    # The typo lands in the longest distinctive word ("Northmoor" is in almost every name).
    longest = max(range(len(words)), key=lambda i: (words[i] != "Northmoor", len(words[i]), -i))
    word = words[longest]
    at = rng.randint(1, len(word) - 3)
    words[longest] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return " ".join(words)


def _typed_money(rng: random.Random, amount: int) -> str:
    """An amount in pounds the way officers type it into a text box."""
    if amount == 0:
        return _weighted(rng, {"0": 5, "nil": 3, "£0": 2, "None": 1, "nothing": 1})
    styles: dict[str, float] = {
        "pound_commas": 40,
        "digits": 20,
        "commas": 8,
        "pound_digits": 6,
        "pence": 6,
        "pound_pence": 3,
    }
    if amount >= 1_000 and amount % 100 == 0 and amount < 1_000_000:
        styles["k"] = 10
    if amount >= 1_000_000 and amount % 100_000 == 0:
        styles["m"] = 40
    style = _weighted(rng, styles)
    if style == "pound_commas":
        return f"£{amount:,}"
    if style == "digits":
        return str(amount)
    if style == "commas":
        return f"{amount:,}"
    if style == "pound_digits":
        return f"£{amount}"
    if style == "pence":
        return f"{amount:,.2f}"
    if style == "pound_pence":
        return f"£{amount:,.2f}"
    if style == "k":
        return rng.choice(("{:g}k", "£{:g}k", "{:g}K")).format(amount / 1_000)
    return rng.choice(("£{:g}m", "{:g}m", "£{:g}M")).format(amount / 1_000_000)


def _typed_money_or_missing(rng: random.Random, amount: int, missing: dict[str, float]) -> str:
    """Sometimes an officer writes N/A, a dash, Don't know or nothing instead of an amount."""
    roll = rng.random()
    for word, chance in missing.items():
        if roll < chance:
            return word
        roll -= chance
    return _typed_money(rng, amount)


def _typed_hours(rng: random.Random, hours: float) -> str:
    if rng.random() < 0.04:
        return ""
    number = f"{hours:g}"
    return _weighted(rng, {number: 14, f"{number} hrs": 3, f"{number} hours": 3})


def _typed_date(rng: random.Random, day: datetime.date) -> str | datetime.date:
    """UK day-first text mostly; some ISO text and some real date cells."""
    style = _weighted(rng, {"uk": 10, "uk_short": 2, "iso": 3, "cell": 3})
    if style == "uk":
        return day.strftime("%d/%m/%Y")
    if style == "uk_short":
        return f"{day.day}/{day.month}/{day.year}"
    if style == "iso":
        return day.isoformat()
    return day


def _typed_partners(rng: random.Random, partners: tuple[str, ...]) -> str:
    if rng.random() < 0.05:
        return ""
    listed = list(partners)
    if len(listed) > 2 and rng.random() < 0.3:
        listed = listed[: rng.randint(2, len(listed) - 1)]
    return _weighted(rng, {"; ": 5, ", ": 3, "\n": 2}).join(listed)


def _odd_case(rng: random.Random, label: str) -> str:
    """Agreement labels now and then arrive in odd case or with stray spaces."""
    roll = rng.random()
    if roll < 0.015:
        return label.lower()
    if roll < 0.025:
        return label.upper()
    if roll < 0.03:
        return f" {label} "
    return label


def _shift(rng: random.Random, label: str, scale: tuple[str, ...], chance: float) -> str:
    """Move an answer one step along its scale now and then: officers see things differently."""
    if rng.random() >= chance:
        return label
    at = scale.index(label)
    return scale[min(len(scale) - 1, max(0, at + rng.choice((-1, 1))))]


# --- One return -------------------------------------------------------------------------------


def _answers(
    rng: random.Random,
    profile: _Profile,
    officer: _Officer,
    is_lead: bool,
    protocol: Protocol,
    agree_labels: dict[int, str],
) -> dict[str, Answer]:
    """One officer's answers: the partnership's profile seen through that officer's eyes."""
    entry = profile.entry
    answers: dict[str, Answer] = {qid: None for qid in protocol.ids}
    answers["Q1"] = officer.name
    answers["Q2"] = officer.email
    answers["Q3"] = officer.job_title
    answers["Q4"] = _DIRECTORATES[officer.directorate]
    answers["Q5"] = officer.service
    answers["Q6"] = _typed_name(rng, entry.name, is_lead)
    answers["Q7"] = _typed_partners(rng, profile.partners)

    kind = _TYPES[entry.kind]
    if rng.random() < 0.08:
        kind = rng.choice(
            (_TYPES["STRAT"], _TYPES["OTHER"]) if entry.kind != "STRAT" else (_TYPES["STAT"],)
        )
    answers["Q8"] = kind
    legal = _LEGAL_FORMS[0] if entry.incorporated else _LEGAL_FORMS[1]
    answers["Q9"] = _DONT_KNOW if rng.random() < 0.1 else legal

    law = _LAW[entry.law]
    roll = rng.random()
    if roll < 0.05:
        law = _DONT_KNOW
    elif roll < 0.1 and entry.law in ("S", "R"):
        law = _LAW["R" if entry.law == "S" else "S"]
    answers["Q10"] = law
    if law.startswith("Yes"):
        short = entry.basis.split(",")[0]
        answers["Q11"] = entry.basis if is_lead or rng.random() < 0.7 else short

    role = _ROLES[entry.role]
    if rng.random() < 0.06:
        role = rng.choice([r for r in _ROLES.values() if r != role])
    answers["Q12"] = role

    for qid, truth in profile.governance.items():
        roll = rng.random()
        if roll < 0.06:
            answers[qid] = _DONT_KNOW
        elif roll < 0.1:
            answers[qid] = _NO if truth == _YES else _YES
        else:
            answers[qid] = truth
    answers["Q15"] = "" if rng.random() < 0.08 else profile.reports_to

    if profile.last_review is None:
        answers["Q18"] = None
    else:
        roll = rng.random()
        if roll < 0.08:
            answers["Q18"] = None
        elif roll < 0.16:
            answers["Q18"] = _typed_date(rng, _months_before(profile.last_review, 1, rng))
        else:
            answers["Q18"] = _typed_date(rng, profile.last_review)
    answers["Q19"] = _shift(rng, profile.meets, _MEETINGS, 0.1)

    # Q20-Q22 are the officer's own service's contribution; the lead service pays most.
    if is_lead:
        cash = profile.cash
        in_kind = profile.in_kind
        hours = profile.lead_hours
    else:
        cash = 0 if rng.random() < 0.6 else _nice_amount(rng, 250, max(1_000, profile.cash // 6))
        in_kind = 0 if rng.random() < 0.5 else _nice_amount(rng, 250, 5_000)
        hours = rng.choice((1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10))
    answers["Q20"] = _typed_money_or_missing(rng, cash, {"N/A": 0.03, "-": 0.02, "": 0.03})
    answers["Q21"] = _typed_money_or_missing(rng, in_kind, {"N/A": 0.05, "-": 0.02, "": 0.08})
    answers["Q22"] = _typed_hours(rng, hours)
    external = profile.external
    if external and rng.random() < 0.3:
        external = _nice_amount(rng, int(external * 0.8), int(external * 1.2) + 1)
    answers["Q23"] = _typed_money_or_missing(
        rng, external, {"Don't know": 0.06, "": 0.07, "N/A": 0.03}
    )
    pooled = entry.kind == "POOL" or (entry.kind == "JOINT" and entry.cost >= 3)
    answers["Q24"] = _YES if pooled else _NO
    accountable = entry.role == "ACC" or (entry.role == "LEAD" and entry.kind == "POOL")
    answers["Q25"] = _YES if accountable else _NO
    for qid in ("Q24", "Q25"):
        if rng.random() < 0.06:
            answers[qid] = _DONT_KNOW

    priorities = [_PRIORITIES[letter] for letter in entry.priorities]
    if rng.random() < 0.2:
        if len(priorities) > 1 and rng.random() < 0.5:
            priorities.pop()
        else:
            extra = rng.choice(list(_PRIORITIES.values()))
            if extra not in priorities:
                priorities.append(extra)
    if rng.random() < 0.25:
        rng.shuffle(priorities)
    answers["Q26"] = "; ".join(priorities)

    answers["Q27"] = rng.choice(_ACHIEVEMENTS) if rng.random() < 0.7 else ""
    answers["Q28"] = _shift(rng, profile.evidence, _EVIDENCE, 0.12)

    # Agreement: the partnership's level, the principle's offset, and the officer's own view.
    officer_view = rng.gauss(0, 0.25)
    if rng.random() < 0.05:
        officer_view -= 1.3  # the occasional officer who disagrees with the rest
    unsure = 0.5 if rng.random() < 0.03 else 0.03  # a new officer answers "Don't know" a lot
    levels = []
    for question in protocol.of_type("agree5"):
        offset = profile.principle_offsets.get(question.principle or "equality", 0.0)
        level = profile.quality + offset + officer_view
        levels.append(level)
        if rng.random() < unsure:
            answers[question.id] = _DONT_KNOW
            continue
        score = min(5, max(1, round(level + rng.gauss(0, 0.55))))
        answers[question.id] = _odd_case(rng, agree_labels[score])
    answers["Q41"] = (
        profile.equality_impact if rng.random() > 0.08 else rng.choice(_EQUALITY_IMPACT)
    )
    answers["Q43"] = _shift(rng, profile.risk, _RISKS, 0.1)
    answers["Q44"] = rng.choice(_RISKS_TEXT) if rng.random() < 0.6 else ""

    view = sum(levels) / len(levels)
    if view >= 3.9:
        advice = _weighted(rng, {"Continue as it is": 8, "Develop or strengthen": 2})
    elif view >= 3.0:
        advice = _weighted(rng, {"Continue as it is": 3, "Develop or strengthen": 6, "Review": 2})
    elif entry.law == "D":
        advice = _weighted(rng, {"Review": 4, "Exit": 5, "Develop or strengthen": 1})
    else:
        advice = _weighted(rng, {"Review": 7, "Develop or strengthen": 3})
    answers["Q45"] = advice
    answers["Q46"] = rng.choice(_COMMENTS) if rng.random() < 0.2 else ""
    return {qid: None if value == "" else value for qid, value in answers.items()}


# --- Planting what validation must find ------------------------------------------------------


def _pick(rng: random.Random, drafts: list[_Draft], eligible: Callable[[_Draft], bool]) -> _Draft:
    """A return not yet touched by another plant, so each planted problem stands alone."""
    candidates = [d for d in drafts if not d.planted and eligible(d)]
    return rng.choice(candidates)


def _plant(rng: random.Random, drafts: list[_Draft], year: int) -> None:
    """Put in the few values the pipeline must quarantine, warn about or neutralise."""
    for qid, text in _UNREADABLE_MONEY + _UNREADABLE_HOURS:
        draft = _pick(rng, drafts, lambda d: True)
        draft.answers[qid] = text
        draft.planted.append(f"parse_error:{qid}")
    for qid, text in _APPROXIMATE_MONEY:
        draft = _pick(rng, drafts, lambda d: True)
        draft.answers[qid] = text
        draft.planted.append(f"approximate:{qid}")
    # Two review dates typed a year ahead by mistake: one UK text, one ISO.
    for style in ("uk", "iso"):
        draft = _pick(rng, drafts, lambda d: d.profile.last_review is not None)
        review = draft.profile.last_review
        assert review is not None
        future = datetime.date(year + 1, review.month, review.day)
        draft.answers["Q18"] = future.strftime("%d/%m/%Y") if style == "uk" else future.isoformat()
        draft.planted.append("future_date:Q18")
    for qid, text in _OFF_OPTION:
        draft = _pick(rng, drafts, lambda d: True)
        draft.answers[qid] = text
        draft.planted.append(f"off_option:{qid}")
    for _ in range(_MISSING_BASIS_COUNT):
        draft = _pick(rng, drafts, lambda d: d.answers["Q10"] == _LAW["S"] and d.answers["Q11"])
        draft.answers["Q11"] = None
        draft.planted.append("missing_basis:Q11")
    for qid, text in _FREE_TEXT:
        draft = _pick(rng, drafts, lambda d: True)
        draft.answers[qid] = text
        draft.planted.append(f"free_text:{qid}")
    for _ in range(_BAD_EMAIL_COUNT):
        draft = _pick(rng, drafts, lambda d: True)
        draft.answers["Q2"] = str(draft.answers["Q2"]).replace("@", ".", 1)
        draft.planted.append("bad_email:Q2")


# --- When returns were submitted -------------------------------------------------------------


def _working_days(year: int) -> list[datetime.date]:
    first, last = datetime.date(year, 3, 1), datetime.date(year, 4, 30)
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    return [day for day in days if day.weekday() < 5]


def _schedule(rng: random.Random, drafts: list[_Draft], year: int) -> None:
    """Officers fill in their returns in one to three sittings between 1 March and 30 April."""
    days = _working_days(year)
    # Later days weigh more: reminders go out as the deadline nears.
    weights = [1 + 2 * n / len(days) for n in range(len(days))]
    by_officer: dict[str, list[_Draft]] = {}
    for draft in drafts:
        by_officer.setdefault(draft.officer.email, []).append(draft)
    for own in by_officer.values():
        rng.shuffle(own)
        sittings = [own[i : i + 4] for i in range(0, len(own), 4)]
        for sitting in sittings:
            day = rng.choices(days, weights=weights)[0]
            clock = datetime.datetime.combine(day, datetime.time(8, 30)) + datetime.timedelta(
                minutes=rng.randint(0, 8 * 60), seconds=rng.randint(0, 59)
            )
            for draft in sitting:
                draft.started_at = clock + datetime.timedelta(seconds=rng.randint(20, 180))
                draft.submitted_at = draft.started_at + datetime.timedelta(
                    minutes=rng.randint(6, 28), seconds=rng.randint(0, 59)
                )
                clock = draft.submitted_at


def _duplicate(rng: random.Random, drafts: list[_Draft]) -> _Draft:
    """The officer pressed submit again a few minutes later: same answers, new response.

    The copy goes to a partnership with fewer than six returns, so that even counting the copy
    no partnership has more than six.
    """
    per_partnership: dict[str, int] = {}
    for draft in drafts:
        name = draft.profile.entry.name
        per_partnership[name] = per_partnership.get(name, 0) + 1
    original = _pick(rng, drafts, lambda d: per_partnership[d.profile.entry.name] < 6)
    assert original.started_at is not None and original.submitted_at is not None
    delay = datetime.timedelta(minutes=rng.randint(3, 9), seconds=rng.randint(0, 59))
    copy = _Draft(
        profile=original.profile,
        officer=original.officer,
        answers=dict(original.answers),
        is_lead=original.is_lead,
        planted=["duplicate"],
        started_at=original.submitted_at + datetime.timedelta(seconds=rng.randint(5, 40)),
        submitted_at=original.submitted_at + delay,
    )
    original.planted.append("duplicated")
    return copy


# --- Platform layouts ------------------------------------------------------------------------

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# The 2025 form went out with Q20 reworded after the protocol was printed (a late wording
# change); its header comes from protocol.yaml's aliases for the year.
_REWORDED = ("Q20",)


def _header(question: Question, protocol: Protocol, year: int) -> str:
    """The question's wording as the year's form showed it."""
    if question.id in _REWORDED:
        for header, qid in protocol.aliases_for(year).items():
            if qid == question.id:
                return header
    return question.text


def _selected(value: Answer) -> list[str]:
    """Labels of a multi-select answer, in the order ticked."""
    return [label for label in str(value or "").split("; ") if label]


def _core_xml(year: int) -> bytes:
    """Fixed document properties: openpyxl would stamp the save time here."""
    stamp = f"{year}-05-01T00:00:00Z"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>Partnership survey {year} (synthetic sample)</dc:title>"
        "<dc:creator>Northmoor sample generator</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


# openpyxl writes its own version here: fixed so that an upgrade alone does not change the file.
_APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties"><Application>Microsoft Excel Compatible</Application></Properties>'
)


def _stable_xlsx(content: bytes, year: int) -> bytes:
    """Rewrite an XLSX zip so the same workbook always gives the same bytes.

    Entries keep openpyxl's order; each gets a fixed time, permissions and compression, and
    the two document-property parts (save time, creator, library version) are replaced.
    """
    fixed_parts = {"docProps/core.xml": _core_xml(year), "docProps/app.xml": _APP_XML}
    stable = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as saved,
        zipfile.ZipFile(stable, "w") as target,
    ):
        for info in saved.infolist():
            data = fixed_parts.get(info.filename) or saved.read(info)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data, compresslevel=6)
    return stable.getvalue()


# How each platform writes the same answers. A layout is a list of columns: the column's
# header in each header row, and how it reads one return. Writers then store the table as
# CSV text (every value as the platform prints it) or as an XLSX sheet (typed cells).

# One cell before storage: datetime/date become Excel cells in XLSX and text in CSV.
_Cell = str | int | float | datetime.date | None

# Survey builders put the principle statements Q29-Q40 in one agree5 grid; Q42 stays alone.
_GRID = tuple(f"Q{n}" for n in range(29, 41))
_GRID_TITLE = "How far do you agree with these statements about the partnership?"
_OTHER = "Other (please specify)"
_UK_DATE = "%d/%m/%Y"
# Documentation address blocks (RFC 5737): no real respondent's IP address.
_IP_BLOCKS = ("192.0.2", "198.51.100", "203.0.113")
_ID_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase


@dataclass(frozen=True)
class _Column:
    """One export column: its text in each header row and its cell for one return."""

    headers: tuple[str, ...]
    value: Callable[[SampleReturn], _Cell]


def _blank(value: Answer) -> _Cell:
    """An answer as a cell: empty answers are empty cells, the rest as typed."""
    return None if value is None or value == "" else value


def _answer(qid: str) -> Callable[[SampleReturn], _Cell]:
    return lambda sample_return: _blank(sample_return.answers.get(qid))


def _joined(qid: str, separator: str, trailing: bool = False) -> Callable[[SampleReturn], _Cell]:
    """A multi-select in one cell, labels in the order ticked (text off the options included)."""

    def cell(sample_return: SampleReturn) -> _Cell:
        labels = _selected(sample_return.answers.get(qid))
        if trailing:
            return "".join(f"{label}{separator}" for label in labels) or None
        return separator.join(labels) or None

    return cell


def _ticked(qid: str, option: str, mark: str | None = None) -> Callable[[SampleReturn], _Cell]:
    """One option's column of a spread multi-select: the label (or ``mark``) when ticked."""
    return lambda r: (mark or option) if option in _selected(r.answers.get(qid)) else None


def _other_text(question: Question) -> Callable[[SampleReturn], _Cell]:
    """What was typed into "Other (please specify)": the labels that are not options."""

    def cell(sample_return: SampleReturn) -> _Cell:
        labels = _selected(sample_return.answers.get(question.id))
        return ", ".join(label for label in labels if label not in question.options) or None

    return cell


def _digest(*parts: object) -> bytes:
    """Stable bytes for platform IDs: the same return always gets the same ID."""
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).digest()


def _return_key(sample_return: SampleReturn) -> tuple[object, ...]:
    """What makes a return itself; it follows from the seed, so IDs change with the seed."""
    return (
        sample_return.response_id,
        sample_return.submitted_at.isoformat(),
        sample_return.respondent_email,
    )


def _ip_address(sample_return: SampleReturn) -> str:
    """One documentation-range address per respondent."""
    digest = _digest("ip", sample_return.respondent_email)
    return f"{_IP_BLOCKS[digest[0] % len(_IP_BLOCKS)]}.{1 + digest[1] % 254}"


def _first_name(sample_return: SampleReturn) -> str:
    return sample_return.respondent_name.split(" ", 1)[0]


def _last_name(sample_return: SampleReturn) -> str:
    return sample_return.respondent_name.partition(" ")[2]


def _twelve_hour(moment: datetime.datetime) -> tuple[int, str]:
    """Hour on a 12-hour clock and AM/PM, without the process locale (strftime %p)."""
    return moment.hour % 12 or 12, "AM" if moment.hour < 12 else "PM"


def _us_short_time(moment: datetime.datetime) -> str:
    """Excel's CSV re-save in a US locale: month first, two-digit year, no seconds."""
    return f"{moment.month}/{moment.day}/{moment:%y} {moment.hour}:{moment:%M}"


def _uk_time(moment: datetime.datetime) -> str:
    return moment.strftime(f"{_UK_DATE} %H:%M:%S")


def _iso_time(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _surveymonkey_time(moment: datetime.datetime) -> str:
    hour, half = _twelve_hour(moment)
    return f"{moment:%m/%d/%Y} {hour:02d}:{moment:%M:%S} {half}"


def _uk_zone(moment: datetime.datetime) -> str:
    """GMT or GMT+1 for a UK clock time: summer time runs between the last Sundays of
    March and October (from 01:00 GMT)."""

    def last_sunday(month: int) -> datetime.datetime:
        last = datetime.date(moment.year, month, 31)
        sunday = last - datetime.timedelta(days=(last.weekday() - 6) % 7)
        return datetime.datetime.combine(sunday, datetime.time(1))

    return "GMT+1" if last_sunday(3) <= moment < last_sunday(10) else "GMT"


def _google_time(moment: datetime.datetime) -> str:
    """The linked sheet's timestamp in a UK owner's locale, with the zone of that day."""
    hour, half = _twelve_hour(moment)
    return f"{moment:%Y/%m/%d} {hour}:{moment:%M:%S} {half} {_uk_zone(moment)}"


def _question_columns(
    protocol: Protocol,
    year: int,
    column: Callable[[Question, str], list[_Column]],
) -> list[_Column]:
    """Columns for every question in questionnaire order; ``column`` gets each question
    with the year's wording and returns its column(s)."""
    return [
        built
        for question in protocol.questions
        for built in column(question, _header(question, protocol, year))
    ]


def _ms_forms_columns(protocol: Protocol, year: int) -> list[_Column]:
    """Microsoft Forms: platform columns, then one column per question headed by its wording."""
    platform = [
        _Column(("ID",), lambda r: r.response_id),
        _Column(("Start time",), lambda r: r.started_at),
        _Column(("Completion time",), lambda r: r.submitted_at),
        _Column(("Email",), lambda r: r.respondent_email),
        _Column(("Name",), lambda r: r.respondent_name),
        _Column(("Last modified time",), lambda r: None),
    ]

    def column(question: Question, wording: str) -> list[_Column]:
        if question.type == "multi":
            return [_Column((wording,), _joined(question.id, ";", trailing=True))]
        return [_Column((wording,), _answer(question.id))]

    return platform + _question_columns(protocol, year, column)


def _surveymonkey_columns(protocol: Protocol, year: int) -> list[_Column]:
    """SurveyMonkey "expanded" results: two header rows, options and grid statements spread."""
    collector = 400_000_000 + int.from_bytes(_digest("collector", year)[:4]) % 100_000_000
    platform = [
        _Column(
            ("Respondent ID", ""),
            lambda r: (
                114_000_000_000
                + r.response_id * 10_000
                + int.from_bytes(_digest("surveymonkey", *_return_key(r))[:4]) % 10_000
            ),
        ),
        _Column(("Collector ID", ""), lambda r: collector),
        _Column(("Start Date", ""), lambda r: r.started_at),
        _Column(("End Date", ""), lambda r: r.submitted_at),
        _Column(("IP Address", ""), _ip_address),
        _Column(("Email Address", ""), lambda r: r.respondent_email),
        _Column(("First Name", ""), _first_name),
        _Column(("Last Name", ""), _last_name),
        _Column(("Custom Data 1", ""), lambda r: None),
    ]

    def column(question: Question, wording: str) -> list[_Column]:
        if question.id in _GRID:
            title = _GRID_TITLE if question.id == _GRID[0] else ""
            return [_Column((title, question.text), _answer(question.id))]
        if question.type == "multi":
            return [
                _Column((wording if n == 0 else "", option), _ticked(question.id, option))
                for n, option in enumerate(question.options)
            ] + [_Column(("", _OTHER), _other_text(question))]
        kind = "Response" if question.type in ("single", "agree5") else "Open-Ended Response"
        return [_Column((wording, kind), _answer(question.id))]

    return platform + _question_columns(protocol, year, column)


def _import_id(import_id: str, zone: bool = False) -> str:
    """Qualtrics' third header row: JSON naming the field it came from."""
    entry = {"ImportId": import_id, **({"timeZone": "Europe/London"} if zone else {})}
    return json.dumps(entry, separators=(",", ":"))


def _qualtrics_columns(
    protocol: Protocol, year: int, split: bool = False, numeric: bool = False
) -> list[_Column]:
    """Qualtrics CSV: short names, wording, ImportId JSON; grid as Q29_1.. Q29_12.

    ``split`` ticks "split multi-value fields into columns"; ``numeric`` is the "numeric
    values" download (choice codes instead of labels), which ingest must refuse.
    """

    def response_id(sample_return: SampleReturn) -> str:
        digest = _digest("qualtrics", *_return_key(sample_return))
        return "R_" + "".join(_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in digest[:15])

    platform = [
        _Column(("StartDate", "Start Date", _import_id("startDate", True)), lambda r: r.started_at),
        _Column(("EndDate", "End Date", _import_id("endDate", True)), lambda r: r.submitted_at),
        _Column(
            ("Status", "Response Type", _import_id("status")),
            lambda r: "0" if numeric else "IP Address",
        ),
        _Column(("IPAddress", "IP Address", _import_id("ipAddress")), _ip_address),
        _Column(("Progress", "Progress", _import_id("progress")), lambda r: "100"),
        _Column(
            ("Duration (in seconds)", "Duration (in seconds)", _import_id("duration")),
            lambda r: int((r.submitted_at - r.started_at).total_seconds()),
        ),
        _Column(
            ("Finished", "Finished", _import_id("finished")),
            lambda r: "1" if numeric else "True",
        ),
        _Column(
            ("RecordedDate", "Recorded Date", _import_id("recordedDate", True)),
            lambda r: r.submitted_at,
        ),
        _Column(("ResponseId", "Response ID", _import_id("_recordId")), response_id),
        _Column(
            ("RecipientLastName", "Recipient Last Name", _import_id("recipientLastName")),
            _last_name,
        ),
        _Column(
            ("RecipientFirstName", "Recipient First Name", _import_id("recipientFirstName")),
            _first_name,
        ),
        _Column(
            ("RecipientEmail", "Recipient Email", _import_id("recipientEmail")),
            lambda r: r.respondent_email,
        ),
        _Column(
            ("ExternalReference", "External Data Reference", _import_id("externalDataReference")),
            lambda r: None,
        ),
        _Column(
            ("LocationLatitude", "Location Latitude", _import_id("locationLatitude")),
            lambda r: None,
        ),
        _Column(
            ("LocationLongitude", "Location Longitude", _import_id("locationLongitude")),
            lambda r: None,
        ),
        _Column(
            ("DistributionChannel", "Distribution Channel", _import_id("distributionChannel")),
            lambda r: "email",
        ),
        _Column(("UserLanguage", "User Language", _import_id("userLanguage")), lambda r: "EN-GB"),
    ]
    agree5 = {label.casefold(): str(score) for label, score in protocol.agree5.items()}

    def coded(question: Question) -> Callable[[SampleReturn], _Cell]:
        """Choice codes 1..n in option order (agree5: the scale's score); others blank."""
        codes = {option: str(n) for n, option in enumerate(question.options, start=1)}

        def cell(sample_return: SampleReturn) -> _Cell:
            typed = str(sample_return.answers.get(question.id) or "")
            if question.type == "agree5":
                return agree5.get(typed.strip().casefold())
            if question.type == "multi":
                return ",".join(codes[x] for x in _selected(typed) if x in codes) or None
            return codes.get(typed)

        return cell

    def column(question: Question, wording: str) -> list[_Column]:
        number = question.id.removeprefix("Q")
        if question.id in _GRID:
            name = f"{_GRID[0]}_{_GRID.index(question.id) + 1}"
            headers = (name, f"{_GRID_TITLE} - {question.text}", _import_id(f"QID{name[1:]}"))
        elif question.type in ("single", "multi", "agree5"):
            headers = (question.id, wording, _import_id(f"QID{number}"))
        else:  # text entry
            headers = (question.id, wording, _import_id(f"QID{number}_TEXT"))
        if numeric and question.type in ("single", "multi", "agree5"):
            return [_Column(headers, coded(question))]
        if question.type == "multi" and split:
            other = len(question.options) + 1
            return [
                _Column(
                    (f"{question.id}_{n}", f"{wording} - {option}", _import_id(f"QID{number}_{n}")),
                    _ticked(question.id, option, mark="1"),
                )
                for n, option in enumerate(question.options, start=1)
            ] + [
                _Column(
                    (
                        f"{question.id}_{other}_TEXT",
                        f"{wording} - {_OTHER} - Text",
                        _import_id(f"QID{number}_{other}_TEXT"),
                    ),
                    _other_text(question),
                )
            ]
        if question.type == "multi":
            return [_Column(headers, _joined(question.id, ","))]
        return [_Column(headers, _answer(question.id))]

    return platform + _question_columns(protocol, year, column)


def _google_forms_columns(protocol: Protocol, year: int) -> list[_Column]:
    """Google Forms' linked sheet: Timestamp, Email address, then wording; grid as
    ``<title> [<statement>]``."""
    platform = [
        _Column(("Timestamp",), lambda r: _google_time(r.submitted_at)),
        _Column(("Email address",), lambda r: r.respondent_email),
    ]

    def column(question: Question, wording: str) -> list[_Column]:
        if question.id in _GRID:
            return [_Column((f"{_GRID_TITLE} [{question.text}]",), _answer(question.id))]
        if question.type == "multi":
            return [_Column((wording,), _joined(question.id, ", "))]
        return [_Column((wording,), _answer(question.id))]

    return platform + _question_columns(protocol, year, column)


def _smartsurvey_columns(protocol: Protocol, year: int) -> list[_Column]:
    """SmartSurvey: platform columns, then wording; options spread as ``<wording> - <option>``,
    grid as ``<title> - <statement>``."""
    platform = [
        _Column(
            ("UserID",),
            lambda r: (
                200_000_000 + r.response_id * 100 + _digest("smartsurvey", *_return_key(r))[0] % 100
            ),
        ),
        _Column(("UserNo",), lambda r: r.response_id),
        _Column(("Name",), lambda r: r.respondent_name),
        _Column(("Email",), lambda r: r.respondent_email),
        _Column(("IP Address",), _ip_address),
        _Column(("Unique ID",), lambda r: None),
        _Column(("Started",), lambda r: r.started_at),
        _Column(("Ended",), lambda r: r.submitted_at),
    ]

    def column(question: Question, wording: str) -> list[_Column]:
        if question.id in _GRID:
            return [_Column((f"{_GRID_TITLE} - {question.text}",), _answer(question.id))]
        if question.type == "multi":
            return [
                _Column((f"{wording} - {option}",), _ticked(question.id, option))
                for option in question.options
            ] + [_Column((f"{wording} - {_OTHER}",), _other_text(question))]
        return [_Column((wording,), _answer(question.id))]

    return platform + _question_columns(protocol, year, column)


def _plain_columns(protocol: Protocol, year: int) -> list[_Column]:
    """An analyst's own sheet: question IDs only, in an order of their own (seeded)."""
    ids = list(protocol.ids)
    random.Random(f"plain_csv:{year}").shuffle(ids)
    multi = {q.id for q in protocol.of_type("multi")}
    return [_Column((qid,), _joined(qid, "; ") if qid in multi else _answer(qid)) for qid in ids]


def _table(columns: list[_Column], returns: list[SampleReturn]) -> list[list[_Cell]]:
    """Header rows, then one row per return."""
    header_rows = [
        [column.headers[n] for column in columns] for n in range(len(columns[0].headers))
    ]
    body = [[column.value(sample_return) for column in columns] for sample_return in returns]
    return [*header_rows, *body]


def _save_xlsx(
    table: list[list[_Cell]], header_rows: int, path: Path, year: int, time_format: str
) -> Path:
    """One sheet; times and dates as Excel cells; typed text starting with "=" stays text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    for n, row in enumerate(table):
        sheet.append([None if n < header_rows and cell == "" else cell for cell in row])
    for row in sheet.iter_rows(min_row=header_rows + 1):
        for cell in row:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = time_format
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "dd/mm/yyyy"
            elif isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # typed text, not a formula
    saved = io.BytesIO()
    workbook.save(saved)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_stable_xlsx(saved.getvalue(), year))
    return path


def _save_csv(
    table: list[list[_Cell]],
    path: Path,
    time_text: Callable[[datetime.datetime], str],
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    """Write the table as text the way the platform prints each value.

    Times go through ``time_text``, date cells become UK day-first text, and the csv module
    quotes whatever holds the delimiter, quotes or line breaks. ``utf-16`` is written
    little-endian after a BOM, whatever the machine, so the bytes never vary.
    """

    def text(cell: _Cell) -> str:
        if cell is None:
            return ""
        if isinstance(cell, datetime.datetime):
            return time_text(cell)
        if isinstance(cell, datetime.date):
            return cell.strftime(_UK_DATE)
        return str(cell)

    path.parent.mkdir(parents=True, exist_ok=True)
    bom = ""
    if encoding == "utf-16":
        encoding, bom = "utf-16-le", "\ufeff"
    with path.open("w", encoding=encoding, newline="") as handle:
        handle.write(bom)
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerows([[text(cell) for cell in row] for row in table])
    return path


# --- Public API -------------------------------------------------------------------------------


def generate_returns(year: int, protocol: Protocol, seed: int = 2025) -> list[SampleReturn]:
    """Decide what every officer answered, deterministically, without any platform's layout.

    Pure: one ``random.Random(seed + year)`` drives everything, so the same arguments always
    give the same returns. Returns are numbered 1..N in submission order, as MS Forms does.
    """
    _check_labels(protocol)
    rng = random.Random(seed + year)
    agree_labels = {score: label for label, score in protocol.agree5.items()}
    principles = sorted({q.principle for q in protocol.questions if q.principle}) + ["equality"]
    profiles = _build_profiles(rng, year, principles)
    officers = _build_officers(rng)
    counts = _officer_counts(rng, profiles)
    drafts = [
        _Draft(
            profile,
            officer,
            _answers(rng, profile, officer, n == 0, protocol, agree_labels),
            is_lead=n == 0,
        )
        for profile, count in zip(profiles, counts, strict=True)
        for n, officer in enumerate(_choose_officers(rng, profile, count, officers))
    ]
    for profile in profiles:  # every alias is typed at least once
        alias = _ALIASES.get(profile.entry.name)
        typed = [d for d in drafts if d.profile is profile and not d.is_lead]
        if alias and typed and all(d.answers["Q6"] != alias for d in typed):
            typed[0].answers["Q6"] = alias
    _plant(rng, drafts, year)
    _schedule(rng, drafts, year)
    drafts.append(_duplicate(rng, drafts))
    drafts.sort(key=lambda d: (d.submitted_at, d.officer.email, d.profile.entry.name))
    returns = []
    for number, draft in enumerate(drafts, start=1):
        assert draft.started_at is not None and draft.submitted_at is not None
        returns.append(
            SampleReturn(
                response_id=number,
                answers=draft.answers,
                submitted_at=draft.submitted_at,
                started_at=draft.started_at,
                true_partnership=draft.profile.entry.name,
                respondent_name=draft.officer.name,
                respondent_email=draft.officer.email,
            )
        )
    logger.info(
        "Generated %d returns about %d partnerships from %d officers for %d (seed %d).",
        len(returns),
        len(profiles),
        sum(len(v) for v in officers.values()),
        year,
        seed,
    )
    return returns


def write_ms_forms_xlsx(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """Write the returns as a Microsoft Forms Excel download, byte-identical on every run.

    One sheet, one header row: the platform columns, then one column per question headed by
    the year's wording, in questionnaire order. Times are Excel date-time cells, multi-select
    answers are joined by ";" with a trailing ";", and typed text starting with "=" stays text.
    """
    table = _table(_ms_forms_columns(protocol, year), returns)
    return _save_xlsx(table, 1, path, year, "m/d/yy h:mm:ss")


def write_ms_forms_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """The Microsoft Forms download re-saved by Excel as CSV in a US locale.

    cp1252 text (the £ sign is byte 0xA3), times as month-first locale text
    (``3/14/25 10:22``), and the Q18 date cells as day-first text (``05/11/2024``).
    """
    table = _table(_ms_forms_columns(protocol, year), returns)
    return _save_csv(table, path, _us_short_time, encoding="cp1252")


def write_utf16_tsv(returns: list[SampleReturn], protocol: Protocol, path: Path, year: int) -> Path:
    """The Microsoft Forms layout as some tools save it: UTF-16 with a BOM, tab-separated.

    The file keeps a ``.csv`` name (as those tools leave it), times are UK day-first text
    (``14/03/2025 10:22:31``) and the Q18 date cells day-first text.
    """
    table = _table(_ms_forms_columns(protocol, year), returns)
    return _save_csv(table, path, _uk_time, encoding="utf-16", delimiter="\t")


def write_surveymonkey_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """SurveyMonkey's expanded CSV: two header rows, Q26 spread over its options plus
    "Other (please specify)", Q29-Q40 as a grid; times as ``03/14/2025 10:22:31 AM``."""
    table = _table(_surveymonkey_columns(protocol, year), returns)
    return _save_csv(table, path, _surveymonkey_time)


def write_surveymonkey_xlsx(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """SurveyMonkey's expanded XLSX: the CSV's two header rows; times as date-time cells."""
    table = _table(_surveymonkey_columns(protocol, year), returns)
    return _save_xlsx(table, 2, path, year, "mm/dd/yyyy hh:mm:ss AM/PM")


def write_qualtrics_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """Qualtrics "choice text" CSV: UTF-8 with a BOM, three header rows (names, wording,
    ImportId JSON), Q26 in one cell joined by ",", the grid as Q29_1..Q29_12, ISO times."""
    table = _table(_qualtrics_columns(protocol, year), returns)
    return _save_csv(table, path, _iso_time, encoding="utf-8-sig")


def write_qualtrics_split_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """Qualtrics with "split multi-value fields into columns": Q26 as Q26_1..Q26_4 holding 1
    or blank, and the "Other (please specify)" text in Q26_5_TEXT."""
    table = _table(_qualtrics_columns(protocol, year, split=True), returns)
    return _save_csv(table, path, _iso_time, encoding="utf-8-sig")


def write_qualtrics_numeric_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """Qualtrics "numeric values" CSV, which ingest must refuse: choices as codes 1..n.

    Only for that test: answers off the options (and "Don't know" on a statement) are left
    blank, so this file does not carry every answer.
    """
    table = _table(_qualtrics_columns(protocol, year, numeric=True), returns)
    return _save_csv(table, path, _iso_time, encoding="utf-8-sig")


def write_google_forms_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """Google Forms' linked-sheet CSV: one header row, Q26 joined by ", ", the grid as
    ``<title> [<statement>]``, times like ``2025/03/14 10:22:31 AM GMT`` (GMT+1 in summer)."""
    table = _table(_google_forms_columns(protocol, year), returns)
    return _save_csv(table, path, _uk_time)


def write_smartsurvey_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """SmartSurvey CSV (UTF-8 with a BOM): one header row, Q26 spread over its options,
    the grid as ``<title> - <statement>``, times as ``14/03/2025 10:22:31``."""
    table = _table(_smartsurvey_columns(protocol, year), returns)
    return _save_csv(table, path, _uk_time, encoding="utf-8-sig")


def write_smartsurvey_xlsx(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """SmartSurvey XLSX: the CSV's header row; times as date-time cells."""
    table = _table(_smartsurvey_columns(protocol, year), returns)
    return _save_xlsx(table, 1, path, year, "dd/mm/yyyy hh:mm:ss")


def write_plain_csv(returns: list[SampleReturn], protocol: Protocol, path: Path, year: int) -> Path:
    """An analyst's own CSV: question IDs as headers in a shuffled (seeded) order, no
    platform columns, Q26 joined by "; "."""
    table = _table(_plain_columns(protocol, year), returns)
    return _save_csv(table, path, _iso_time)


_Writer = Callable[[list[SampleReturn], Protocol, Path, int], Path]
# layout -> (file suffix, file name part, writer)
_LAYOUTS: dict[str, tuple[str, str, _Writer]] = {
    "msforms_xlsx": ("xlsx", "msforms", write_ms_forms_xlsx),
    "msforms_csv": ("csv", "msforms", write_ms_forms_csv),
    "surveymonkey_csv": ("csv", "surveymonkey", write_surveymonkey_csv),
    "surveymonkey_xlsx": ("xlsx", "surveymonkey", write_surveymonkey_xlsx),
    "qualtrics_csv": ("csv", "qualtrics", write_qualtrics_csv),
    "qualtrics_split_csv": ("csv", "qualtrics_split", write_qualtrics_split_csv),
    "qualtrics_numeric_csv": ("csv", "qualtrics_numeric", write_qualtrics_numeric_csv),
    "google_forms_csv": ("csv", "google_forms", write_google_forms_csv),
    "smartsurvey_csv": ("csv", "smartsurvey", write_smartsurvey_csv),
    "smartsurvey_xlsx": ("xlsx", "smartsurvey", write_smartsurvey_xlsx),
    "plain_csv": ("csv", "plain", write_plain_csv),
    "utf16_tsv": ("csv", "utf16_tsv", write_utf16_tsv),
}

LAYOUTS: tuple[str, ...] = tuple(_LAYOUTS)
"""Every layout the generator writes (survey-exports.md), for ``write_export`` and tests."""


def _layout(layout: str) -> tuple[str, str, _Writer]:
    if layout not in _LAYOUTS:
        raise PipelineError(
            f"The sample generator has no layout '{layout}'; choose one of {', '.join(LAYOUTS)}."
        )
    return _LAYOUTS[layout]


def export_name(year: int, layout: str) -> str:
    """The file name a layout's sample gets: partnership_survey_<year>_<name>.<suffix>."""
    suffix, name, _ = _layout(layout)
    return f"partnership_survey_{year}_{name}.{suffix}"


def write_export(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int, layout: str
) -> Path:
    """Write the same returns in one platform's layout (one of ``LAYOUTS``) to ``path``."""
    _, _, write = _layout(layout)
    return write(returns, protocol, path, year)


def _year_before(day: datetime.date) -> datetime.date:
    """The same day a year earlier (29 February becomes the 28th)."""
    leap_day = (day.month, day.day) == (2, 29)
    return day.replace(year=day.year - 1, day=28 if leap_day else day.day)


def _typed_date_year_before(typed: Answer) -> Answer:
    """The same review date a year earlier, typed the way it was typed."""
    if isinstance(typed, datetime.datetime):
        return typed.replace(year=typed.year - 1)
    if isinstance(typed, datetime.date):
        return _year_before(typed)
    if isinstance(typed, str):
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                day = datetime.datetime.strptime(typed.strip(), pattern).date()
            except ValueError:
                continue
            return _year_before(day).strftime(pattern)
    return typed


def _agree_one_step_up(typed: Answer, protocol: Protocol) -> Answer:
    scores = {label.casefold(): score for label, score in protocol.agree5.items()}
    labels = {score: label for label, score in protocol.agree5.items()}
    if not isinstance(typed, str) or typed.strip().casefold() not in scores:
        return typed
    return labels[min(max(labels), scores[typed.strip().casefold()] + 1)]


def _cash_lower(typed: Answer) -> Answer:
    digits = typed.replace("£", "").replace(",", "").strip() if isinstance(typed, str) else ""
    if not digits.isdigit() or int(digits) == 0:
        return typed
    return f"£{round(int(digits) * 0.6, -2):,.0f}"


def previous_year_returns(
    current: list[SampleReturn], protocol: Protocol, seed: int = 2025
) -> list[SampleReturn]:
    """The year before's returns, derived from this year's so that the two years match.

    A few of this year's partnerships are new (absent the year before), two that ran the year
    before have ended (their officers' returns are kept, under their own names), some scored
    better the year before and some cost less. Times and review dates move back a year.
    """
    rng = random.Random(seed * 31 + BASE_YEAR - 1)
    names = sorted({r.true_partnership for r in current})
    chosen = rng.sample(names, _NEW_COUNT + len(_ENDED) + _DECLINED_COUNT + _COST_ROSE_COUNT)
    new = set(chosen[:_NEW_COUNT])
    templates = dict(zip(chosen[_NEW_COUNT : _NEW_COUNT + len(_ENDED)], _ENDED, strict=True))
    declined = set(chosen[_NEW_COUNT + len(_ENDED) :][:_DECLINED_COUNT])
    cost_rose = set(chosen[-_COST_ROSE_COUNT:])
    agree5 = [q.id for q in protocol.of_type("agree5")]
    drafts: list[tuple[SampleReturn, dict[str, Answer], str]] = []
    for item in current:
        truth = item.true_partnership
        variants = [(truth, dict(item.answers))]
        if truth in templates:  # the ended partnership's officer also reported this one
            variants.append((templates[truth], {**item.answers, "Q6": templates[truth]}))
        for name, answers in variants:
            if name in new:
                continue
            answers["Q18"] = _typed_date_year_before(answers.get("Q18"))
            if name in declined:
                answers.update({q: _agree_one_step_up(answers.get(q), protocol) for q in agree5})
            if name in cost_rose:
                answers["Q20"] = _cash_lower(answers.get("Q20"))
            drafts.append((item, answers, name))
    earlier = []
    ordered = sorted(drafts, key=lambda d: (d[0].submitted_at, d[2]))
    for number, (item, answers, name) in enumerate(ordered, start=1):
        earlier.append(
            replace(
                item,
                response_id=number,
                answers=answers,
                submitted_at=item.submitted_at.replace(year=item.submitted_at.year - 1),
                started_at=item.started_at.replace(year=item.started_at.year - 1),
                true_partnership=name,
            )
        )
    return earlier


def sample_returns(year: int, protocol: Protocol, seed: int = 2025) -> list[SampleReturn]:
    """The sample's returns for a year: the base year drawn, the year before derived from it."""
    if year == BASE_YEAR - 1:
        return previous_year_returns(generate_returns(BASE_YEAR, protocol, seed), protocol, seed)
    return generate_returns(year, protocol, seed)


def write_sample(
    year: int,
    root: Path | None = None,
    seed: int = 2025,
    layouts: tuple[str, ...] = ("msforms_xlsx",),
) -> list[Path]:
    """Write the year's sample exports under data/raw/<year>/, one file per layout.

    The committed sample is the Microsoft Forms download alone; tests ask for more layouts,
    each the same returns. The protocol is read from ``root``'s config, so a test can
    generate into ``tmp_path``. Regenerating gives byte-identical files.
    """
    names = [export_name(year, layout) for layout in layouts]  # unknown layouts fail first
    protocol = protocol_module.load(root)
    returns = sample_returns(year, protocol, seed)
    written = []
    for layout, name in zip(layouts, names, strict=True):
        path = write_export(returns, protocol, paths.raw_dir(year, root) / name, year, layout)
        written.append(path)
        logger.info("Wrote %s (%d returns).", path, len(returns))
    return written
