"""Exceptions raised by the library; the CLI turns each into one ``Error: ...`` line and its ``exit_code``.

Exit codes (every command): 0 success; 1 the command ran and its answer is a failure (:class:`Failure`: a
failed check or regression, a FAULT, an interrupted run, a process that died); 2 bad input or usage (every
other :class:`TppError`: an unknown name, a malformed file, a bad option, an impossible number, an unwritable
path, a device that is not there).
"""

__all__ = ["TppError", "Failure", "SpecError", "UnknownChipError", "InputError", "UnknownCountryError", "EXIT_OK",
           "EXIT_FAILURE", "EXIT_USAGE"]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class TppError(Exception):
    """Base class of every error tpp reports to a user: bad input or usage unless a :class:`Failure`."""

    exit_code = EXIT_USAGE


class Failure(TppError):
    """The command ran and its answer is a failure (a failed check, a FAULT, an interrupted run, a dead process)."""

    exit_code = EXIT_FAILURE


class SpecError(TppError):
    """A spec file is malformed or inconsistent. The message names the file and the field."""

    def __init__(self, problems):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        head = self.problems[0]
        more = f" (and {len(self.problems) - 1} more problem(s); run 'tpp validate')" if len(self.problems) > 1 else ""
        super().__init__(head + more)


class UnknownChipError(TppError):
    """A name matched no accelerator; carries the closest names."""

    def __init__(self, name, suggestions=()):
        self.name = name
        self.suggestions = list(suggestions)
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown accelerator {name!r}{hint} ('tpp list' shows every name)")


class InputError(TppError):
    """A number, date or option given by the user is invalid."""


class UnknownCountryError(TppError):
    """A name matched no country (or group); carries the closest names."""

    def __init__(self, name, suggestions=(), what="country", known=()):
        self.name = name
        self.suggestions = list(suggestions)
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        tail = f"; known: {', '.join(known)}" if known else " ('tpp countries' lists every name)"
        super().__init__(f"unknown {what} {name!r}{hint}{tail}")
