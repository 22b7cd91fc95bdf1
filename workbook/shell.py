"""Paths quoted for a command the clerk copies into their shell (cmd.exe or a POSIX shell)."""
from __future__ import annotations

import os
import shlex

# characters that need quotes in cmd.exe or a POSIX shell (whitespace is checked apart)
_SPECIAL = set("\"'`$&|;<>()^%!*?[]{}~#=,")


def shell_quote(text: str, windows: bool | None = None) -> str:
    """`text` as one word of a printed command: bare when plain (2025述职评议.xlsx), in double
    quotes otherwise ("2025 述职评议.xlsx") — the only quotes cmd.exe knows. On POSIX a text
    holding $ ` \\ or " (which double quotes do not protect) takes single quotes."""
    windows = os.name == "nt" if windows is None else windows
    plain = text != "" and not any(ch.isspace() or ch in _SPECIAL for ch in text)
    if plain and (windows or "\\" not in text):
        return text
    if windows:
        return f'"{text}"'
    if any(ch in text for ch in '$`\\"'):
        return shlex.quote(text)
    return f'"{text}"'
