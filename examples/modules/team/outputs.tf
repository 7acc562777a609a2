output "name" {
  description = "The team name."
  value       = bedgov_team.this.name
}

output "inference_profile_arn" {
  description = "The team's application inference profile: the model id its SDK calls use."
  value       = bedgov_team.this.inference_profile_arn
}

output "degrade_inference_profile_arn" {
  description = "The degrade profile, when degrade_to_model is set."
  value       = bedgov_team.this.degrade_inference_profile_arn
}

output "policy_arn" {
  description = "The team's invoke policy (attached to the principals, or to the enforcer's role when wired)."
  value       = bedgov_team.this.policy_arn
}

output "policy_json" {
  description = "The invoke policy document."
  value       = bedgov_team.this.policy_json
}

output "caller_policy_arn" {
  description = "The policy that lets the principals call the enforcer's URL (enforcer in iam mode)."
  value       = bedgov_team.this.caller_policy_arn
}

output "sns_topic_arn" {
  description = "The topic the team's alerts go to."
  value       = bedgov_team.this.sns_topic_arn
}

output "budget_name" {
  description = "The team's AWS Budget."
  value       = bedgov_team.this.budget_name
}

output "dashboard_name" {
  description = "The team's CloudWatch dashboard, when enabled."
  value       = bedgov_team.this.dashboard_name
}

output "api_key" {
  description = "The team's bearer key for an enforcer in api_key mode (null otherwise). Hand it to the team through a secret store."
  value       = bedgov_team.this.api_key
  sensitive   = true
}
