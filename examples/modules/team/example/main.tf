# Two teams from the module: one capped by an enforcer in api_key mode, one with
# budget alerts only (its principals call Bedrock directly through its profile).

terraform {
  required_version = ">= 1.5"

  required_providers {
    bedgov = {
      source = "bedgov/bedgov"
    }
  }
}

provider "bedgov" {
  region = "us-east-1"
}

resource "bedgov_enforcer" "main" {
  name      = "bedgov"
  auth_mode = "api_key"
}

module "business" {
  source = "../"

  name             = "business"
  model            = "global.anthropic.claude-sonnet-4-6"
  degrade_to_model = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
  cost_center      = "BIZ-002"
  monthly_budget   = 2000

  notification_emails   = ["business-lead@example.com"]
  anomaly_threshold_usd = 100
  enforcer              = bedgov_enforcer.main.id
}

module "research" {
  source = "../"

  name           = "research"
  model          = "us.amazon.nova-2-lite-v1:0"
  monthly_budget = 500
  principals     = ["arn:aws:iam::123456789012:role/research-notebooks"]
  thresholds     = { notify = 25, degrade = 90, block = 100 }
  alarms         = { output_tokens_per_hour = 500000 }
}

output "business_endpoint" {
  description = "Where the business team points its Bedrock Runtime client."
  value       = bedgov_enforcer.main.function_url
}

output "business_api_key" {
  value     = module.business.api_key
  sensitive = true
}

output "research_model_id" {
  value = module.research.inference_profile_arn
}
