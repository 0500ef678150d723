"""Serve a generated ECB rate history (files and Frankfurter v1) until Ctrl-C.

    python -m generator.emulators.ecb --port 8802 --seed 42 --start 2025-01-01 --end 2026-11-30
"""

from __future__ import annotations

import argparse
from datetime import date

from generator.emulators.ecb.rates import RateSpec, build_rates
from generator.emulators.ecb.server import ECBEmulator


def main(argv: list[str] | None = None) -> int:
    """Parse flags, build the history, serve on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m generator.emulators.ecb", description=__doc__)
    parser.add_argument("--port", type=int, default=8802, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same rates)")
    parser.add_argument("--start", type=date.fromisoformat, default=RateSpec.start, help="first day (YYYY-MM-DD)")
    parser.add_argument("--end", type=date.fromisoformat, default=RateSpec.end, help="last day (YYYY-MM-DD)")
    parser.add_argument("--csv-columns", choices=("ecb", "quoted"), default="ecb",
                        help="the ECB's full 41-column CSV header, or only the generated currencies")
    parser.add_argument("--retired-columns", choices=("na", "drop"), default="na",
                        help="after a euro adoption (BGN, 2026-01-01): keep the column with N/A, or drop it")
    args = parser.parse_args(argv)
    history = build_rates(RateSpec(seed=args.seed, start=args.start, end=args.end))
    emulator = ECBEmulator(history, port=args.port, csv_columns=args.csv_columns,
                           retired_columns=args.retired_columns)
    with emulator:
        print(f"ECB files:   {emulator.ecb_url}/eurofxref-hist.zip  ({len(history.days)} days, "
              f"{history.days[0]} .. {history.latest})", flush=True)
        print(f"Frankfurter: {emulator.frankfurter_url}/latest", flush=True)
        emulator.serve_until_interrupted()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
