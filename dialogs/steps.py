"""The whole dialog, in order: the order of this list is the order a person is asked in and resumes in.

To add a step, declare it (see ``dialogs/questions.py`` for examples) and put it where it belongs in
``STEP_LIST``; give it a profile field if it stores an answer (``dialogs/profile.py``), and translate its
texts (``make locales-update``). docs/architecture.md walks through it.
"""

from __future__ import annotations

from dialogs.company.steps import TO_COMPANY
from dialogs.discovery import DISCOVER, DISCOVER_PICK
from dialogs.flow import Command, Flow, Step
from dialogs.questions import (
    AGE,
    CERT_RECOGNISED,
    CERTIFICATE,
    CONSENT,
    GERMAN,
    INTERESTS,
    LANGUAGES,
    LOCATION,
    RADIUS,
    SITUATION,
    START,
)
from dialogs.screens import (
    COACH_CHAT,
    COMMANDS,
    CONFIRM,
    DELETE,
    HELP,
    LANGUAGE,
    MENU,
    PRIVACY,
    SUMMARY,
    unknown_command,
)
from dialogs.wishes import WISH, WISH_MORE, WISH_PICK, WISHES

STEP_LIST: tuple[Step, ...] = (
    AGE,
    CONSENT,
    SITUATION,
    CERTIFICATE,
    CERT_RECOGNISED,
    GERMAN,
    LANGUAGES,
    LOCATION,
    RADIUS,
    INTERESTS,
    WISH,
    WISH_PICK,
    WISH_MORE,
    DISCOVER,
    DISCOVER_PICK,
    START,
    SUMMARY,
    MENU,
    WISHES,
    LANGUAGE,
    PRIVACY,
    DELETE,
    HELP,
    CONFIRM,
    COACH_CHAT,
)

#: ``/start <keyword>`` (a deep link) that opens something else than the young people's dialog; any other
#: argument is a source code (``dialogs.screens``).
START_KEYWORDS: dict[str, Command] = {"betrieb": TO_COMPANY}

FLOW = Flow(STEP_LIST, {**COMMANDS, "betrieb": TO_COMPANY}, unknown_command, start_keywords=START_KEYWORDS)
STEPS = FLOW.by_id
