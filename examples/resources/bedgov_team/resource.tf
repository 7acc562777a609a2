resource "bedgov_team" "ai_core" {
  name             = "ai-core"
  model            = "anthropic.claude-3-5-sonnet-20241022-v2:0"
  degrade_to_model = "anthropic.claude-3-haiku-20240307-v1:0"
  cost_center      = "AI-001"
  principals       = ["arn:aws:iam::123456789012:role/ai-core-app"]

  tags = {
    environment = "prod"
  }
}

# Teams call Bedrock with the profile ARN as the model id.
output "ai_core_model_id" {
  value = bedgov_team.ai_core.inference_profile_arn
}
