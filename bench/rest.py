"""Benchmark GET /v1/meetings/{id} against the raw DynamoDB GetItem under it.

    .venv/bin/python -m bench.rest --requests 3000 --concurrency 8

Starts DynamoDB Local and gunicorn (deploy/gunicorn.conf.py, two
DrainingUvicornWorker processes). In the same run, at the same client
concurrency, it times: raw boto3 GetItem (ConsistentRead, as the API reads);
GET /healthz through gunicorn (the server and framework floor); and
GET /v1/meetings/{id} with a bearer token. It prints p50, p99 and throughput
for each and the ratios of the API to the raw read.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

import boto3
import httpx

from bench.harness import (
    Process,
    create_meetings,
    make_user_token,
    percentile,
    setup_django,
    start_dynamodb,
)


def run_load(worker, requests: int, concurrency: int) -> dict:
    """Call worker(n) `requests` times from `concurrency` threads."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def loop() -> None:
        mine = []
        state = worker()
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            started = time.perf_counter()
            state(n)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "per_second": len(latencies) / elapsed,
    }


def raw_reader(ids: list[str]):
    """Return a worker factory: each worker reads ids in turn with a raw boto3
    GetItem (ConsistentRead, as the API reads), on a client of its own."""
    from django.conf import settings

    def make():
        client = boto3.client(
            "dynamodb",
            endpoint_url=settings.DYNAMODB_ENDPOINT_URL,
            region_name=settings.AWS_REGION,
            **settings.DYNAMODB_CREDENTIALS,
        )
        return lambda n: client.get_item(
            TableName="bench",
            Key={"pk": {"S": f"MEETING#{ids[n % len(ids)]}"}},
            ConsistentRead=True,
        )

    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    dynamodb = start_dynamodb()
    server = None
    try:
        env = setup_django(dynamodb.endpoint_url, {"JWT_ACCESS_TOKEN_SECONDS": "86400"})

        from meetings.store.local import free_port

        user, token = make_user_token(is_staff=False)
        ids = [str(meeting.id) for meeting in create_meetings(user, 50)]
        port = free_port()
        server = Process(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
             "--access-logfile", "/dev/null", "config.asgi:application"],
            env,
            port,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        httpx.get(f"{base}/v1/meetings/{ids[0]}", headers=headers).raise_for_status()

        def http_reader(path_for):
            def make():
                client = httpx.Client(base_url=base, headers=headers, timeout=30)
                return lambda n: client.get(path_for(n)).raise_for_status()

            return make

        results = {
            "raw GetItem": run_load(raw_reader(ids), args.requests, args.concurrency),
            "GET /healthz": run_load(
                http_reader(lambda n: "/healthz"), args.requests, args.concurrency
            ),
            "GET /v1/meetings/{id}": run_load(
                http_reader(lambda n: f"/v1/meetings/{ids[n % len(ids)]}"),
                args.requests,
                args.concurrency,
            ),
        }
    finally:
        if server is not None:
            server.kill()
        dynamodb.stop()
    report(results, args)


def report(results: dict, args) -> None:
    print(
        f"\n== {args.requests} requests, {args.concurrency} client threads, "
        f"gunicorn with {args.workers} workers =="
    )
    print(f"  {'':24} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
    for name, figures in results.items():
        print(
            f"  {name:24} {figures['p50_ms']:8.2f} {figures['p99_ms']:8.2f} "
            f"{figures['per_second']:8.0f}"
        )
    raw, api = results["raw GetItem"], results["GET /v1/meetings/{id}"]
    print("  -- API cost / raw database cost, same run --")
    print(f"  p50 ratio        {api['p50_ms'] / raw['p50_ms']:.2f}x")
    print(f"  p99 ratio        {api['p99_ms'] / raw['p99_ms']:.2f}x")
    print(f"  throughput ratio {api['per_second'] / raw['per_second']:.2f}x")


if __name__ == "__main__":
    main()
