resource "bedgov_team" "ai_core" {
  name             = "ai-core"
  model            = "global.anthropic.claude-sonnet-4-6"
  degrade_to_model = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
  cost_center      = "AI-001"
  principals       = ["arn:aws:iam::123456789012:role/ai-core-app"]

  # An AWS Budget on the team's cost allocation tag (user:team$ai-core), notifying at
  # each threshold (percent of the budget) and at the forecast of the block threshold.
  monthly_budget = 10000
  thresholds {
    notify  = 50
    degrade = 80
    block   = 100
  }
  notification_emails = ["lead@example.com"]
  # sns_topic_arn = "arn:aws:sns:us-east-1:123456789012:platform-alerts" # or bedgov makes bedgov-ai-core

  # CloudWatch alarms on the team's profile (AWS/Bedrock, dimension ModelId = profile ARN).
  alarms {
    output_tokens_per_hour = 2000000
    throttles              = true
    server_errors          = true
  }

  anomaly_detection {
    threshold_usd = 100
  }

  dashboard = true

  tags = {
    environment = "prod"
  }
}

# Teams call Bedrock with the profile ARN as the model id.
output "ai_core_model_id" {
  value = bedgov_team.ai_core.inference_profile_arn
}

output "ai_core_alerts_topic" {
  value = bedgov_team.ai_core.sns_topic_arn
}
