#!/usr/bin/env python3
"""Times `login` with a wrong password for an existing user against `login`
with an unknown username, interleaved, on a running Gatehouse.

    python3 bench/login_timing.py [URL] [ROUNDS]

URL defaults to http://127.0.0.1:8080/graphql; the user `admin` must exist.
Prints the median and 90th percentile of each, in milliseconds. Both answer
UNAUTHENTICATED; the point is that their times cannot tell them apart.
"""
import json
import statistics
import sys
import time
import urllib.request

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080/graphql"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 50
QUERY = "mutation($l: String!) { login(input: { login: $l, password: \"Wrong-Passw0rd-1\" }) { token } }"


def attempt(login):
    body = json.dumps({"query": QUERY, "variables": {"l": login}}).encode()
    request = urllib.request.Request(url, body, {"content-type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    elapsed = (time.perf_counter() - start) * 1000
    code = answer["errors"][0]["extensions"]["code"]
    assert code == "UNAUTHENTICATED", answer
    return elapsed


# The server must run with a high auth.max_failed_logins (bench/README.md):
# otherwise `admin` locks after ten rounds and answers ACCOUNT_LOCKED.
times = {"existing user, wrong password": [], "unknown username": []}
for i in range(rounds):
    times["existing user, wrong password"].append(attempt("admin"))
    times["unknown username"].append(attempt(f"nobody-{i}"))
for name, values in times.items():
    values.sort()
    p90 = values[int(len(values) * 0.9) - 1]
    print(f"{name:32} median {statistics.median(values):6.1f} ms   p90 {p90:6.1f} ms   (n={len(values)})")
