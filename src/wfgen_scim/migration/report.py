"""The plan as a table with totals, and as a JSON or CSV report file."""

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, fields
from pathlib import Path

from .entra import InputError
from .plan import OUTCOMES, Record

REPORT_SUFFIXES = (".json", ".csv")


def check_report_path(path: Path | None) -> None:
    """Refused before anything is read or written: only .json and .csv are written."""
    if path is not None and path.suffix.lower() not in REPORT_SUFFIXES:
        raise InputError(f"--report {path}: the file name must end in .json or .csv")
    if path is not None and not path.parent.is_dir():
        raise InputError(f"--report {path}: no such directory {str(path.parent)!r}")


def table(records: Sequence[Record]) -> str:
    counts = Counter((r.kind, r.outcome) for r in records)
    width = max(len(o) for o in OUTCOMES)
    lines = [f"{'outcome':<{width}}  {'users':>6}  {'groups':>6}"]
    for outcome in OUTCOMES:
        lines.append(
            f"{outcome:<{width}}  {counts['user', outcome]:>6}  {counts['group', outcome]:>6}"
        )
    users = sum(v for (k, _), v in counts.items() if k == "user")
    groups = sum(v for (k, _), v in counts.items() if k == "group")
    lines.append(f"{'total':<{width}}  {users:>6}  {groups:>6}")
    return "\n".join(lines)


def details(records: Sequence[Record]) -> str:
    """The objects an administrator must look at: ambiguous and conflicting ones."""
    return "\n".join(
        f"{r.outcome:<9} {r.kind:<5} {r.name} ({r.entra_id}): {r.reason}"
        for r in records
        if r.outcome in ("ambiguous", "conflict")
    )


def write_report(path: Path, records: Sequence[Record]) -> None:
    if path.suffix.lower() == ".json":
        text = json.dumps([asdict(r) for r in records], indent=2) + "\n"
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, [f.name for f in fields(Record)])
        writer.writeheader()
        for record in records:
            writer.writerow({k: "" if v is None else v for k, v in asdict(record).items()})
        text = out.getvalue()
    path.write_text(text, encoding="utf-8")
