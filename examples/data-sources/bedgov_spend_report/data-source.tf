# This month's report of every team behind the enforcer.
data "bedgov_spend_report" "this_month" {
  enforcer = bedgov_enforcer.main.id
}

# Last month's, for the monthly review early in the next month (the ledger keeps the
# current month and the one before).
data "bedgov_spend_report" "last_month" {
  enforcer = bedgov_enforcer.main.id
  period   = "2026-10"
}

# `terraform output -raw spend_report_markdown >> "$GITHUB_STEP_SUMMARY"` in a CI job.
output "spend_report_markdown" {
  value = data.bedgov_spend_report.this_month.markdown
}

output "spend_report_csv" {
  value = data.bedgov_spend_report.last_month.csv
}

output "teams_over_80_percent" {
  value = [for t in data.bedgov_spend_report.this_month.teams : t.team if t.spend_percent >= 80]
}
