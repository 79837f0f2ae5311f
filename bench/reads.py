#!/usr/bin/env python3
"""Benchmarks of the reads frontend teams make most (PostgreSQL, release build).

    python3 bench/reads.py [--users 100000] [--customer-users 100000] [--customers 1000]
                           [--duration 15] [--connections 32] [--only NAME]

Makes a fresh database, starts `gatehouse serve` from target/release (no
in-process worker), seeds back-office users (bench/seed_users.sql) and
customer users over customers (bench/seed_customers.sql), logs in as the
administrator, and collects cursors over pages and orderings. Then, for each
request below, a warm-up of 3 s and a run of wrk (2 threads, --connections
keep-alive connections, --duration seconds, bench/reads.lua) that spreads
its requests over those pages and orderings (nothing could answer them from
a cache of whole answers) and counts every answer that is not 200 or has
`errors`. It reports requests per second, p50, p99, errors, the SQL
statements per request (`gatehouse_db_request_statements` of /metrics
before and after) and the server's resident memory. Last, a login flood
(wrk, 8 connections, 10 s, correct passwords of seeded users) with the
users grid beside it: both rates, the grid's p99 beside its p99 alone, and
the server's memory during and after.

Needs psql, wrk, PostgreSQL (BENCH_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432/postgres, which is TCP and, where the
server offers it, TLS; `postgres://postgres@localhost/postgres?host=/var/run/postgresql`
is the Unix socket a server on the same machine would use), Redis on
127.0.0.1:6379, and `cargo build --release` (in CARGO_TARGET_DIR when set).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jobs import PASSWORD, ROOT, Deployment, gql, psql  # noqa: E402

USERS_GRID = ("query($after: String, $order: UserOrder) { users(first: 50, after: $after, orderBy: $order) { "
              "%s edges { node { id username email roles { name } organizations { name } businessUnits { name } } } "
              "pageInfo { endCursor } } }")
CUSTOMER_GRID = ("query($after: String, $order: CustomerUserOrder) { customerUsers(first: 50, after: $after, "
                 "orderBy: $order) { totalCount edges { node { id firstName lastName email } } pageInfo { endCursor } } }")
CUSTOMER_USER = "query($id: ID!) { customerUser(id: $id) { id firstName lastName email } }"
ME = "{ me { user { id } } }"


def rss_mib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def request_statements(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as response:
        for line in response.read().decode().splitlines():
            if line.startswith("gatehouse_db_request_statements "):
                return float(line.split()[1])
    return 0.0


def bodies_over_pages(deployment, query, field, orders, pages):
    """Bodies for the first `pages` pages of each ordering, walking them."""
    bodies = []
    for order in orders:
        after = None
        for _ in range(pages):
            variables = {"after": after, "order": order}
            bodies.append(json.dumps({"query": query, "variables": variables}))
            data = gql(deployment.port, query, variables, deployment.token)[field]
            after = data["pageInfo"]["endCursor"]
            if not after:
                break
    return bodies


def wrk(port, bodies, token, seconds, connections, threads=2):
    """Runs wrk over `bodies`; answers (requests/s, p50 ms, p99 ms, errors)."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as file:
        file.write("\n".join(bodies) + "\n")
        path = file.name
    env = dict(os.environ, BENCH_BODIES=path, BENCH_TOKEN=token or "")
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
               "-s", os.path.join(ROOT, "bench", "reads.lua"), f"http://127.0.0.1:{port}/graphql"]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    os.unlink(path)
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    _, requests, duration_us, p50, p99, _max, errors = line.split()
    return int(requests) / (int(duration_us) / 1e6), float(p50), float(p99), int(errors)


def measure(deployment, name, bodies, args, token=None):
    token = token if token is not None else deployment.token
    wrk(deployment.port, bodies, token, 3, args.connections)
    before = request_statements(deployment.port)
    rate, p50, p99, errors = wrk(deployment.port, bodies, token, args.duration, args.connections)
    after = request_statements(deployment.port)
    requests = rate * args.duration
    statements = (after - before) / requests if requests else 0
    rss = rss_mib(deployment.server.pid)
    print(f"{name:<42} {rate:>8.0f} req/s  p50 {p50:>6.2f} ms  p99 {p99:>7.2f} ms  errors {errors:>5}  "
          f"{statements:>5.2f} statements/request  RSS {rss:>5.0f} MiB", flush=True)
    return rate, p50, p99


