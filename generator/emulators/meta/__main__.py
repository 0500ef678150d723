"""Serve generated Meta ad accounts until Ctrl-C.

    python -m generator.emulators.meta --port 8803 --seed 42
"""

from __future__ import annotations

import argparse

from generator.emulators.meta.server import DEFAULT_VERSION, MetaEmulator
from generator.emulators.meta.world import AccountSpec, MetaSpec, build_meta_world


def main(argv: list[str] | None = None) -> int:
    """Parse flags, build the world, serve on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m generator.emulators.meta", description=__doc__)
    parser.add_argument("--port", type=int, default=8803, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same accounts)")
    parser.add_argument("--token", default="EAAB-sandbox-token", help="accepted access token")
    parser.add_argument("--api-version", default=DEFAULT_VERSION, help="Graph API version served")
    parser.add_argument("--page-size", type=int, default=25, help="default limit of an insights page")
    parser.add_argument("--single-account", action="store_true",
                        help="only the EUR account (default: also a one-campaign USD account act_1000002)")
    args = parser.parse_args(argv)
    accounts = (AccountSpec(),) if args.single_account else (
        AccountSpec(), AccountSpec("act_1000002", "USD", "America/New_York", campaigns=1))
    world = build_meta_world(MetaSpec(seed=args.seed, accounts=accounts))
    emulator = MetaEmulator(world, access_token=args.token, port=args.port, api_version=args.api_version,
                            page_size=args.page_size)
    with emulator:
        print(f"Meta Insights emulator: {emulator.graph_url}  ({len(world.rows())} ad-days, "
              f"{world.start}..{world.end})", flush=True)
        for account in world.accounts:
            print(f"  {emulator.graph_url}/{account.id}/insights  {account.currency}  {account.timezone}", flush=True)
        print(f"access_token: {emulator.access_token}", flush=True)
        emulator.serve_until_interrupted()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
