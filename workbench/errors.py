"""Errors raised by the workbench library.

Every message is one line that names the file, the place and the fix; the CLI prints it as is.
"""


class WorkbenchError(Exception):
    """A user mistake or a bad input: shown to the user as one line, never as a traceback."""


class NotFound(WorkbenchError):
    """A named thing (source, code, coding, suggestion) does not exist."""


class InputError(WorkbenchError):
    """An input file or value is malformed."""


class PermissionDenied(WorkbenchError):
    """The acting user's role may not do this (or the user is disabled or not logged in).

    The message is one Norwegian line; the command line prints it and exits with status 3."""


class Busy(WorkbenchError):
    """Another writer got in the way (a lock held too long, a serialization failure, a deadlock);
    the same action can succeed when tried again. The library's entry points retry it."""
