#!/usr/bin/env bash
# The volume tests of tests/api/scale.rs at the size of the benchmarks:
# a backlog of 120,000 emails (20,000 notices queued at once and a mass
# reset of 100,000 users) that never stops processing, and a worker killed
# in the middle of a mass reset of 10,000 users that costs no recipient a
# second email. Each prints what it measured; docs/PERFORMANCE.md reports
# them. Needs what tests/run needs (it starts or installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
GATEHOUSE_SCALE=full exec tests/run --profile bench --no-capture scale::
