"""The benchmarks' command line: their options, and how they report figures."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

# Options that mean the same in every benchmark that takes them: type and help.
SHARED_OPTIONS: dict[str, tuple[type, str]] = {
    "streams": (int, "streams to open and hold"),
    "meetings": (int, "meetings the streams are spread over"),
    "poll": (float, "SSE_POLL_INTERVAL of the server, in seconds"),
    "seconds": (float, "how long to measure"),
    "requests": (int, "requests per measurement"),
    "concurrency": (int, "client threads or connections at once"),
    "threads": (int, "DJANGO_REQUEST_THREADS of each server process"),
    "request_timeout": (float, "seconds after which a request counts as failed"),
}


def parser(doc: str, figures: bool = True, **defaults: Any) -> argparse.ArgumentParser:
    """Return a benchmark's parser: described by the first line of its docstring,
    with the SHARED_OPTIONS named in defaults, and --json when it has figures."""
    parser = argparse.ArgumentParser(
        description=doc.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    for name, default in defaults.items():
        kind, text = SHARED_OPTIONS[name]
        option = "--" + name.replace("_", "-")
        parser.add_argument(option, type=kind, default=default, help=text)
    if figures:
        parser.add_argument("--json", help="also write the figures to this file")
    return parser


def write_json(path: str | None, figures: Any) -> None:
    """Write figures to path as JSON, if the run was given one."""
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(figures, indent=2, default=str))


def print_figures(title: str, figures: dict[str, Any], decimals: int = 3) -> None:
    """Print a heading, then one aligned `name value` line per figure."""
    print(f"\n== {title} ==")
    width = max(map(len, figures), default=0)
    for name, value in figures.items():
        shown = f"{value:,.{decimals}f}" if isinstance(value, float) else value
        print(f"  {name:{width}} {shown}")


def print_table(rows: list[list[str]]) -> None:
    """Print rows as aligned columns, the first as a header ruled underneath; a
    short row leaves its last columns empty."""
    columns = len(rows[0])
    rows = [[*row, *[""] * (columns - len(row))] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(columns)]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            print("  ".join("-" * width for width in widths))


def ms(seconds: float, unit: str = "") -> str:
    """Format seconds in milliseconds; "-" for a figure not measured (NaN)."""
    return "-" if math.isnan(seconds) else f"{1000 * seconds:.1f}{unit}"


def ratio(value: float, base: float) -> str:
    """Format value ÷ base as "1.23x"; "-" where either is missing or base is 0."""
    if math.isnan(value) or math.isnan(base) or base == 0:
        return "-"
    return f"{value / base:.2f}x"
