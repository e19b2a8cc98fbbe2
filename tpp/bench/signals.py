"""SIGTERM as Ctrl-C while measuring: a job scheduler's stop (Slurm's time limit, torchrun stopping the other
workers after one failed, ``kill``) keeps the results measured so far, as Ctrl-C does."""

from __future__ import annotations

import signal
from contextlib import contextmanager

__all__ = ["sigterm_as_interrupt"]


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


@contextmanager
def sigterm_as_interrupt():
    """Within the block SIGTERM raises KeyboardInterrupt; the previous handler comes back after it.
    Outside the main thread (where signals cannot be handled) it does nothing."""
    try:
        old = signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:
        old = None
    try:
        yield
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)
