"""Progress of a run on the terminal: a rich progress bar (what runs, how far, time elapsed and left), quiet when
stderr is not a terminal (a log file, CI, a scheduler's output) or rich is not installed.

The library calls ``progress(done, total, label)``; this module is that callable. The time left is estimated by
rich from the tasks done so far (tasks differ in length: it is a rough guide).
"""

from __future__ import annotations

import sys

__all__ = ["ProgressBar", "make_progress"]


class ProgressBar:
    """``progress(done, total, label)`` drawing one bar; use as a context manager (the bar is removed at the end)."""

    live = True

    def __init__(self, title: str, stream=None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(TextColumn(f"{title} [bold]{{task.description}}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("left"),
                                  TimeRemainingColumn(), console=Console(file=stream or sys.stderr),
                                  transient=True)
        self._task = None

    def __enter__(self):
        self._progress.start()
        return self

    def __exit__(self, *exc):
        self._progress.stop()
        return False

    def __call__(self, done: int, total: int, label: str) -> None:
        if self._task is None:
            self._task = self._progress.add_task(label, total=total)
        self._progress.update(self._task, completed=done, total=total, description=label)


class _Quiet:
    live = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, done: int, total: int, label: str) -> None:
        pass


def make_progress(title: str, stream=None, enabled: bool = True):
    """A ProgressBar on a terminal, else a no-op with the same interface (``live`` tells which)."""
    stream = stream or sys.stderr
    if not enabled or not getattr(stream, "isatty", lambda: False)():
        return _Quiet()
    try:
        return ProgressBar(title, stream)
    except ImportError:  # rich is in the bench extra; without it, no bar
        return _Quiet()
