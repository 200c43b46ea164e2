"""One error hierarchy for wildtrace.

Every failure the user can cause or fix is a :class:`WildtraceError`; the CLI turns
it into one line and exit status 1, the web API into one JSON error shape.

    WildtraceError
    ├── ConfigError            a setting has a bad value or the settings file is malformed
    ├── WorkspaceError         the workspace folder or database cannot be opened or migrated
    ├── InputError             user-supplied data is unusable (carries file and row)
    │   ├── FormatError        a file is not in the format it claims (binary, truncated, bad JSON)
    │   └── ColumnError        a named column does not exist
    ├── ReferencePackError     the reference pack or one of its sources is malformed
    ├── ModelError             a model file is missing, corrupt or incompatible
    ├── FetchError             a URL could not be fetched (carries the URL)
    ├── EvidenceError          evidence is missing or fails verification
    ├── AccessError            a user lacks the right to do something
    └── MissingExtraError      an optional dependency group is not installed
"""

from __future__ import annotations


class WildtraceError(Exception):
    """Base of every error wildtrace reports to the user as one line."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(WildtraceError):
    """A setting has a bad value, or the settings file cannot be parsed."""


class WorkspaceError(WildtraceError):
    """The workspace cannot be created, opened or migrated."""


class InputError(WildtraceError):
    """User data is unusable; ``where`` is ``file`` or ``file:row``."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        where = file or ""
        if file and row is not None:
            where = f"{file}:{row}"
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.reason = message


class FormatError(InputError):
    """A file is not in the format it claims to be (binary, truncated, malformed)."""


class ColumnError(InputError):
    """A column named by the user or required by a command does not exist."""


class ReferencePackError(WildtraceError):
    """The reference pack, or a source used to build it, is malformed."""


class ModelError(WildtraceError):
    """A model file is missing, corrupt or was made by an incompatible version."""


class FetchError(WildtraceError):
    """A URL could not be fetched or was refused by policy."""

    def __init__(self, message: str, *, url: str, hint: str | None = None) -> None:
        self.url = url
        super().__init__(f"{url}: {message}", hint=hint)


class PageWorkerLost(WildtraceError):
    """The crawl's page worker can no longer store pages; the crawl stops (resumable)."""


class EvidenceError(WildtraceError):
    """Evidence is missing, or fails verification."""


class AccessError(WildtraceError):
    """The current user may not perform the requested action."""


class MissingExtraError(WildtraceError):
    """An optional dependency group is needed; the message gives the install line."""

    def __init__(self, extra: str, feature: str) -> None:
        self.extra = extra
        super().__init__(
            f"{feature} needs the optional '{extra}' dependencies",
            hint=f"pip install 'wildtrace[{extra}]'",
        )
