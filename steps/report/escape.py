"""The one escaping function for text that reaches a terminal.

Data (a brand name, an id, a column header, a plugin's message) may hold control characters:
an escape sequence that recolours or clears the terminal, moves the cursor, rewrites the
window title or hides what follows; a carriage return that overwrites the line it is on.
Every piece of text steps prints for people goes through `escape_control`, which
shows such characters as visible escapes (``\\x1b``) instead of sending them.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["escape_control"]

#: C0 controls, DEL and C1 controls; lone surrogates (no terminal encoding can write them);
#: the bidirectional overrides and isolates, which reorder what is shown.
_ESCAPED: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_control(value: str, *, keep: str = "") -> str:
    r"""``value`` with every control character shown as an escape (``"\x1b[2J"`` becomes
    ``"\\x1b[2J"``), except those in ``keep``: ``keep="\n"`` for a block of several lines,
    nothing (the default) for a value that must stay on one line (an id, a name, a key).

    Also escaped: lone surrogates, and the bidirectional overrides and isolates (U+202A to
    U+202E, U+2066 to U+2069), which reorder the characters around them.
    """
    if value.isascii() and value.isprintable():
        return value
    if keep:
        return _ESCAPED.sub(lambda m: m.group() if m.group() in keep else _visible(m), value)
    return _ESCAPED.sub(_visible, value)
