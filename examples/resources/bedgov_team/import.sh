# A team is imported by its name; bedgov finds its profiles and policy by their names and tags.
terraform import bedgov_team.ai_core ai-core
