"""`--apply`: move and link the `link` records, with bounded concurrency and progress.

Each step is one absolute mutation (directory, system identifier): re-sending it is
harmless, so the gateway's client retries it like any update, and a run that was
interrupted is finished by the next one, whose fresh plan sees the done steps as
already_linked. Ambiguous and conflicting objects are never in the work list.
"""

import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from tqdm import tqdm

from ..graphql import UpstreamError
from ..graphql.directories import Directories
from .plan import Record


class Progress:
    """A bar on a terminal, one plain line per step otherwise (logs, CI, pipes)."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self._stream = stream
        self._done = 0
        self._total = total
        self._bar = tqdm(total=total, unit="obj", file=stream) if stream.isatty() else None

    def step(self, record: Record, error: str | None) -> None:
        self._done += 1
        if self._bar is not None:
            self._bar.update(1)
            if error:
                self._bar.write(f"failed {record.kind} {record.name}: {error}", file=self._stream)
            return
        status = f"failed: {error}" if error else "linked"
        print(
            f"[{self._done}/{self._total}] {record.kind} {record.name} {status}",
            file=self._stream,
            flush=True,
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


async def apply(
    directories: Directories,
    records: Sequence[Record],
    *,
    concurrency: int,
    stream: TextIO = sys.stderr,
) -> int:
    """Apply every `link` record; returns how many failed (their `applied` is False)."""
    work = [r for r in records if r.outcome == "link"]
    bar = Progress(len(work), stream)
    gate = asyncio.Semaphore(concurrency)
    failed = 0

    async def one(record: Record) -> None:
        nonlocal failed
        assert record.workflowgen_id is not None
        assert record.entra_id is not None
        async with gate:
            error = None
            try:
                if record.kind == "user":
                    await directories.move_user(record.workflowgen_id, record.entra_id)
                else:
                    await directories.move_group(record.workflowgen_id, record.entra_id)
            except UpstreamError as exc:
                error = exc.message
                failed += 1
            record.applied = error is None
            if error:
                record.reason += f"; not applied: {error}"
            bar.step(record, error)

    try:
        await asyncio.gather(*(one(r) for r in work))
    finally:
        bar.close()
    return failed
