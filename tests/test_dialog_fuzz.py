"""Property test: any sequence of events keeps the dialog answering, valid and within Telegram's limits."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.callbacks import LEGACY_STEPS, RESERVED
from dialogs.engine import Engine
from dialogs.i18n import LANGUAGES
from dialogs.model import Event, State
from dialogs.steps import STEPS

STEP_IDS = sorted(STEPS)
KNOWN_VALUES = sorted(
    {c.value for step in STEPS.values() if not callable(step.choices) for c in step.choices}
    | {
        "yes",
        "no",
        "_done",
        "ok",
        "places",
        "coach",
        "profile",
        "home",
        "export",
        "delete",
        "delete_yes",
        *LANGUAGES,
    }
    | {"5", "10", "25", "50", "asap", "2027-08", "unsure", "retype", "none", "add", "done", "_add", "_back"}
)
COMMANDS = [
    "start",
    "menu",
    "profile",
    "cancel",
    "language",
    "privacy",
    "help",
    "coach",
    "export",
    "delete",
    "x",
]
TYPICAL_TEXT = ["17", "14", "44623", "Herne", "Kfz Mechatroniker", "Friseurin", "08.2027", "1", "0", "ja"]

events = st.one_of(
    st.builds(lambda t: Event.typed(t), st.text(max_size=4096)),
    st.builds(lambda t: Event.typed(t), st.sampled_from(TYPICAL_TEXT)),
    st.builds(
        lambda step, value: Event.pressed(f"{step}:{value}"),
        st.sampled_from([*STEP_IDS, *LEGACY_STEPS, *RESERVED, "??"]),
        st.one_of(st.sampled_from(KNOWN_VALUES), st.text(max_size=70)),
    ),
    st.builds(lambda name: Event("command", name), st.sampled_from(COMMANDS)),
    st.builds(
        lambda lat, lon: Event("location", lat=lat, lon=lon),
        st.floats(-90, 90, allow_nan=False),
        st.floats(-180, 180, allow_nan=False),
    ),
    st.just(Event("unsupported")),
)


# The engine is stateless between calls, so sharing the fixture across examples is safe.
@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,  # the same 10,000 events on every run: CI must not turn red by chance
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(events, min_size=40, max_size=40), st.sampled_from(LANGUAGES))
def test_any_events_get_valid_replies(engine: Engine, sequence: list[Event], lang: str) -> None:
    state: State | None = None
    for event in sequence:
        outcome = engine.handle(state, event, lang)
        assert outcome.replies or outcome.actions
        state = outcome.state
        assert state.step in STEPS and state.lang in LANGUAGES
        assert state.consented or set(state.profile.to_json()) <= {
            "age"
        }  # nothing but the age before consent
        for reply in outcome.replies:
            assert reply.text.strip() and len(reply.text) <= 4096
            for row in reply.buttons:
                assert 0 < len(row) <= 8
                for button in row:
                    assert button.label and len(button.data.encode()) <= 64
