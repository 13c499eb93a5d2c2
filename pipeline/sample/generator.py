"""Draws the sample's returns: what every officer answered, before any platform's layout."""

from __future__ import annotations

import datetime
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.errors import PipelineError
from pipeline.protocol import Protocol
from pipeline.sample.returns import Answer, SampleReturn

logger = logging.getLogger(__name__)

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
