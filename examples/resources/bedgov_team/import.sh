# A team is imported by its name; bedgov finds its profiles, policy, budget, SNS topic,
# alarms, dashboard and anomaly monitor by their names (bedgov-<name>...) and tags.
terraform import bedgov_team.ai_core ai-core
