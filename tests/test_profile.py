"""The typed profile: every step stores into a declared field, and stored rows of every age load."""

from __future__ import annotations

import dataclasses

from dialogs.engine import Engine
from dialogs.flow import Choice, Ctx, Flow, Replies, Step
from dialogs.i18n import N_
from dialogs.model import Services, State
from dialogs.profile import FIELDS, Location, Profile
from dialogs.steps import FLOW, STEP_LIST
from tests.driver import Chat


def test_every_answering_step_stores_into_a_profile_field() -> None:
    for step in STEP_LIST:
        if step.edit_label or step.parse or step.kind in ("multi", "location"):
            assert step.key in FIELDS, step.id


def test_an_old_row_keeps_loading() -> None:
    """Earlier versions stored the radius as text and had no typed location; unknown keys are ignored."""
    old = {
        "age": "17",
        "consent": "2026-01-01",
        "radius": "10",
        "location": {"name": "Herne", "lat": 51.54, "lon": 7.22, "postcode": "44623"},
        "wishes": ["friseur"],
        "no_longer_used": True,
        "completed": True,
    }
    profile = Profile.from_json(old)
    assert profile.age == 17 and profile.radius == 10 and profile.completed
    assert profile.location == Location("Herne", 51.54, 7.22, "44623")
    assert Profile.from_json(profile.to_json()) == profile


def test_an_unreadable_value_is_asked_again_instead_of_crashing() -> None:
    profile = Profile.from_json({"age": "seventeen", "radius": None, "location": "Herne"})
    assert profile.age is None and profile.radius is None and profile.location is None


def test_only_german_is_kept_as_an_answer() -> None:
    profile = Profile(languages=[])
    assert Profile.from_json(profile.to_json()).languages == []
    assert dataclasses.asdict(Profile.from_json({}))["wishes"] == []


def _intro_chosen(ctx: Ctx, value: str) -> Replies:
    return ctx.advance(ctx.step)


def test_a_new_step_is_one_declaration(services: Services) -> None:
    """How to add a step (docs/architecture.md): declare it and put it into the list, nothing else."""
    tip = Step(
        id="tip",
        prompt=N_("Did you know? An Ausbildung pays a salary from the first month."),
        choices=(Choice("ok", N_("Continue")),),
        on_choice=_intro_chosen,
    )
    at = STEP_LIST.index(FLOW.by_id["interests"]) + 1
    flow = Flow((*STEP_LIST[:at], tip, *STEP_LIST[at:]), FLOW.commands, FLOW.unknown_command)
    chat = Chat(Engine(services, flow), lang="en")
    chat.onboard(until="tip")
    assert "pays a salary" in chat.text
    chat.tap("Continue")
    assert chat.step == "wish"
    state = chat.state
    assert isinstance(state, State) and state.profile.interests == ["technik"]
