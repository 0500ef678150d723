"""`ecomm`: the command line. Each command parses flags, calls the library once and reports.

Exit codes: 0 success; 1 invalid config, stale generated output or a failed run; 2 usage error.
Without `--debug` users never see a traceback: a `UserError` becomes its message, anything else one
line asking for a bug report.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from generator.config import MERCHANTS_DIR, Project, load_project
from generator.config.reference import render_reference
from generator.config.schema import SCHEMA_DIR
from generator.errors import ConfigIssue, UserError
from generator.plan import PlannedFile, build_plan
from generator.writer import Change, plan_changes, unified_diff, write_changes

GENERATED = "generated"
# Piped output (CI logs) gets a fixed, roomy width instead of rich's 80 columns.
console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except UserError as err:
        if args.debug:
            raise
        errors.print(f"[red]error:[/red] {err}", markup=True)
        return err.exit_code
    except KeyboardInterrupt:
        errors.print("interrupted")
        return 1
    except Exception as err:  # the last line of defence: one sentence instead of a traceback
        if args.debug:
            raise
        errors.print(f"[red]internal error:[/red] {type(err).__name__}: {err}\n"
                     "Re-run with --debug for the traceback and report it, please.", markup=True)
        return 1


def _load(root: Path) -> Project:
    if not (root / MERCHANTS_DIR).is_dir():
        raise UserError(f"no {MERCHANTS_DIR}/ folder in {root}: run ecomm inside the project, or pass --root")
    return load_project(root)


def cmd_validate(args: argparse.Namespace) -> int:
    project = _load(args.root)
    if args.json:
        print(json.dumps(_project_json(project), indent=2))
    else:
        _print_issues(project.issues)
        for slug in project.merchants:
            console.print(f"[green]ok[/green]      {slug}", markup=True)
        for slug in project.invalid:
            console.print(f"[red]invalid[/red] {slug}", markup=True)
    return 1 if project.issues else 0


def cmd_generate(args: argparse.Namespace) -> int:
    project = _load(args.root)
    scope = _scope(project, args.merchant)
    if args.strict and project.issues:
        _report(args, project, [], [], written=False)
        return 1
    chosen = [project.merchants[slug] for slug in sorted(project.merchants) if scope is None or slug in scope]
    out = args.root / GENERATED
    plan = build_plan(chosen)
    changes = plan_changes(out, plan, scope, keep=project.invalid)
    pending = [c for c in changes if c.action != "unchanged"]
    if not args.check:
        write_changes(out, plan, changes)
    _report(args, project, changes, plan, written=not args.check)
    return 1 if project.issues or (args.check and pending) else 0


def cmd_run(args: argparse.Namespace) -> int:
    from generator.runner import run_store  # dlt, duckdb and the emulators load only for `run`

    return run_store(args.root, args.store, port=args.port, orders=args.orders, console=console)


def cmd_schema(args: argparse.Namespace) -> int:
    if args.reference:
        print(render_reference(), end="")
        return 0
    path = SCHEMA_DIR / f"{args.name}.schema.json"
    print(path.read_text(encoding="utf-8") if args.show else path)
    return 0


def _scope(project: Project, requested: list[str] | None) -> set[str] | None:
    if not requested:
        return None
    known = set(project.merchants) | set(project.invalid)
    unknown = sorted(set(requested) - known)
    if unknown:
        raise UserError(f"no store named {', '.join(unknown)} in config/merchants/ (known: {', '.join(sorted(known))})")
    return set(requested)


def _report(args: argparse.Namespace, project: Project, changes: list[Change], plan: list[PlannedFile], *,
            written: bool) -> None:
    pending = [c for c in changes if c.action != "unchanged"]
    if args.json:
        body = {**_project_json(project), "written": written and bool(pending),
                "changes": [{"path": c.path, "action": c.action, "store": c.owner} for c in changes]}
        print(json.dumps(body, indent=2))
        return
    _print_issues(project.issues)
    verb = "would " if args.check else ""
    for change in pending:
        console.print(f"{verb}{change.action:<6} generated/{change.path}")
        if args.verbose:
            console.print(unified_diff(args.root / GENERATED, change, plan), markup=False, end="")
    counts = {a: sum(c.action == a for c in changes) for a in ("create", "update", "delete", "unchanged")}
    summary = ", ".join(f"{n} {verb}{a}" if a != "unchanged" else f"{n} unchanged" for a, n in counts.items() if n)
    stale = " — generated/ is out of date; run `ecomm generate`" if args.check and pending else ""
    console.print(f"{len(project.merchants)} store(s) valid, {len(project.invalid)} invalid; "
                  f"{summary or 'nothing to do'}{stale}")


def _print_issues(issues: tuple[ConfigIssue, ...]) -> None:
    for issue in issues:
        errors.print(str(issue), markup=False)
    if issues:
        errors.print(f"{len(issues)} problem(s) found.", markup=False)


def _project_json(project: Project) -> dict[str, Any]:
    return {"valid": sorted(project.merchants), "invalid": list(project.invalid),
            "issues": [issue.as_dict() for issue in project.issues]}


def _find_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / MERCHANTS_DIR).is_dir():
            return folder
    return start


def _global_options(defaults: bool) -> argparse.ArgumentParser:
    """--root and --debug, accepted before and after the command. Only the top level sets defaults,
    so a value given before the command is not overwritten by the command's own default."""
    options = argparse.ArgumentParser(add_help=False)
    default = (lambda value: value) if defaults else (lambda value: argparse.SUPPRESS)
    options.add_argument("--root", type=Path, default=default(_find_root(Path.cwd())),
                         help="project folder holding config/ and generated/ (default: found from the current folder)")
    options.add_argument("--debug", action="store_true", default=default(False), help="show tracebacks")
    return options


