"""Errors raised by the workbench library.

Every message is one line that names the file, the place and the fix; the CLI prints it as is.

Every error also carries a stable ``code`` (``"coding.none_on_turn"``) and the values it is
about (``params``), so that the app can say the same thing in Norwegian without command-line
hints (``workbench.ui.messages``), the way spaCy's ``Errors`` class numbers its messages. The
message text may change; the codes and their params do not. A subclass has a default code
(``"not_found"``, ``"input"``, ...) for the errors not given one.
"""

from __future__ import annotations

from typing import Any


class WorkbenchError(Exception):
    """A user mistake or a bad input: shown to the user as one line, never as a traceback."""

    code = "error"

    def __init__(self, message: str = "", *, code: str | None = None, **params: Any):
        super().__init__(message)
        if code is not None:
            self.code = code
        self.params: dict[str, Any] = params

    def retitled(self, prefix: str) -> "WorkbenchError":
        """The same error (class, code, params) with ``prefix: `` before its message."""
        return type(self)(f"{prefix}: {self}", code=self.code, **self.params)


class NotFound(WorkbenchError):
    """A named thing (source, code, coding, suggestion) does not exist."""

    code = "not_found"


class InputError(WorkbenchError):
    """An input file or value is malformed."""

    code = "input"


def check_limit(limit: Any, *, code: str, message: str) -> int | None:
    """``limit`` as a whole number of at least 1, or None (no limit). 0 or -1 is a mistake, never
    "none" or "all but the last": InputError ``code`` with ``message`` (``{limit!r}`` is filled in)."""
    if limit is None:
        return None
    try:
        whole = not isinstance(limit, bool) and int(limit) == limit and int(limit) >= 1
    except (TypeError, ValueError):
        whole = False
    if not whole:
        raise InputError(message.format(limit=limit), code=code, limit=limit)
    return int(limit)


class PermissionDenied(WorkbenchError):
    """The acting user's role may not do this (or the user is disabled or not logged in).

    The message is one Norwegian line; the command line prints it and exits with status 3."""

    code = "permission"


class Busy(WorkbenchError):
    """Another writer got in the way (a lock held too long, a serialization failure, a deadlock);
    the same action can succeed when tried again. The library's entry points retry it."""

    code = "busy"
