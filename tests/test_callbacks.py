"""Callback data: one module packs and unpacks every kind of button, within Telegram's 64 bytes."""

from __future__ import annotations

import pytest

from dialogs import callbacks as cb
from dialogs.company.steps import COMPANY_FLOW
from dialogs.steps import STEP_LIST

BIG = 10**15  # larger than any id the database hands out


@pytest.mark.parametrize(
    "button",
    [
        cb.PlacesPage(BIG),
        cb.PlaceDetails(BIG, BIG),
        cb.PlaceInterested(BIG, 3),
        cb.PlaceDismissed(BIG, 0),
        cb.PlaceAlerts(True),
        cb.PlaceAlerts(False),
        cb.Rating(BIG, 5),
        *(cb.FollowUpAnswer(choice) for choice in cb.FOLLOW_UP_CHOICES),
        cb.CoachTake(BIG),
        cb.CoachClose(BIG),
        cb.CoachReopen(BIG),
        cb.CoachHandOver(BIG, 99),
        cb.VerifyApprove(BIG),
        cb.VerifyReject(BIG),
        cb.VerifyReason(BIG, "incomplete"),
        cb.VerifyAsk(BIG),
        cb.VerifyFilled(BIG),
        cb.StillOpen(BIG, True),
        cb.StillOpen(BIG, False),
        cb.CompanyMeet(BIG),
        cb.ShareAnswer(BIG, True),
        cb.SendProfile(BIG),
    ],
)
def test_every_kind_round_trips_within_64_bytes(button: cb.Packed) -> None:
    data = button.pack()
    assert len(data.encode()) <= cb.MAX_BYTES
    assert cb.unpack(data) == button


def test_no_step_id_collides_with_a_prefix() -> None:
    ids = {step.id for step in (*STEP_LIST, *COMPANY_FLOW.steps)}
    assert not ids & cb.RESERVED
    assert not ids & set(cb.LEGACY_STEPS)


def test_step_choices_keep_colons_in_the_value() -> None:
    assert cb.unpack("consent:yes:17") == cb.StepChoice("consent", "yes:17")
    assert cb.unpack("lang:tr") == cb.StepChoice("language", "tr")


@pytest.mark.parametrize(
    "data",
    [
        "",
        "pl:p",
        "pl:p:x",
        "pl:d:1",
        "pl:a:2",
        "rt:5:9",
        "rt:x:1",
        "co:t:",
        "pl",
        ":x",
        "x" * 65,
        "pl:p:1:2",
        "fu:later",
        "fu:",
    ],
)
def test_malformed_or_forged_data_unpacks_to_nothing(data: str) -> None:
    assert cb.unpack(data) is None


def test_an_overlong_button_cannot_be_packed() -> None:
    with pytest.raises(ValueError):
        cb.StepChoice("wish_pick", "x" * 60).pack()
