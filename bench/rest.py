"""Benchmark GET /v1/meetings/{id} against the raw DynamoDB GetItem under it.

    .venv/bin/python -m bench.rest --requests 3000 --concurrency 8

Starts DynamoDB Local and gunicorn (deploy/gunicorn.conf.py, --workers
DrainingUvicornWorker processes). In the same run, at the same client
concurrency, it times: raw boto3 GetItem (ConsistentRead, as the API reads);
GET /healthz through gunicorn (the server and framework floor); and
GET /v1/meetings/{id} with a bearer token. It prints p50, p99 and throughput
for each and the ratios of the API to the raw read.
"""

from __future__ import annotations

import httpx

from bench import cli, harness


def main() -> None:
    parser = cli.parser(__doc__, requests=3000, concurrency=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()

    with harness.scratch_site({"JWT_ACCESS_TOKEN_SECONDS": "86400"}) as (env, _):
        user, token = harness.make_user_token(is_staff=False)
        ids = [str(meeting.id) for meeting in harness.create_meetings(user, 50)]
        server = harness.start_gunicorn(
            env, args.workers, "--access-logfile", "/dev/null"
        )
        try:
            base = f"http://127.0.0.1:{server.port}"
            headers = {"Authorization": f"Bearer {token}"}
            httpx.get(
                f"{base}/v1/meetings/{ids[0]}", headers=headers
            ).raise_for_status()

            def http_reader(path_for):
                def make():
                    client = httpx.Client(base_url=base, headers=headers, timeout=30)
                    return lambda n: client.get(path_for(n)).raise_for_status()

                return make

            paths = {
                "GET /healthz": lambda n: "/healthz",
                "GET /v1/meetings/{id}": lambda n: f"/v1/meetings/{ids[n % len(ids)]}",
            }
            results = {
                "raw GetItem": harness.run_load(
                    harness.raw_reader(ids), args.requests, args.concurrency
                )
            }
            for name, path_for in paths.items():
                results[name] = harness.run_load(
                    http_reader(path_for), args.requests, args.concurrency
                )
        finally:
            server.kill()
    report(results, args)
    cli.write_json(args.json, {"args": vars(args), **results})


def report(results: dict, args) -> None:
    print(
        f"\n== {args.requests} requests, {args.concurrency} client threads, "
        f"gunicorn with {args.workers} workers ==\n"
    )
    rows = [["", "p50 ms", "p99 ms", "req/s"]]
    for name, f in results.items():
        rows.append(
            [name, f"{f['p50_ms']:.2f}", f"{f['p99_ms']:.2f}", f"{f['per_second']:.0f}"]
        )
    raw, api = results["raw GetItem"], results["GET /v1/meetings/{id}"]
    rows.append(
        [
            "API ÷ raw GetItem, same run",
            cli.ratio(api["p50_ms"], raw["p50_ms"]),
            cli.ratio(api["p99_ms"], raw["p99_ms"]),
            cli.ratio(api["per_second"], raw["per_second"]),
        ]
    )
    cli.print_table(rows)


if __name__ == "__main__":
    main()
