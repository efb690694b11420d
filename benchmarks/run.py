"""Run Waypoint's benchmarks and print one JSON document with the results.

Each benchmark is a module in this folder with a DESCRIPTION, a PARAMETERS dict (name ->
(default, help)) and ``run(**parameters) -> dict``. The document holds, for each benchmark, its
name, the parameters used and the results, plus facts about the machine, so that runs on
different machines or commits can be compared. Progress goes to stderr; only JSON goes to stdout.

Not part of the test suite (pytest only collects tests/): timing belongs here, not in tests.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import json
import os
import platform
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT_DIR = HERE.parent

# name -> module in this folder
BENCHMARKS = {
    "login_home": "login_home",
    "clients_scale": "clients_scale",
    "diagnostics": "diagnostics",
    "measures": "measures",
}


def _load(name: str) -> Any:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    return importlib.import_module(BENCHMARKS[name])


def _epilog() -> str:
    lines = ["benchmarks:"]
    for name in BENCHMARKS:
        module = _load(name)
        lines.append(f"  {name}: {module.DESCRIPTION}")
        for parameter, (default, help_text) in module.PARAMETERS.items():
            lines.append(f"      {parameter} (default {default}): {help_text}")
    lines += [
        "",
        "examples:",
        "  .venv/bin/python benchmarks/run.py",
        "  .venv/bin/python benchmarks/run.py login_home --param iterations=200",
        "  .venv/bin/python benchmarks/run.py --output benchmarks/results/today.json",
    ]
    return "\n".join(lines)


def _parse_params(pairs: list[str], modules: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """KEY=VALUE pairs -> per-benchmark parameters, typed like each default."""
    chosen: dict[str, dict[str, Any]] = {
        name: {key: default for key, (default, _) in module.PARAMETERS.items()}
        for name, module in modules.items()
    }
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise SystemExit(f"--param takes KEY=VALUE, not {pair!r}")
        targets = [name for name in chosen if key in chosen[name]]
        if not targets:
            raise SystemExit(f"No selected benchmark takes the parameter {key!r}.")
        for name in targets:
            kind = type(chosen[name][key])
            try:
                chosen[name][key] = kind(raw)
            except ValueError:
                raise SystemExit(f"{key} must be a {kind.__name__}, not {raw!r}") from None
    return chosen


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
    }
    with contextlib.suppress(OSError):  # not on every platform
        info["load_average_1m"] = round(os.getloadavg()[0], 2)
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_total_mb"] = int(line.split()[1]) // 1024
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        info["git_commit"] = commit
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description=(
            "Run Waypoint's benchmarks (all of them unless named) and print one JSON document: "
            "for each benchmark its name, parameters and results, plus machine information. "
            "Run it with the project's virtualenv Python (.venv/bin/python)."
        ),
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter of every selected benchmark that takes it (repeatable)",
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="also write the JSON document to FILE (benchmarks/results/ is git-ignored)",
    )
    args = parser.parse_args(argv)

    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    modules = {name: _load(name) for name in names}
    parameters = _parse_params(args.param, modules)

    document: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "benchmarks": [],
    }
    failed = False
    for name, module in modules.items():
        print(f"running {name} {parameters[name]}", file=sys.stderr)
        entry: dict[str, Any] = {
            "name": name,
            "description": module.DESCRIPTION,
            "parameters": parameters[name],
        }
        try:
            entry["results"] = module.run(**parameters[name])
        except Exception as error:
            failed = True
            entry["error"] = f"{type(error).__name__}: {error}"
            traceback.print_exc(file=sys.stderr)
        document["benchmarks"].append(entry)
    document["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

    text = json.dumps(document, indent=2)
    print(text)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n")
        print(f"written to {args.output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
