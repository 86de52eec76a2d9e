"""Word pools for the seeded workspace: names, meeting titles, bot names and hostile text.

Every domain here is a reserved ``.example`` / ``.test`` name, so no address can reach anyone.
"""

from __future__ import annotations

COMPANY_NAME = "Northwind Traders"
COMPANY_DOMAIN = "northwind.example"
# A second mailbox domain (an acquired lab on the other calendar platform), so a user who has
# both calendars connected has two different addresses.
LABS_DOMAIN = "northwind-labs.example"
# Team-wide invitations go to a group address rather than to each person.
ALL_HANDS_GROUP = f"everyone@{COMPANY_DOMAIN}"
# The company's own user id style, e.g. "nw-000042".
USER_ID_PREFIX = "nw-"

FIRST_NAMES: tuple[str, ...] = (
    "Ada", "Alan", "Amara", "Ana", "Arjun", "Beatriz", "Ben", "Bianca", "Carlos", "Chen",
    "Chioma", "Clara", "Daniel", "Dara", "Diego", "Elena", "Emeka", "Emma", "Erik", "Fatima",
    "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jamal", "Jana", "Jonas", "Julia",
    "Kai", "Kenji", "Lara", "Leo", "Lina", "Lucas", "Maya", "Mateo", "Mei", "Mila",
    "Nadia", "Noah", "Nora", "Omar", "Olga", "Priya", "Rafael", "Rosa", "Sami", "Sara",
    "Sofia", "Tariq", "Thea", "Tomas", "Uma", "Victor", "Wei", "Yara", "Yusuf", "Zoe",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Abara", "Andersen", "Bakker", "Banerjee", "Costa", "Dubois", "Eriksen", "Fischer",
    "Garcia", "Haddad", "Ito", "Jensen", "Kowalski", "Kim", "Larsen", "Lopez", "Mensah",
    "Moreau", "Nakamura", "Novak", "Okafor", "Olsen", "Patel", "Petrov", "Quinn", "Rossi",
    "Santos", "Schmidt", "Silva", "Tanaka", "Torres", "Usman", "Varga", "Wagner", "Walsh",
    "Xu", "Yilmaz", "Young", "Zhang", "Zimmer",
)  # fmt: skip

# People outside the workspace: customers, partners, vendors.
EXTERNAL_DOMAINS: tuple[str, ...] = (
    "acme.test",
    "globex.example",
    "initech.test",
    "umbrella-partners.example",
    "contoso-customer.test",
)

TEAM_NAMES: tuple[str, ...] = (
    "Payments", "Search", "Mobile", "Data", "Platform", "Growth", "Support Tools", "Billing",
    "Identity", "Design", "Sales East", "Sales West", "Finance", "People", "Security", "Infra",
)  # fmt: skip

INTERNAL_TITLES: tuple[str, ...] = (
    "Roadmap review", "Design critique", "Sprint retro", "Incident review", "Budget check-in",
    "Hiring sync", "Architecture deep dive", "Quarterly planning", "Launch readiness",
    "Coffee chat", "Mentoring session", "Interview debrief", "Pairing session",
)  # fmt: skip

EXTERNAL_TITLES: tuple[str, ...] = (
    "Customer onboarding", "Renewal discussion", "Partner sync", "Vendor demo",
    "Quarterly business review", "Security questionnaire walkthrough", "Pilot kickoff",
    "Pricing discussion", "Integration check-in", "Support escalation",
)  # fmt: skip

NO_LINK_TITLES: tuple[str, ...] = (
    "Focus time", "Lunch", "Commute", "Dentist", "Gym", "Room 4B: whiteboard session",
    "Office hours (in person)", "Team lunch at the canteen",
)  # fmt: skip

ALL_DAY_TITLES: tuple[str, ...] = (
    "Out of office", "Public holiday", "Company offsite", "Conference: DevDays", "Parental leave",
    "Moving day",
)  # fmt: skip

DESCRIPTIONS: tuple[str, ...] = (
    "",
    "Agenda in the shared doc.",
    "Please come prepared with last week's numbers.",
    "Dial-in details below.\n\nNotes will be shared afterwards.",
    "Recurring check-in. Reschedule if you cannot make it.",
)

BOT_NAMES: tuple[str, ...] = (
    "Notetaker",
    "Northwind Recorder",
    "Meeting Assistant",
    "Northwind Notes",
    "Recorder (Northwind)",
)

# Text a real calendar can carry and a console must render inertly: markup, script tags,
# Markdown links and spreadsheet formula prefixes.
HOSTILE_TITLES: tuple[str, ...] = (
    "<script>alert('title')</script> Weekly sync",
    "<img src=x onerror=alert(1)> Planning",
    "[Click to join](javascript:alert(1))",
    '=HYPERLINK("http://attacker.example/","Agenda")',
    "+SUM(1+1) Budget review",
    "-2+3 Standup",
    "@SUM(A1:A9) Forecast",
    "**Bold** _claim_ <b>urgent</b> & <i>more</i>",
)

HOSTILE_NAMES: tuple[str, ...] = (
    "<script>alert('name')</script>",
    "=cmd|' /C calc'!A0",
    "[Mallory](https://attacker.example/)",
    "<b>Eve</b> & Co",
    "@Trudy",
)

HOSTILE_BOT_NAMES: tuple[str, ...] = (
    "<script>alert('bot')</script>Recorder",
    "=1+1 Notetaker",
)

HOSTILE_DESCRIPTION = (
    '<a href="javascript:alert(1)">Open agenda</a>\n'
    "[Join here](http://attacker.example/join)\n"
    '=IMPORTXML("http://attacker.example","//a")'
)
