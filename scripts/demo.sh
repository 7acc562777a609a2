#!/usr/bin/env bash
# The bedgov demo (make demo): on this machine, with no AWS account, deploy an enforcer
# and three teams with the real Terraform CLI against the local AWS emulator, then call
# Bedrock through the enforcer with the official AWS SDK and watch one team go through
# notify, degrade and block; review a budget cut in plan; lift the block with an
# emergency override; read the month back from Bedrock's invocation logs and from the
# enforcer's ledger. Everything it starts stops when it ends (or on Ctrl-C);
# `make demo-down` removes what is left.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work="${BEDGOV_DEMO_DIR:-$root/.demo}"
tf="$root/bin/terraform"
started=$(date +%s)

step() { printf '\n==> %s\n' "$*"; }
emu_pid=""
cleanup() {
  if [ -n "$emu_pid" ] && kill -0 "$emu_pid" 2>/dev/null; then
    kill "$emu_pid" 2>/dev/null || true
    wait "$emu_pid" 2>/dev/null || true
  fi
  rm -f "$work/localaws.pid"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM

[ -x "$tf" ] || { echo "demo: the Terraform CLI is missing: run make tools"; exit 1; }
mkdir -p "$work/bin"
rm -rf "$work/tf" "$work/outputs.json"

step "Building the provider (with the enforcer inside), the local AWS emulator and the teams' application"
go build -o "$work/bin/terraform-provider-bedgov" "$root"
go build -o "$work/bin/localaws" "$root/cmd/localaws"
go build -o "$work/bin/traffic" "$root/examples/demo/traffic"

step "Starting the local AWS emulator, with dynalite as DynamoDB"
"$work/bin/localaws" -listen 127.0.0.1:0 -https-listen 127.0.0.1:0 -ca-file "$work/localaws-ca.pem" \
  -enforcer-log "$work/enforcer.log" >"$work/localaws.out" 2>"$work/localaws.err" &
emu_pid=$!
echo "$emu_pid" >"$work/localaws.pid"
endpoint=""
for _ in $(seq 1 300); do
  endpoint=$(sed -n 's/^LOCALAWS_ENDPOINT=//p' "$work/localaws.out" 2>/dev/null || true)
  [ -n "$endpoint" ] && break
  kill -0 "$emu_pid" 2>/dev/null || { cat "$work/localaws.err"; echo "demo: the emulator did not start"; exit 1; }
  sleep 0.1
done
[ -n "$endpoint" ] || { echo "demo: the emulator did not start in 30s"; exit 1; }
https_endpoint=$(sed -n 's/^LOCALAWS_HTTPS_ENDPOINT=//p' "$work/localaws.out")
echo "demo: emulator at $endpoint and $https_endpoint (its CA, made for this run: $work/localaws-ca.pem)"
# Every client trusts the emulator's CA: Go and OpenSSL, the AWS SDKs and boto3, Node.js.
export SSL_CERT_FILE="$work/localaws-ca.pem" AWS_CA_BUNDLE="$work/localaws-ca.pem" NODE_EXTRA_CA_CERTS="$work/localaws-ca.pem"
# Nothing may reach the internet: Terraform's version check, Claude Code's telemetry.
export CHECKPOINT_DISABLE=1

# Terraform uses the provider just built (dev_overrides: no registry, no init).
cat >"$work/terraformrc" <<TFRC
provider_installation {
  dev_overrides {
    "bedgov/bedgov" = "$work/bin"
  }
  direct {}
}
TFRC
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1
# The emulator's test key (it verifies SigV4 signatures with the secrets it issued);
# nothing of this machine's AWS setup is used.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
: >"$work/aws-config"
export AWS_ACCESS_KEY_ID=AKIALOCALAWSTEST0001 AWS_SECRET_ACCESS_KEY=localaws-secret-access-key AWS_EC2_METADATA_DISABLED=true \
  AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-config"
mkdir -p "$work/tf"
cp "$root/examples/demo/main.tf" "$work/tf/"
cd "$work/tf"
tfvars=(-input=false -no-color -var "endpoint=$endpoint" -var "https_endpoint=$https_endpoint")

"$work/bin/traffic" setup -endpoint "$endpoint"

step "terraform apply: one enforcer, the teams ai-core (10,000 USD), ai-extended (5,000 USD) and business (2,000 USD), an api_key enforcer for claude-users (5,000 USD), and the audit trail"
"$tf" apply -auto-approve -compact-warnings "${tfvars[@]}" >"$work/apply.log" 2>&1 || { cat "$work/apply.log"; exit 1; }
grep -E '^(Apply complete|bedgov_enforcer.(main|keys): Creation complete|bedgov_team.claude: Creation complete|bedgov_team.team\["[a-z-]+"\]: Creation complete|bedgov_invocation_logging.audit: Creation complete)' "$work/apply.log" | sed 's/^/        /'
"$tf" output -json >"$work/outputs.json"
echo "demo: the enforcer listens at $("$tf" output -raw enforcer_url)"
traffic=("$work/bin/traffic")
targs=(-endpoint "$endpoint" -outputs "$work/outputs.json")

step "Team ai-core calls Claude Sonnet 4.6 (global. profile) through the enforcer with the official AWS SDK"
"${traffic[@]}" call "${targs[@]}" -team ai-core

step "Team business keeps calling: notify at 50 %, degrade to the cheaper model at 80 %, block at 100 %"
"${traffic[@]}" walk "${targs[@]}" -team business

step "A reviewer's terraform plan of a budget cut for business (2,000 -> 500 USD)"
"$tf" plan "${tfvars[@]}" -var business_budget=500 >"$work/plan.log" 2>&1 || { cat "$work/plan.log"; exit 1; }
# The warning's title and its message (the paragraph after the source reference).
awk '/^Warning: Budget change restricts team/{p=1; blanks=0; print "        " $0; next}
     p && /^$/ {blanks++; if (blanks==3) p=0; next}
     p && blanks==2 {print "        " $0}' "$work/plan.log"
grep -E 'projected_state|Plan:' "$work/plan.log" | sed 's/^ */        /' | head -5

step "terraform apply of an emergency override for business (3,000 USD for two days, \"quarter-end batch\")"
expires=$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)
"$tf" apply -auto-approve "${tfvars[@]}" -var business_override=true -var "override_expires_at=$expires" >"$work/override.log" 2>&1 || { cat "$work/override.log"; exit 1; }
grep -E '^Apply complete' "$work/override.log" | sed 's/^/        /'
"${traffic[@]}" call "${targs[@]}" -team business

