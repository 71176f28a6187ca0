"""Text from the target made safe for a terminal, a report or a log: control characters shown, not obeyed."""

from __future__ import annotations

import re

# C0 controls but tab and line feed, DEL and C1 controls: an ESC or CSI from the target could
# recolour the console, erase a line or print a fake "9 passed"; a carriage return could overwrite one.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with each control character written as a visible escape, e.g. ESC as `\\x1b`."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
