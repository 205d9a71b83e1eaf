"""The follow-up messages, declared like the dialog's texts: one reminder for a profile left halfway, one
"still looking?" check 30 days after a finished profile, and what their buttons answer.

Pure: the transport (``bot/followup.py``) decides who is due and when, sends, and records the answers.
"""

from __future__ import annotations

from dialogs.callbacks import FollowUpAnswer
from dialogs.flow import Flow
from dialogs.i18n import N_, translator
from dialogs.model import Button, Reply, State

#: What the consent covers, said in the consent question and on the privacy screen.
CONSENT_NOTE = N_(
    "If you stop halfway, I may remind you once; 30 days after your profile is done I ask once whether "
    "you are still looking – never at night. A button under such a message stops them for good."
)
PRIVACY_NOTE = N_(
    "Reminders: at most one when you stop in the middle of your profile, and one question 30 days after it "
    "is done whether you are still looking; never between 21:00 and 08:00. “🔕 No reminders” under such a "
    "message stops them for good."
)
STOPPED = N_("🔕 Okay, no more reminders from me.")
FOUND = N_(
    "Congratulations! 🎉 All the best for your Ausbildung. If you don't need me any more, you can delete "
    "all your data here."
)
PAUSED = N_("⏸ Okay, I'll leave you in peace. Send /start whenever you want to go on.")
STILL_LOOKING = N_("Good luck! 🍀 Here are the places that fit you now:")


#: With this many questions left or fewer, the reminder says "you were almost done".
ALMOST_DONE = 3


def questions_left(flow: Flow, state: State) -> int:
    """Profile questions the person has not answered yet."""
    return sum(1 for step in flow.steps if step.edit_label and step.todo(state))


def _no_reminders(lang: str) -> Button:
    return Button(translator(lang).gettext(N_("🔕 No reminders")), callback=FollowUpAnswer("stop"))


def profile_reminder(flow: Flow, state: State) -> Reply:
    """The one reminder for a profile left halfway, with the way back to where the person stopped."""
    t = translator(state.lang)
    left = max(1, questions_left(flow, state))
    if left <= ALMOST_DONE:
        text = t.ngettext(
            "👋 You were almost done – just {n} more question. Shall we go on where you stopped?",
            "👋 You were almost done – just {n} more questions. Shall we go on where you stopped?",
            left,
        )
    else:
        text = t.ngettext(
            "👋 You have started your profile – {n} more question and the coaches can help you find a "
            "place. Shall we go on where you stopped?",
            "👋 You have started your profile – {n} more questions and the coaches can help you find a "
            "place. Shall we go on where you stopped?",
            left,
        )
    go_on = Button(t.gettext(N_("▶️ Go on")), callback=FollowUpAnswer("resume"))
    return Reply(text, ((go_on,), (_no_reminders(state.lang),)))


def still_looking_check(state: State) -> Reply:
    """The one check 30 days after a finished profile."""
    t = translator(state.lang)
    return Reply(
        t.gettext(N_("Hi! Are you still looking for an Ausbildung?")),
        (
            (Button(t.gettext(N_("🔎 Yes, still looking")), callback=FollowUpAnswer("searching")),),
            (Button(t.gettext(N_("🎉 I found a place")), callback=FollowUpAnswer("found")),),
            (Button(t.gettext(N_("⏸ Pause for now")), callback=FollowUpAnswer("pause")),),
            (_no_reminders(state.lang),),
        ),
    )


def found_reply(state: State) -> Reply:
    """Congratulations, and the way to delete the data (the privacy screen's delete button)."""
    t = translator(state.lang)
    delete = Button(t.gettext(N_("🗑 Delete my data")), step="privacy", value="delete")
    return Reply(t.gettext(FOUND), ((delete,),))
