"""Progress bars for long commands: shown on a terminal, silent in pipes and CI."""

from __future__ import annotations

from collections.abc import Iterable

from tqdm import tqdm


def terminal_progress(stream, enabled: bool = True):
    interactive = enabled and hasattr(stream, "isatty") and stream.isatty()

    def progress(iterable: Iterable, description: str, total: int) -> Iterable:
        if not interactive:
            return iterable
        return tqdm(iterable, desc=description, total=total, file=stream._out, leave=False)

    return progress
