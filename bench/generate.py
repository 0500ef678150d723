"""Benchmark: generating N stores (validate + plan + write), then `--check` with nothing changed.

Target (product brief): 1,000 stores in ≤ 10 s on a 2-core machine, `--check` ≤ 5 s, linear growth.
Usage: python bench/generate.py [N ...]   (default 100 300 1000); append results to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from generator.config import load_project
from generator.plan import build_plan
from generator.writer import plan_changes, write_changes

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = (REPO / "config" / "merchants" / "berlin-bikes.yaml").read_text(encoding="utf-8")


def make_project(root: Path, stores: int) -> None:
    (root / "config" / "merchants").mkdir(parents=True)
    shutil.copy(REPO / "config" / "agency.yaml", root / "config" / "agency.yaml")
    for i in range(stores):
        slug = f"store-{i:04d}"
        text = TEMPLATE.replace("berlin-bikes", slug).replace("Berlin Bikes GmbH", f"Store {i}")
        (root / "config" / "merchants" / f"{slug}.yaml").write_text(text, encoding="utf-8")


def timed(label: str, step) -> tuple[float, object]:
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def run(stores: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        make_project(root, stores)
        out = root / "generated"
        load, project = timed("load", lambda: load_project(root))
        assert not project.issues, project.issues[:3]
        plan_time, plan = timed("plan", lambda: build_plan(project.merchants.values()))
        write, _ = timed("write", lambda: write_changes(out, plan, plan_changes(out, plan, None)))

        def check() -> list:
            again = load_project(root)
            return [c for c in plan_changes(out, build_plan(again.merchants.values()), None) if c.action != "unchanged"]

        check_time, pending = timed("check", check)
        assert not pending
        return {"stores": stores, "files": len(plan), "load_validate_s": load, "plan_s": plan_time,
                "write_s": write, "generate_total_s": load + plan_time + write, "check_s": check_time}


def main(sizes: list[int]) -> None:
    print("| stores | files | load+validate s | plan s | write s | generate total s | --check s |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        r = run(size)
        print(f"| {r['stores']} | {r['files']} | {r['load_validate_s']:.2f} | {r['plan_s']:.2f} | {r['write_s']:.2f} "
              f"| {r['generate_total_s']:.2f} | {r['check_s']:.2f} |", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 300, 1000])