def _parser() -> argparse.ArgumentParser:
    common = _global_options(defaults=False)
    parser = argparse.ArgumentParser(prog="ecomm", parents=[_global_options(defaults=True)],
                                     description="Generate and run dlt, dbt and Airflow pipelines for online stores.",
                                     epilog="Exit codes: 0 ok, 1 invalid config, stale output or failed run; "
                                            "2 usage error.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(command=handler)
        return sub

    validate = command("validate", cmd_validate, "check every config file and report all problems")
    validate.add_argument("--json", action="store_true", help="machine-readable output")
    validate.add_argument("--strict", action="store_true", help="accepted for symmetry; any problem already fails")
    generate = command("generate", cmd_generate, "write generated/ from config/ (or check it is up to date)")
    generate.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything would change")
    generate.add_argument("--merchant", action="append", metavar="SLUG", help="only this store (repeatable)")
    generate.add_argument("--strict", action="store_true", help="write nothing at all if any config is invalid")
    generate.add_argument("--json", action="store_true", help="machine-readable output")
    generate.add_argument("-v", "--verbose", action="store_true", help="show the unified diff of each change")
    run = command("run", cmd_run, "run a store's pipelines locally on DuckDB (sandbox stores use the emulators)")
    run.add_argument("store", metavar="SLUG")
    run.add_argument("--port", type=int, default=0,
                     help="first emulator port on 127.0.0.1; the others take the next ports (default: any free ports)")
    run.add_argument("--orders", type=int, default=400, help="orders in the sandbox emulator's shop (default 400)")
    schema = command("schema", cmd_schema, "print the path (or with --show the content) of a JSON Schema")
    schema.add_argument("name", nargs="?", choices=("merchant", "agency"), default="merchant")
    schema.add_argument("--show", action="store_true", help="print the schema itself")
    schema.add_argument("--reference", action="store_true",
                        help="print the configuration reference (docs/config-reference.md) rendered from the schemas")
    return parser


if __name__ == "__main__":
    sys.exit(main())
