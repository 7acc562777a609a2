data "bedgov_team_usage" "business" {
  team     = "business"
  enforcer = bedgov_enforcer.main.id
}

output "business_spend" {
  value = "${data.bedgov_team_usage.business.spent_usd} of ${data.bedgov_team_usage.business.effective_limit_usd} USD (${data.bedgov_team_usage.business.state})"
}
