# An enforcer is imported by its name; bedgov finds its function, role, table and log group by their names.
terraform import bedgov_enforcer.main bedgov
