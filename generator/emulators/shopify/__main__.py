"""Serve a generated shop until Ctrl-C.

    python -m generator.emulators.shopify --port 8801 --orders 300 --seed 42
"""

from __future__ import annotations

import argparse

from generator.emulators.shopify.server import ShopifyEmulator
from generator.emulators.shopify.world import WorldSpec, build_world


def main(argv: list[str] | None = None) -> int:
    """Parse flags, build the world, serve on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m generator.emulators.shopify", description=__doc__)
    parser.add_argument("--port", type=int, default=8801, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--orders", type=int, default=300, help="orders in the generated shop")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same shop)")
    parser.add_argument("--token", default="shpat_sandbox_emulator_token", help="accepted access token")
    parser.add_argument("--bucket-size", type=int, default=40, help="leaky-bucket size")
    parser.add_argument("--leak", type=float, default=2.0, help="bucket leak rate, calls per second")
    args = parser.parse_args(argv)
    world = build_world(WorldSpec(seed=args.seed, orders=args.orders))
    emulator = ShopifyEmulator(world, access_token=args.token, port=args.port,
                               bucket_size=args.bucket_size, leak_per_second=args.leak)
    with emulator:
        print(f"Shopify emulator: {emulator.admin_url()}  ({len(world.orders)} orders)", flush=True)
        print(f"X-Shopify-Access-Token: {emulator.access_token}", flush=True)
        emulator.serve_until_interrupted()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