def seed(deployment, args):
    started = time.time()
    deployment.seed(args.users)
    psql(deployment.url, "-v", f"customers={args.customers}", "-v", f"users={args.customer_users}",
         "-v", "prefix=buyer", "-f", os.path.join(ROOT, "bench", "seed_customers.sql"))
    print(f"seeded {args.users} users, {args.customers} customers and {args.customer_users} customer users "
          f"in {time.time() - started:.1f} s", flush=True)


def login_flood(deployment, grid, args, alone_p99):
    logins = [json.dumps({"query": "mutation($i: LoginInput!) { login(input: $i) { token } }",
                          "variables": {"i": {"login": f"bulk{n:08d}", "password": PASSWORD}}})
              for n in random.sample(range(1, args.users + 1), 200)]
    flood = {}

    def run_flood():
        flood["result"] = wrk(deployment.port, logins, "", 10, 8, threads=1)

    peak = [0.0]

    def watch():
        while "result" not in flood:
            peak[0] = max(peak[0], rss_mib(deployment.server.pid))
            time.sleep(0.2)

    flooding = threading.Thread(target=run_flood)
    watching = threading.Thread(target=watch)
    flooding.start()
    watching.start()
    time.sleep(1)
    rate, _, p99, errors = wrk(deployment.port, grid, deployment.token, 8, args.connections, threads=1)
    flooding.join()
    watching.join()
    logins_rate, _, login_p99, login_errors = flood["result"]
    time.sleep(2)
    after = rss_mib(deployment.server.pid)
    print(f"login flood: {logins_rate:.0f} logins/s (p99 {login_p99:.0f} ms, errors {login_errors}); users grid beside it "
          f"{rate:.0f} req/s, p99 {p99:.2f} ms against {alone_p99:.2f} ms alone ({p99 / alone_p99:.2f}x), errors {errors}; "
          f"RSS during {peak[0]:.0f} MiB, after {after:.0f} MiB", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--customer-users", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", help="run only the requests whose name contains this")
    args = parser.parse_args()
    os.environ["GATEHOUSE_AUTH__LOGIN_ATTEMPTS_PER_IP_PER_MINUTE"] = "100000000"
    deployment = Deployment(workers=0)
    try:
        idle = rss_mib(deployment.server.pid)
        seed(deployment, args)
        orders = [{"field": field, "direction": direction}
                  for field in ("USERNAME", "EMAIL", "LAST_NAME", "CREATED_AT") for direction in ("ASC", "DESC")]
        with_count = bodies_over_pages(deployment, USERS_GRID % "totalCount", "users", orders, 10)
        without_count = [body.replace("totalCount ", "") for body in with_count]
        customer_orders = [{"field": field, "descending": descending}
                           for field in ("EMAIL", "LAST_NAME", "CREATED_AT") for descending in (False, True)]
        customers = bodies_over_pages(deployment, CUSTOMER_GRID, "customerUsers", customer_orders, 10)
        ids = [row[0] for row in json.loads(subprocess.run(
            ["psql", deployment.url, "-tAc",
             "SELECT json_agg(json_build_array(id)) FROM (SELECT id FROM customer_users ORDER BY random() LIMIT 2000) s"],
            capture_output=True, text=True, check=True).stdout)]
        one_customer = [json.dumps({"query": CUSTOMER_USER, "variables": {"id": str(i)}}) for i in ids]
        me = [json.dumps({"query": ME})]
        print(f"server RSS idle after start: {idle:.0f} MiB; {len(with_count)} grid pages over {len(orders)} orderings",
              flush=True)
        runs = [
            ("users(first: 50) with totalCount", with_count),
            ("users(first: 50) without totalCount", without_count),
            ("customerUsers(first: 50) with totalCount", customers),
            ("customerUser(id:)", one_customer),
            ("me { user { id } }", me),
        ]
        alone = None
        for name, bodies in runs:
            if args.only and args.only not in name:
                continue
            _, _, p99 = measure(deployment, name, bodies, args)
            if name == "users(first: 50) with totalCount":
                alone = p99
        if alone is not None and (not args.only or "flood" in args.only or "users" in args.only):
            login_flood(deployment, with_count, args, alone)
        print(f"server RSS at the end: {rss_mib(deployment.server.pid):.0f} MiB, "
              f"peak {rss_mib(deployment.server.pid, 'VmHWM'):.0f} MiB")
    finally:
        deployment.close()


if __name__ == "__main__":
    main()
