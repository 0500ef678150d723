"""Serve generated Google Ads customers until Ctrl-C.

    python -m generator.emulators.google_ads --port 8804 --seed 42
"""

from __future__ import annotations

import argparse

from generator.emulators.google_ads.server import DEFAULT_VERSION, GoogleAdsEmulator
from generator.emulators.google_ads.world import US_CUSTOMER, CustomerSpec, GoogleAdsSpec, build_google_ads_world


def main(argv: list[str] | None = None) -> int:
    """Parse flags, build the world, serve on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m generator.emulators.google_ads", description=__doc__)
    parser.add_argument("--port", type=int, default=8804, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same accounts)")
    parser.add_argument("--api-version", default=DEFAULT_VERSION, help="the API version served, e.g. v21")
    parser.add_argument("--page-size", type=int, default=1000, help="fixed :search page size (real API: 10000)")
    parser.add_argument("--single-customer", action="store_true", help="serve only the EUR customer")
    parser.add_argument("--client-id", default="sandbox-client")
    parser.add_argument("--client-secret", default="sandbox-secret")
    parser.add_argument("--refresh-token", default="sandbox-refresh")
    parser.add_argument("--developer-token", default=None, help="require this developer-token header")
    args = parser.parse_args(argv)
    customers = (CustomerSpec(),) if args.single_customer else (CustomerSpec(), US_CUSTOMER)
    world = build_google_ads_world(GoogleAdsSpec(seed=args.seed, customers=customers))
    emulator = GoogleAdsEmulator(world, client_id=args.client_id, client_secret=args.client_secret,
                                 refresh_token=args.refresh_token, developer_token=args.developer_token,
                                 port=args.port, api_version=args.api_version, page_size=args.page_size)
    with emulator:
        print(f"Google Ads emulator: {emulator.api_url}  token URL: {emulator.token_url}", flush=True)
        for customer in world.customers.values():
            via = f"login-customer-id {customer.manager_id}" if customer.manager_id else "direct access"
            print(f"  customer {customer.id} {customer.currency_code} {customer.time_zone} ({via})", flush=True)
        print(f"refresh grant: client_id={args.client_id} client_secret={args.client_secret} "
              f"refresh_token={args.refresh_token}", flush=True)
        emulator.serve_until_interrupted()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
