#!/usr/bin/env bash
# Provider benchmark: apply N teams with alerting and an enforcer against the local
# emulator with a fixed latency injected on every AWS call, then time a refresh plan at
# Terraform's default parallelism, count AWS calls per team per refresh, and sample the
# provider's peak RSS; then the time of `terraform providers schema -json` (a provider
# process started and its schema read) and the size of a release-style provider binary.
# Usage: scripts/bench-provider.sh [teams=100] [latency_ms=30]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
teams=${1:-100}
latency=${2:-30}
work=$(mktemp -d)
tf="$root/bin/terraform"
emu_pid=""
cleanup() { [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/terraform-provider-bedgov" "$root"
(cd "$root" && go build -trimpath -ldflags "-s -w" -o "$work/release-build" .)
go build -o "$work/localaws" "$root/cmd/localaws"
"$work/localaws" -listen 127.0.0.1:0 >"$work/emu.out" 2>"$work/emu.err" &
emu_pid=$!
for _ in $(seq 1 300); do endpoint=$(sed -n 's/^LOCALAWS_ENDPOINT=//p' "$work/emu.out"); [ -n "$endpoint" ] && break; sleep 0.1; done

printf 'provider_installation {\n  dev_overrides { "bedgov/bedgov" = "%s" }\n  direct {}\n}\n' "$work" >"$work/tfrc"
export TF_CLI_CONFIG_FILE="$work/tfrc" TF_IN_AUTOMATION=1 AWS_ACCESS_KEY_ID=AKIALOCALAWSTEST0001 AWS_SECRET_ACCESS_KEY=localaws-secret-access-key AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE
mkdir "$work/tf" && cp "$root/bench/provider/main.tf.tmpl" "$work/tf/main.tf" && cd "$work/tf"
vars=(-input=false -no-color -var "endpoint=$endpoint" -var "teams=$teams")

# Peak RSS of the provider process, sampled while a command runs.
peak_rss() {
  local peak=0 pid rss
  while kill -0 "$1" 2>/dev/null; do
    for pid in $(pgrep -f "$work/terraform-provider-bedgov" || true); do
      rss=$(awk '/VmHWM/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    done
    sleep 0.05
  done
  echo "$peak"
}
latency_on() { curl -s -XPOST "$endpoint/_localaws/faults" -d "{\"latencyMs\": $latency}" >/dev/null; }

latency_on
start=$(date +%s.%N)
"$tf" apply -auto-approve "${vars[@]}" >"$work/apply.log" 2>&1 & pid=$!
rss_apply=$(peak_rss $pid); wait $pid || { tail -30 "$work/apply.log"; exit 1; }
apply_s=$(echo "$(date +%s.%N) - $start" | bc)

curl -s -XDELETE "$endpoint/_localaws/calls" >/dev/null
start=$(date +%s.%N)
"$tf" plan -detailed-exitcode "${vars[@]}" >"$work/plan.log" 2>&1 & pid=$!
rss_plan=$(peak_rss $pid); set +e; wait $pid; code=$?; set -e
plan_s=$(echo "$(date +%s.%N) - $start" | bc)
[ "$code" = 0 ] || { echo "bench: the refresh plan was not empty (exit $code)"; tail -30 "$work/plan.log"; exit 1; }
calls=$(curl -s "$endpoint/_localaws/calls" | grep -o '"Service"' | wc -l)

printf 'bench: %d teams + 1 enforcer, %d ms injected on every AWS call, default parallelism\n' "$teams" "$latency"
printf 'bench: apply %.1f s (provider peak RSS %d MB)\n' "$apply_s" $(( rss_apply / 1024 ))
printf 'bench: refresh plan %.1f s, %d AWS calls (%.1f per team), provider peak RSS %d MB\n' "$plan_s" "$calls" "$(echo "$calls / ($teams + 1)" | bc -l)" $(( rss_plan / 1024 ))

schema_s=()
for _ in 1 2 3 4 5; do
  start=$(date +%s.%N)
  "$tf" providers schema -json >"$work/schema.json" 2>"$work/schema.err" || { cat "$work/schema.err"; exit 1; }
  schema_s+=("$(echo "$(date +%s.%N) - $start" | bc)")
done
printf 'bench: terraform providers schema -json: %s s (5 runs)\n' "$(printf '%.2f ' "${schema_s[@]}")"
printf 'bench: provider binary %.1f MB as built here, %.1f MB release-style (-trimpath -s -w)\n' \
  "$(echo "$(stat -c %s "$work/terraform-provider-bedgov") / 1000000" | bc -l)" "$(echo "$(stat -c %s "$work/release-build") / 1000000" | bc -l)"
