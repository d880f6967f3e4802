"""Measure DF001 against a real local registry: requests per resolution and time to pin 100 references.

    .venv/bin/python tests/scripts/bench_pinning.py [--refs 100] [--concurrency 8]

Starts Debian's docker-registry on 127.0.0.1, pushes N small multi-platform images (each tagged
latest, 1, 1.K, 1.K.M, plus an older 1.K.(M-1)), then pins a Dockerfile with N FROM lines through the
real pipeline: cold (registry lookups), warm (disk cache, no requests) and offline.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from fixer.engine.pipeline import fix_text  # noqa: E402
from fixer.engine.rules import FileContext, select_rules  # noqa: E402
from fixer.images.resolve import Resolver, ResolverOptions  # noqa: E402
from tests.support.registry_fixtures import FaultProxy, Pusher, RegistryProcess, registry_binary  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--refs", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds added to every request (a remote registry)")
    args = ap.parse_args()
    if registry_binary() is None:
        print("needs docker-registry (apt-get install docker-registry)", file=sys.stderr)
        return 2
    n = args.refs
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        reg = RegistryProcess(root / "registry")
        try:
            t = time.monotonic()
            pusher = Pusher(reg.url)
            for i in range(n):
                k, m = i % 7, 3 + i % 5
                pusher.index(f"bench/img{i}", ["latest", "1", f"1.{k}", f"1.{k}.{m}"], f"img{i}-new")
                pusher.index(f"bench/img{i}", [f"1.{k}.{m - 1}"], f"img{i}-old")
            pusher.close()
            print(f"pushed {n} images ({2 * n} indexes) in {time.monotonic() - t:.1f}s")
            host = reg.host
            proxy = None
            if args.latency:
                proxy = FaultProxy(reg.url)
                proxy.fault = lambda method, path, count: args.latency
                host = proxy.host
                print(f"every request delayed {args.latency * 1000:.0f} ms by a proxy")
            text = "".join(f"FROM {host}/bench/img{i} AS s{i}\n" for i in range(n))
            rules = select_rules(["DF001"])

            def pin(**kw: object) -> tuple[float, Resolver, str]:
                kw.setdefault("concurrency", args.concurrency)
                opts = ResolverOptions(cache_dir=root / "cache", **kw)  # type: ignore[arg-type]
                with Resolver(opts) as r:
                    start = time.monotonic()
                    out = fix_text(text, rules, FileContext(resolver=r)).output
                    return time.monotonic() - start, r, out

            cold, r, out = pin()
            assert out.count(":1.") == n, "not every reference was pinned"
            stats = r.stats
            print(f"cold  : {n} references pinned in {cold:.2f}s ({cold / n * 1000:.1f} ms each, concurrency {args.concurrency})")
            print(
                f"        requests: {stats['HEAD']} HEAD + {stats['GET']} GET = "
                f"{(stats['HEAD'] + stats['GET']) / n:.2f} per resolution "
                f"({stats['HEAD'] / n:.2f} HEAD, {stats['GET'] / n:.2f} GET)"
            )
            warm, r, out2 = pin()
            print(f"warm  : {warm:.3f}s from the disk cache, {sum(r.stats.values())} requests")
            off, r, out3 = pin(offline=True)
            print(f"offline: {off:.3f}s, {sum(r.stats.values())} requests, same output: {out == out2 == out3}")
            serial, r, _ = pin(no_cache=True, concurrency=1)
            print(f"serial: {serial:.2f}s with concurrency 1 (--no-cache)")
            if proxy is not None:
                proxy.stop()
        finally:
            reg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
