# The bedgov demo: one enforcer, the three teams of the classic setup and the audit
# trail, against the local AWS emulator. `make demo` runs it; see README.md.

terraform {
  required_providers {
    bedgov = {
      source = "bedgov/bedgov"
    }
  }
}

variable "endpoint" {
  description = "URL of the local AWS emulator (make demo starts it)."
  type        = string
}

variable "https_endpoint" {
  description = "HTTPS URL of the same emulator: function URLs are made on it, so the enforcers' URLs are https:// as on AWS (Bedrock API keys are sent over HTTPS only)."
  type        = string
}

variable "claude_budget" {
  description = "Monthly budget of team claude-users, in USD."
  type        = number
  default     = 5000
}

variable "business_budget" {
  description = "Monthly budget of team business, in USD."
  type        = number
  default     = 2000
}

variable "business_override" {
  description = "Grant team business an emergency override."
  type        = bool
  default     = false
}

variable "override_expires_at" {
  description = "When the override ends (RFC 3339); make demo sets it two days ahead."
  type        = string
  default     = ""
}

provider "bedgov" {
  region = "us-east-1"
  endpoints {
    bedrock        = var.endpoint
    bedrockruntime = var.endpoint
    budgets        = var.endpoint
    ce             = var.endpoint
    cloudwatch     = var.endpoint
    dynamodb       = var.endpoint
    iam            = var.endpoint
    lambda         = var.https_endpoint
    logs           = var.endpoint
    sns            = var.endpoint
    sts            = var.endpoint
    s3             = var.endpoint
    glue           = var.endpoint
    athena         = var.endpoint
  }
  default_tags {
    tags = { owner = "platform" }
  }
}

resource "bedgov_enforcer" "main" {
  name = "bedgov"

  # Demo prices: list prices inflated so that a handful of requests moves budgets of real
  # size (a 4,000-token answer from Claude Haiku 4.5 costs 100 USD here). The embedded
  # catalog prices these models already; overrides are how negotiated rates are set.
  pricing_overrides = {
    "anthropic.claude-sonnet-4-6"              = { input_per_mtok = "60000", output_per_mtok = "300000" }
    "anthropic.claude-opus-4-6-v1"             = { input_per_mtok = "100000", output_per_mtok = "500000" }
    "anthropic.claude-haiku-4-5-20251001-v1:0" = { input_per_mtok = "5000", output_per_mtok = "25000" }
    "amazon.nova-2-lite-v1:0"                  = { input_per_mtok = "1200", output_per_mtok = "10000" }
  }
}

locals {
  # Current models only, through global. cross-Region profiles (the cheapest way in:
  # in-Region and geographic profiles of the Claude 4.5 generation on cost 10% more).
  teams = {
    "ai-core"     = { model = "global.anthropic.claude-sonnet-4-6", degrade = "global.anthropic.claude-haiku-4-5-20251001-v1:0", budget = 10000, cost_center = "AI-001" }
    "ai-extended" = { model = "global.anthropic.claude-opus-4-6-v1", degrade = "global.anthropic.claude-sonnet-4-6", budget = 5000, cost_center = "AI-002" }
    "business"    = { model = "global.anthropic.claude-haiku-4-5-20251001-v1:0", degrade = "global.amazon.nova-2-lite-v1:0", budget = var.business_budget, cost_center = "BIZ-001" }
  }
}

resource "bedgov_team" "team" {
  for_each = local.teams

  name                = each.key
  model               = each.value.model
  degrade_to_model    = each.value.degrade
  cost_center         = each.value.cost_center
  monthly_budget      = each.value.budget
  notification_emails = ["${each.key}-lead@example.com"]
  dashboard           = true
  enforcer            = bedgov_enforcer.main.id
  principals          = ["arn:aws:iam::123456789012:role/demo-${each.key}-app"]

  alarms {
    throttles     = true
    server_errors = true
  }

  dynamic "emergency_override" {
    for_each = each.key == "business" && var.business_override ? [1] : []
    content {
      limit_usd  = 3000
      expires_at = var.override_expires_at
      reason     = "quarter-end batch"
    }
  }
}

# A second enforcer in api_key mode, for the tools that cannot sign for a function URL:
# Claude Code and the Anthropic SDK send the team's key as a Bedrock API key.
resource "bedgov_enforcer" "keys" {
  name      = "bedgov-keys"
  auth_mode = "api_key"

  pricing_overrides = {
    # list price times 20,000, as above
    "anthropic.claude-haiku-4-5-20251001-v1:0" = { input_per_mtok = "20000", output_per_mtok = "100000" }
  }
}

resource "bedgov_team" "claude" {
  name           = "claude-users"
  model          = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
  cost_center    = "ENG-001"
  monthly_budget = var.claude_budget
  enforcer       = bedgov_enforcer.keys.id
}

# The audit trail: Bedrock's own record of every call, in a bucket bedgov creates, with
# the Athena query of the month per team and model. force_destroy because the demo's
# logs are throwaway; leave it false for real ones.
resource "bedgov_invocation_logging" "audit" {
  s3_bucket_name   = "bedgov-demo-invocation-logs"
  retention_days   = 365
  athena_workgroup = "primary"
  force_destroy    = true

  depends_on = [bedgov_team.team, bedgov_team.claude] # so that the query knows the teams from the start
}

# The month's report, from the enforcer's ledger: no Athena needed.
data "bedgov_spend_report" "month" {
  enforcer = bedgov_enforcer.main.id
}

output "spend_report" {
  value = data.bedgov_spend_report.month.markdown
}

output "audit_bucket" {
  value = bedgov_invocation_logging.audit.s3_bucket_name
}

output "enforcer_url" {
  value = bedgov_enforcer.main.function_url
}

# Team claude-users' spend as its enforcer's ledger counts it.
data "bedgov_team_usage" "claude" {
  team     = bedgov_team.claude.name
  enforcer = bedgov_enforcer.keys.id
}

output "claude_spend" {
  value = "${data.bedgov_team_usage.claude.spent_usd} USD of ${data.bedgov_team_usage.claude.effective_limit_usd} USD (${data.bedgov_team_usage.claude.state})"
}

output "claude" {
  value = {
    url         = bedgov_enforcer.keys.function_url
    profile_arn = bedgov_team.claude.inference_profile_arn
    api_key     = bedgov_team.claude.api_key
  }
  sensitive = true
}

output "table_name" {
  value = bedgov_enforcer.main.table_name
}

output "teams" {
  value = {
    for name, t in bedgov_team.team : name => {
      profile_arn         = t.inference_profile_arn
      degrade_profile_arn = t.degrade_inference_profile_arn
      topic_arn           = t.sns_topic_arn
      role_arn            = "arn:aws:iam::123456789012:role/demo-${name}-app"
    }
  }
}
