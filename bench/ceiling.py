#!/usr/bin/env python3
"""What PostgreSQL alone serves of the reads `reads.py` measures.

    python3 bench/ceiling.py [--duration 10] [--connections 32]

Seeds a fresh database as `reads.py` does (100,000 users, 100,000 customer
users over 1,000 customers), then runs pgbench (prepared statements, 2
threads, --connections clients) on the statements the server sends for
each read, written out here as the server writes them: no GraphQL server
in between. The rate is the bound PostgreSQL sets on a machine it shares
with nothing but pgbench; a server on the same machine gets what
PostgreSQL leaves of the cores.

- users grid: the page (members of the organization, after a cursor, in
  username order, 51 rows) and the links of those 51 users to roles,
  organizations and business units (one `UNION ALL`), as two statements;
- users grid, one statement: the same page with the links as arrays
  (what a single statement per grid request would cost);
- customerUsers grid: the page of customer users after a cursor;
- customerUser(id:): one customer user by id.

Over BENCH_POSTGRES_URL like `reads.py` (TCP, with TLS where the server
offers it, by default); each run is repeated over the Unix socket when
`--socket DIR` names one (e.g. /var/run/postgresql).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jobs import Deployment  # noqa: E402
import reads  # noqa: E402

USER_COLUMNS = ("id, created_at, updated_at, username, username_canonical, password_hash, name_prefix, "
                "first_name, middle_name, last_name, name_suffix, birthday, avatar, email, email_canonical, "
                "phone, enabled, auth_status, failed_login_count, owner_business_unit_id, last_login_at, "
                "password_changed_at")
CUSTOMER_COLUMNS = ("id, created_at, updated_at, organization_id, customer_id, website_id, owner_id, enabled, "
                    "confirmed, name_prefix, first_name, middle_name, last_name, name_suffix, email, "
                    "email_canonical, birthday, localization_id, password_hash, auth_status, "
                    "failed_login_count, last_login_at, password_changed_at")
# A cursor: a seeded user's username (or email) and id.
AFTER = "\\set u random(1, 99000)\n\\set org 1\n"
USER_AFTER = "(username_canonical, id) > ('bulk' || lpad((:u)::text, 8, '0'), :u + 1)"
MEMBERS = "id IN (SELECT user_id FROM user_organizations WHERE organization_id = :org)"


def users_grid_two_statements():
    ids = ", ".join(f":i{k}" for k in range(51))
    sets = "".join(f"\\set i{k} :u + {k}\n" for k in range(51))
    page = (f"SELECT {USER_COLUMNS} FROM users WHERE {MEMBERS} AND {USER_AFTER} "
            "ORDER BY username_canonical ASC, id ASC LIMIT 51;")
    links = (f"SELECT 0 AS relation, user_id, role_id AS target FROM user_roles WHERE user_id IN ({ids}) "
             f"UNION ALL SELECT 1, user_id, organization_id FROM user_organizations WHERE user_id IN ({ids}) "
             f"UNION ALL SELECT 2, user_id, business_unit_id FROM user_business_units WHERE user_id IN ({ids});")
    return AFTER + sets + page + "\n" + links + "\n"


def users_grid_one_statement():
    def linked(column, table):
        return f"ARRAY(SELECT {column} FROM {table} l WHERE l.user_id = users.id ORDER BY {column})"
    return (AFTER + f"SELECT {USER_COLUMNS}, {linked('role_id', 'user_roles')}, "
            f"{linked('organization_id', 'user_organizations')}, {linked('business_unit_id', 'user_business_units')} "
            f"FROM users WHERE {MEMBERS} AND {USER_AFTER} ORDER BY username_canonical ASC, id ASC LIMIT 51;\n")


def customer_grid():
    return (AFTER + f"SELECT {CUSTOMER_COLUMNS} FROM customer_users WHERE organization_id = :org AND "
            "(email_canonical, id) > ('buyer' || lpad((:u)::text, 8, '0') || '@seed.example', :u) "
            "ORDER BY email_canonical ASC, id ASC LIMIT 51;\n")


def one_customer_user():
    return AFTER + f"SELECT {CUSTOMER_COLUMNS} FROM customer_users WHERE organization_id = :org AND id = :u LIMIT 1;\n"


def pgbench(url, script, args):
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as file:
        file.write(script)
        file.flush()
        out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", str(args.connections), "-j", "2",
                              "-T", str(args.duration), "-f", file.name, url],
                             capture_output=True, text=True, check=True).stdout
    return float(re.search(r"tps = ([0-9.]+)", out).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--socket", help="also run over the Unix socket in this directory")
    args = parser.parse_args()
    deployment = Deployment(workers=0)
    try:
        reads.seed(deployment, types.SimpleNamespace(users=100_000, customers=1_000, customer_users=100_000))
        # The server is not needed past seeding: PostgreSQL gets the machine.
        deployment.server.terminate()
        deployment.server.wait()
        urls = [("TCP", deployment.url)]
        if args.socket:
            base, _, _ = deployment.url.partition("?")
            urls.append(("socket", f"postgresql:///{base.rsplit('/', 1)[1]}?host={args.socket}&user=postgres"))
        runs = [
            ("users grid, page + links (2 statements)", users_grid_two_statements()),
            ("users grid, links as arrays (1 statement)", users_grid_one_statement()),
            ("customerUsers grid page", customer_grid()),
            ("customerUser(id:)", one_customer_user()),
        ]
        for name, script in runs:
            rates = "  ".join(f"{kind} {pgbench(url, script, args):>8.0f}/s" for kind, url in urls)
            print(f"{name:<44} {rates}", flush=True)
    finally:
        deployment.close()


if __name__ == "__main__":
    main()
