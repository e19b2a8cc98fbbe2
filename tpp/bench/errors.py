"""Errors of the benchmark harness; all are TppError, so the CLI prints one ``Error:`` line (an interrupted run
is a :class:`~tpp.errors.Failure`, exit 1; a missing device is bad input, exit 2)."""

from tpp.errors import Failure, InputError, SpecError, TppError

__all__ = ["DeviceError", "BenchInterrupted", "InputError", "SpecError"]


class DeviceError(TppError):
    """The requested device does not exist or cannot be used (no CUDA, no driver, bad index)."""


class BenchInterrupted(Failure):
    """Ctrl-C during a run. The results measured so far were kept (the message says where); ``doc`` is the
    group document of an interrupted --all-gpus or distributed run (None otherwise), for the report."""

    def __init__(self, message: str, doc: dict | None = None):
        super().__init__(message)
        self.doc = doc
