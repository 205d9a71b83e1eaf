"""Sources: where young people come from (a school, a job centre, a youth centre, an event).

Each source has its own deep link ``https://t.me/<bot username>?start=<code>``; Telegram hands the code to
the bot as ``/start <code>``. A code is 1-64 characters of A-Z, a-z, 0-9, ``_`` and ``-`` (Telegram's rule
for the ``start`` parameter).
"""

from __future__ import annotations

import re

CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: Recorded for a person whose link carried a code nobody registered (or no valid code at all).
UNKNOWN = "unknown"
#: How a person without a link (or from before sources were recorded) is counted.
DIRECT = "direct"
#: Codes that cannot be registered: they stand for the two cases above.
RESERVED = frozenset({UNKNOWN, DIRECT})


def is_code(text: str) -> bool:
    return CODE_RE.fullmatch(text) is not None


def deep_link(bot_username: str, code: str) -> str:
    """The link that opens the bot with ``/start <code>``."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"
