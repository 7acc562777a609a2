#!/usr/bin/env bash
# Teams per enforcer: apply one enforcer and N wired teams (default 500) with the real
# Terraform CLI against the emulator, which enforces IAM's quota of 10 managed policies
# per role, then check the enforcer role and refresh-plan all N teams
# (TestAccTeamEnforcer_manyTeams, which make test runs with 25).
# Usage: scripts/bench-teams-per-enforcer.sh [teams=500]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export BEDGOV_TEAMS_PER_ENFORCER=${1:-500}
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
TF_ACC=1 go test ./internal/provider/ -run '^TestAccTeamEnforcer_manyTeams$' -count=1 -timeout 60m -v >"$log" 2>&1 || rc=$?
grep -E '^(--- |ok|FAIL|PASS)|Error' "$log" | head -40 || true
echo "teams=$BEDGOV_TEAMS_PER_ENFORCER seconds=$(( $(date +%s) - start )) exit=$rc"
exit $rc
