"""Domain errors. The core raises these; cli.py alone turns them into messages and exit codes."""


class FoiError(Exception):
    """Something the user can fix or must know about; its message is one line, shown as is."""

    exit_code = 1


class InputError(FoiError):
    """Bad input from the user: an argument, a date, a name that does not exist."""

    exit_code = 2


class ConfigError(InputError):
    """foi.toml is missing, unreadable or invalid."""


class RegistryError(InputError):
    """councils.yaml is unreadable or invalid; `problems` holds every `FILE:LINE: message`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        first = problems[0] if problems else "invalid registry"
        more = (
            f" (and {len(problems) - 1} more: run `foi-sender councils check`)"
            if len(problems) > 1
            else ""
        )
        super().__init__(first + more)


class TemplateError(InputError):
    """A letter template is missing, does not parse, or uses a name it was not given."""


class ReplyError(InputError):
    """A council's reply could not be read."""


class LedgerError(FoiError):
    """The ledger is locked, corrupt or from a newer version of foi-sender."""


class ReadOnlyLedger(LedgerError):
    """The ledger cannot be written (a read-only home, file or mount): nothing can be recorded."""


class TransportError(FoiError):
    """Mail could not be handed over (connection, TLS, credentials)."""


class AuthenticationError(TransportError):
    """The SMTP server refused our credentials: no letter can go until the user fixes them."""


class CheckFailed(FoiError):
    """A check ran and found problems (already printed); exit 1."""


class IncompleteRound(FoiError):
    """A send finished but not every letter went; the message says which and what to do."""


class BrokenRecord(LedgerError):
    """One event row of a request cannot be read or makes its dates impossible.

    Readers show the request as broken with this message and carry on with the others; commands
    that would record something refuse when their own new event is the one at fault."""

    def __init__(self, event_id: int, kind: str, reason: str):
        self.event_id = event_id
        self.reason = reason
        super().__init__(f"event {event_id} ({kind}) is broken: {reason}")
