"""SIGTERM while measuring: a job scheduler's stop (Slurm's time limit, torchrun stopping the other workers after
one failed, ``kill``) keeps the results measured so far, as Ctrl-C does; while results are gathered and written
it is ignored, so that the file is complete."""

from __future__ import annotations

import signal
from contextlib import contextmanager

__all__ = ["sigterm_as_interrupt", "sigterm_ignored"]


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


@contextmanager
def _on_sigterm(handler):
    """Within the block ``handler`` takes SIGTERM; the previous handler comes back after it. Outside the main
    thread (where signals cannot be handled) it does nothing."""
    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:
        old = None
    try:
        yield
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)


def sigterm_as_interrupt():
    """Within the block SIGTERM raises KeyboardInterrupt (the run keeps what it measured)."""
    return _on_sigterm(_raise_interrupt)


def sigterm_ignored():
    """Within the block SIGTERM is ignored (gathering and writing are not cut short; the process ends after)."""
    return _on_sigterm(signal.SIG_IGN)