step "Team claude-users runs Claude Code through its enforcer (api_key mode, HTTPS): a real coding turn"
claude_bin="$root/tools/node/node_modules/.bin/claude"
[ -x "$claude_bin" ] || { echo "demo: Claude Code is missing: run make tools"; exit 1; }
"$tf" output -json claude >"$work/claude-lane.json"
lane() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/claude-lane.json" "$1"; }
c_url=$(lane url); c_profile=$(lane profile_arn); c_key=$(lane api_key)
mkdir -p "$work/project" "$work/claude-home"
echo "The deploy freeze starts on Friday at 18:00 UTC." >"$work/project/NOTES.md"
# Claude Code on Bedrock: the enforcer as its Bedrock base URL, the team's key as its
# bearer token, the team's profile as every model it uses. No AWS keys in its environment.
claude_env=(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$work/claude-home" AWS_REGION=us-east-1
  CLAUDE_CODE_USE_BEDROCK=1 ANTHROPIC_BEDROCK_BASE_URL="${c_url%/}" AWS_BEARER_TOKEN_BEDROCK="$c_key"
  ANTHROPIC_MODEL="$c_profile" ANTHROPIC_SMALL_FAST_MODEL="$c_profile" ANTHROPIC_DEFAULT_HAIKU_MODEL="$c_profile"
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_TELEMETRY=1 DISABLE_AUTOUPDATER=1 DISABLE_ERROR_REPORTING=1)
# The local model is scripted: the [[tool:...]] marker makes it ask for the Read tool.
prompt="When does the deploy freeze start? [[tool:Read {\"file_path\":\"$work/project/NOTES.md\"}]]"
echo "        \$ claude -p \"When does the deploy freeze start?\" --allowedTools Read"
(cd "$work/project" && timeout 120 "${claude_env[@]}" "$claude_bin" -p "$prompt" --output-format json --allowedTools Read) >"$work/claude.json" 2>"$work/claude.err" || true
python3 - "$work/claude.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit("demo: Claude Code gave no answer; see .demo/claude.err")
if r.get("is_error"):
    sys.exit("demo: Claude Code failed: " + str(r.get("result")))
print("        Claude Code answered in %d turns (it read NOTES.md with its Read tool): %s" % (r["num_turns"], " ".join(r["result"].split())))
PY
"$tf" apply -refresh-only -auto-approve "${tfvars[@]}" -var business_override=true -var "override_expires_at=$expires" >"$work/claude-usage.log" 2>&1 || { cat "$work/claude-usage.log"; exit 1; }
echo "        bedgov_team_usage: claude-users has spent $("$tf" output -raw claude_spend)"

step "An admin cuts claude-users' budget below what it has spent (terraform apply): its tools are refused with the budget message"
"$tf" apply -auto-approve "${tfvars[@]}" -var business_override=true -var "override_expires_at=$expires" -var claude_budget=100 >"$work/claude-cut.log" 2>&1 || { cat "$work/claude-cut.log"; exit 1; }
grep -E '^Apply complete' "$work/claude-cut.log" | sed 's/^/        /'
(cd "$root/tools/node" && env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_REGION=us-east-1 BEDGOV_URL="$c_url" BEDGOV_MODEL="$c_profile" \
  AWS_BEARER_TOKEN_BEDROCK="$c_key" node clients/drive.mjs anthropic one) | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
e = r.get("error")
if not e:
    sys.exit("demo: the blocked team was served")
print("        the Anthropic SDK (messages.create) was refused: %s %s" % (e["name"], e["message"].split(" (path:")[0]))'

step "The month on record: Bedrock's invocation logs in the audit bucket, and the report from the enforcer's ledger"
"${traffic[@]}" audit "${targs[@]}"
"$tf" apply -refresh-only -auto-approve "${tfvars[@]}" -var business_override=true -var "override_expires_at=$expires" -var claude_budget=100 >"$work/report.log" 2>&1 || { cat "$work/report.log"; exit 1; }
"$tf" output -raw spend_report | sed 's/^/        /'

step "Done in $(( $(date +%s) - started ))s. The enforcer's logs are in .demo/enforcer.log; make demo-down cleans up."
