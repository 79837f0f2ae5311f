#!/usr/bin/env python3
"""Benchmarks of the background jobs on PostgreSQL and Redis (release build).

    python3 bench/jobs.py export     [--users 1000000]
    python3 bench/jobs.py mass-reset [--users 100000] [--workers 1]
    python3 bench/jobs.py import     [--users 100000]

Each run makes a fresh database, starts `gatehouse serve` (bootstrap, API)
and `gatehouse worker` processes from target/release, seeds users with
bench/seed_users.sql, runs one job, prints what it measured, and cleans up.

  export      the CSV export of every user, beside PostgreSQL's own
              `COPY (SELECT …) TO STDOUT WITH CSV` of the same columns, and
              the worker's peak resident memory (VmHWM).
  mass-reset  RESET_PASSWORD for every user: statuses, tokens and one email
              each delivered to a local SMTP server (target/release/smtp-sink),
              in users per second until the last email is delivered.
  import      `importCustomerUsers` of a CSV file of new customer users
              (email, names, customer, the Buyer role) over 1,000 customers
              that have as many customer users already, in rows per
              second from the upload until the job has ended, with the
              lines it refused.

Needs psql, PostgreSQL (BENCH_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432/postgres), Redis on 127.0.0.1:6379, and
`cargo build --release -p gatehouse-api -p gatehouse-tests --bins`.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where cargo put the release build: CARGO_TARGET_DIR when set, as for cargo.
RELEASE = os.path.join(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"), "release")
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Bench-Passw0rd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, *args, **kwargs):
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", *args], check=True, **kwargs)


def gql(port, query, variables=None, token=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return post_graphql(port, body, headers)


def post_graphql(port, body, headers):
    """POSTs `body` to /graphql; answers `data`, raising on `errors`."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body, headers)
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise RuntimeError(answer["errors"])
    return answer["data"]


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Deployment:
    """A database, an API server and workers, torn down on exit."""

    def __init__(self, workers, smtp_port=None):
        self.name = f"gh_bench_{os.getpid()}"
        psql(ADMIN_URL, "-c", f"CREATE DATABASE {self.name}")
        # The same server and options (e.g. `?host=/var/run/postgresql` for
        # the Unix socket, `?sslmode=disable`), another database.
        base, mark, options = ADMIN_URL.partition("?")
        self.url = base.rsplit("/", 1)[0] + "/" + self.name + mark + options
        self.port = free_port()
        self.env = dict(os.environ)
        self.env.update({
            "GATEHOUSE_DATABASE__URL": self.url,
            "GATEHOUSE_DATABASE__MAX_CONNECTIONS": "20",
            "GATEHOUSE_SERVER__PORT": str(self.port),
            "GATEHOUSE_BOOTSTRAP__ADMIN_PASSWORD": PASSWORD,
            "GATEHOUSE_JOBS__BACKEND": "redis",
            "GATEHOUSE_JOBS__NAMESPACE": self.name,
            "GATEHOUSE_JOBS__IN_PROCESS_WORKER": "false",
            "GATEHOUSE_JOBS__EXPORT_DIR": f"/tmp/{self.name}",
            "GATEHOUSE_LOG__LEVEL": "warn",
        })
        if smtp_port:
            self.env.update({
                "GATEHOUSE_EMAIL__TRANSPORT": "smtp",
                "GATEHOUSE_EMAIL__SMTP__HOST": "127.0.0.1",
                "GATEHOUSE_EMAIL__SMTP__PORT": str(smtp_port),
                "GATEHOUSE_EMAIL__SMTP__SECURITY": "none",
            })
        self.processes = []
        self.server = self.start("serve")
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz")
                break
            except OSError:
                time.sleep(0.1)
        self.workers = [self.start("worker") for _ in range(workers)]
        self.token = gql(self.port, 'mutation($p: String!) { login(input: { login: "admin", password: $p }) { token } }',
                         {"p": PASSWORD})["login"]["token"]

    def start(self, command):
        process = subprocess.Popen([os.path.join(RELEASE, "gatehouse"), command], env=self.env,
                                   stdout=subprocess.DEVNULL, cwd="/tmp")
        self.processes.append(process)
        return process

    def seed(self, count):
        started = time.time()
        psql(self.url, "-v", f"count={count}", "-v", "prefix=bulk", "-f", os.path.join(ROOT, "bench", "seed_users.sql"))
        print(f"seeded {count} users in {time.time() - started:.1f} s")

    def wait_job(self, job_id):
        query = "query($id: ID!) { job(id: $id) { status processed emails { pending sent } } }"
        while True:
            job = gql(self.port, query, {"id": job_id}, self.token)["job"]
            if job["status"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return job
            time.sleep(0.2)

    def close(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait()
        keys = subprocess.run(["redis-cli", "--scan", "--pattern", f"{self.name}*"], capture_output=True, text=True)
        for key in keys.stdout.split():
            subprocess.run(["redis-cli", "del", key], capture_output=True)
        psql(ADMIN_URL, "-c", f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        subprocess.run(["rm", "-rf", f"/tmp/{self.name}"])


COPY_SQL = """\\copy (SELECT u.id, u.username, u.email, u.name_prefix, u.first_name, u.middle_name, u.last_name,
  u.name_suffix, u.birthday, u.phone, u.enabled, u.auth_status, b.name,
  (SELECT string_agg(o.name, '; ') FROM user_organizations uo JOIN organizations o ON o.id = uo.organization_id
     WHERE uo.user_id = u.id),
  (SELECT string_agg(r.name, '; ') FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id),
  u.last_login_at, u.created_at, u.password_hash
  FROM users u JOIN business_units b ON b.id = u.owner_business_unit_id ORDER BY u.id) TO '/dev/null' WITH CSV HEADER"""


def export(users):
    deployment = Deployment(workers=1)
    try:
        deployment.seed(users)
        started = time.time()
        psql(deployment.url, "-c", COPY_SQL)
        copy = time.time() - started
        print(f"COPY of the same columns: {copy:.2f} s")
        started = time.time()
        job = gql(deployment.port, "mutation { exportUsers { id } }", token=deployment.token)["exportUsers"]["id"]
        result = deployment.wait_job(job)
        export = time.time() - started
        peak = peak_rss_mib(deployment.workers[0].pid)
        print(f"export job: {export:.2f} s ({result['status']}, {result['processed']} rows), "
              f"{export / copy:.2f}x the COPY; worker peak RSS {peak:.0f} MiB")
    finally:
        deployment.close()


def upload(port, token, query, csv_bytes, filename):
    """A GraphQL multipart request with one file bound to `$file`."""
    boundary = "gatehouse-bench-boundary"
    operations = json.dumps({"query": query, "variables": {"file": None}})
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{operations}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{{"0": ["variables.file"]}}\r\n'.encode(),
        (f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="{filename}"\r\n'
         "Content-Type: text/csv\r\n\r\n").encode() + csv_bytes + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    headers = {"content-type": f"multipart/form-data; boundary={boundary}", "authorization": f"Bearer {token}"}
    return post_graphql(port, b"".join(parts), headers)


def import_customer_users(users):
    deployment = Deployment(workers=1)
    try:
        # Into an organization that has customer users already, as
        # `reads.py` seeds it (and with its statistics gathered).
        psql(deployment.url, "-v", "customers=1000", "-v", f"users={users}", "-v", "prefix=buyer",
             "-f", os.path.join(ROOT, "bench", "seed_customers.sql"))
        customers = subprocess.run(["psql", deployment.url, "-tAc", "SELECT id FROM customers ORDER BY id"],
                                   capture_output=True, text=True, check=True).stdout.split()
        lines = ["email,first_name,last_name,customer_id,roles"]
        lines += [f"imported{n:08d}@seed.example,Imported,Number {n},{customers[n % len(customers)]},Buyer"
                  for n in range(1, users + 1)]
        csv_bytes = ("\n".join(lines) + "\n").encode()
        started = time.time()
        query = "mutation($file: Upload!) { importCustomerUsers(file: $file) { id } }"
        job = upload(deployment.port, deployment.token, query, csv_bytes, "customer-users.csv")["importCustomerUsers"]["id"]
        result = deployment.wait_job(job)
        elapsed = time.time() - started
        counts = subprocess.run(["psql", deployment.url, "-tAc",
                                 "SELECT (SELECT count(*) FROM customer_users WHERE email LIKE 'imported%') || ' created, ' "
                                 "|| (SELECT count(*) FROM background_job_items WHERE outcome = 'FAILED') || ' refused: ' "
                                 "|| coalesce((SELECT min(reason) FROM background_job_items WHERE outcome = 'FAILED'), '-')"],
                                capture_output=True, text=True, check=True).stdout.strip()
        print(f"import of {users} customer users ({len(csv_bytes) / 1e6:.1f} MB): job {result['status']} in "
              f"{elapsed:.1f} s, {users / elapsed:.0f} rows/s; {result['processed']} lines processed, "
              f"customer users {counts}")
    finally:
        deployment.close()


def mass_reset(users, workers):
    smtp_port = free_port()
    sink = subprocess.Popen([os.path.join(RELEASE, "smtp-sink"), f"127.0.0.1:{smtp_port}"], stdout=subprocess.DEVNULL)
    deployment = None
    try:
        time.sleep(0.3)
        deployment = Deployment(workers=workers, smtp_port=smtp_port)
        deployment.seed(users)
        started = time.time()
        mutation = 'mutation { massUpdateUsers(selection: { filter: { search: "bulk" } }, action: RESET_PASSWORD) { id } }'
        job = gql(deployment.port, mutation, token=deployment.token)["massUpdateUsers"]["id"]
        result = deployment.wait_job(job)
        job_done = time.time() - started
        while True:
            emails = deployment.wait_job(job)["emails"]
            if emails["pending"] == 0:
                break
            time.sleep(0.2)
        elapsed = time.time() - started
        print(f"mass reset of {users} users with {workers} worker process(es): job {result['status']} in {job_done:.1f} s; "
              f"{emails['sent']} emails delivered after {elapsed:.1f} s: {users / elapsed:.0f} users/s")
    finally:
        if deployment:
            deployment.close()
        sink.terminate()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmark", choices=["export", "mass-reset", "import"])
    parser.add_argument("--users", type=int)
    parser.add_argument("--workers", type=int, default=1)
    arguments = parser.parse_args()
    if arguments.benchmark == "export":
        export(arguments.users or 1_000_000)
    elif arguments.benchmark == "import":
        import_customer_users(arguments.users or 100_000)
    else:
        mass_reset(arguments.users or 100_000, arguments.workers)
    sys.exit(0)
