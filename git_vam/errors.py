"""One base exception for every failure the user should see as a message.

Exit codes (DESIGN §3): 0 done; 1 not everything done (conflict, blocked file,
failed transfer, out of sync with ``--exit-code``); 2 usage or configuration
error. Every error carries a remedy line: what to run or change to fix it.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_USAGE = 2


class VamError(Exception):
    """A failure shown to the user as one or two lines, never a traceback.

    ``message`` says what is wrong, ``remedy`` how to fix it, ``exit_code`` is
    1 (not done, may succeed later) or 2 (usage or configuration).
    """

    exit_code = EXIT_INCOMPLETE

    def __init__(self, message: str, remedy: str = "", exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.remedy = remedy
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message if not self.remedy else f"{self.message}\n  {self.remedy}"


class ConfigError(VamError):
    """A missing or invalid setting (exit 2)."""

    exit_code = EXIT_USAGE


class UsageError(VamError):
    """A command line that cannot be acted on: unknown project, bad flag value (exit 2)."""

    exit_code = EXIT_USAGE


class S3Error(VamError):
    """S3 refused or could not be reached; the remedy names the setting to check."""


class ConflictError(VamError):
    """Someone else changed the object between our look and our write (HTTP 412)."""


class BusyError(VamError):
    """Another ``git vam`` holds this clone's lock."""
