#!/usr/bin/env python3
"""OAuth client-credentials tokens per second, beside the signing ceiling (release build).

    python3 bench/oauth_tokens.py [--seconds 10] [--concurrency 16] [--runs 1] [--postgres URL]

Generates keys with `gatehouse keys generate`, starts `gatehouse serve` from
target/release (SQLite in a temporary directory, or a fresh database on the
PostgreSQL server at URL), creates an OAuth application through GraphQL as
the administrator, then runs, one after the other:

  token-bench sign   the server's own signer (`KeySet`) on 2 threads, no
                     HTTP and no database: the most tokens the key can sign.
  token-bench load   client-credentials requests (form body, HTTP Basic) to
                     /oauth2-token from concurrent connections: tokens/s,
                     errors, p50/p99 latency.
  token-bench sign   again (and load, sign, ... for --runs).

and prints each token rate beside the mean of the signing rates measured
just before and after it, their ratio (with --runs, the median), and the SQL
statements the server sent during the load (/metrics). The load generator
runs on the same machine as the server and takes its share of the cores;
the rate limits are raised out of the way. Needs `cargo build --release -p gatehouse-api -p
gatehouse-tests --bins` (and psql with --postgres).
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"), "release")
PASSWORD = "Bench-Passw0rd"
UNLIMITED = "1000000000"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, *args):
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", *args], check=True)


def gql(port, query, variables=None, token=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body, headers)
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise RuntimeError(answer["errors"])
    return answer["data"]


def binary(name):
    path = os.path.join(RELEASE, name)
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: cargo build --release -p gatehouse-api -p gatehouse-tests --bins")
    return path


def rate(output, unit):
    match = re.search(r"([0-9.]+) " + re.escape(unit), output)
    if not match:
        raise RuntimeError(f"no {unit} in: {output}")
    return float(match.group(1))


def statements(port):
    """The server's `gatehouse_db_statements` gauge (/metrics)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as response:
        text = response.read().decode()
    return float(re.search(r"^gatehouse_db_statements ([0-9.e+]+)$", text, re.M).group(1))


def run(seconds, concurrency, postgres, runs):
    gatehouse, token_bench = binary("gatehouse"), binary("token-bench")
    directory = tempfile.mkdtemp(prefix="gh-oauth-bench-")
    database = None
    server = None
    try:
        port = free_port()
        oauth = os.path.join(directory, "oauth")
        env = dict(os.environ)
        env.update({
            "GATEHOUSE_SERVER__PORT": str(port),
            "GATEHOUSE_BOOTSTRAP__ADMIN_PASSWORD": PASSWORD,
            "GATEHOUSE_LOG__LEVEL": "warn",
            "GATEHOUSE_EMAIL__FILE_DIR": os.path.join(directory, "mail"),
            "GATEHOUSE_JOBS__EXPORT_DIR": os.path.join(directory, "exports"),
            "GATEHOUSE_OAUTH__PRIVATE_KEY_PATH": os.path.join(oauth, "private.pem"),
            "GATEHOUSE_OAUTH__PUBLIC_KEY_PATH": os.path.join(oauth, "public.pem"),
            "GATEHOUSE_OAUTH__HASH_KEY_PATH": os.path.join(oauth, "client-secret.key"),
            "GATEHOUSE_OAUTH__GENERATE_KEYS": "false",
            "GATEHOUSE_OAUTH__TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE": UNLIMITED,
            "GATEHOUSE_OAUTH__TOKEN_REQUESTS_PER_IP_PER_MINUTE": UNLIMITED,
        })
        if postgres:
            database = f"gh_bench_oauth_{os.getpid()}"
            psql(postgres, "-c", f"CREATE DATABASE {database}")
            env["GATEHOUSE_DATABASE__URL"] = postgres.rsplit("/", 1)[0] + "/" + database
            env["GATEHOUSE_DATABASE__MAX_CONNECTIONS"] = "20"
            # The job queue stays on SQLite, so no Redis is needed.
            env["GATEHOUSE_JOBS__SQLITE_URL"] = f"sqlite://{directory}/queue.db?mode=rwc"
        else:
            env["GATEHOUSE_DATABASE__URL"] = f"sqlite://{directory}/gatehouse.db?mode=rwc"

        os.makedirs(oauth, exist_ok=True)
        subprocess.run([gatehouse, "keys", "generate"], env=env, cwd=directory, check=True,
                       stdout=subprocess.DEVNULL)
        server = subprocess.Popen([gatehouse, "serve"], env=env, cwd=directory, stdout=subprocess.DEVNULL)
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz")
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gatehouse did not become ready")

        token = gql(port, 'mutation($p: String!) { login(input: { login: "admin", password: $p }) { token } }',
                    {"p": PASSWORD})["login"]["token"]
        admin = gql(port, "{ me { user { id } } }", token=token)["me"]["user"]["id"]
        created = gql(port, """mutation($input: CreateOAuthApplicationInput!) {
            createOAuthApplication(input: $input) { clientSecret application { clientId } } }""",
                      {"input": {"name": "Benchmark", "userId": admin}}, token)["createOAuthApplication"]

        def sign():
            signing = subprocess.run([token_bench, "sign", "--seconds", str(seconds), "--threads", "2"],
                                     env=env, cwd=directory, check=True, capture_output=True, text=True).stdout
            print(signing.strip())
            return rate(signing, "signatures/s")

        def load():
            sent = statements(port)
            loading = subprocess.run([token_bench, "load", "--url", f"http://127.0.0.1:{port}/oauth2-token",
                                      "--client-id", created["application"]["clientId"],
                                      "--client-secret", created["clientSecret"],
                                      "--concurrency", str(concurrency), "--seconds", str(seconds)],
                                     env=env, check=True, capture_output=True, text=True).stdout
            print(loading.strip())
            return rate(loading, "tokens/s"), statements(port) - sent

        # Signing and the load alternate, and each load is set against the
        # mean of the signing rates measured just before and just after
        # it: the machine's speed drifts.
        where = "PostgreSQL" if postgres else "SQLite"
        ratios = []
        signed = sign()
        for _ in range(runs):
            tokens, sent = load()
            after = sign()
            signatures = (signed + after) / 2
            signed = after
            ratios.append(tokens / signatures)
            print(f"{where}: the token endpoint served {tokens:.0f} tokens/s, "
                  f"{tokens / signatures:.2f}x the {signatures:.0f} signatures/s of signing alone on 2 threads; "
                  f"{sent:.0f} SQL statements during the load")
        if runs > 1:
            ratios.sort()
            print(f"{where}, concurrency {concurrency}: ratios {' '.join(f'{r:.2f}' for r in ratios)}, "
                  f"median {ratios[len(ratios) // 2]:.2f}")
    finally:
        if server:
            server.terminate()
            server.wait()
        if database:
            psql(postgres, "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=1, help="loads to measure, each between two signing runs")
    parser.add_argument("--postgres", metavar="URL",
                        help="a PostgreSQL server to make the benchmark's database on, "
                             "e.g. postgres://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    run(arguments.seconds, arguments.concurrency, arguments.postgres, arguments.runs)
