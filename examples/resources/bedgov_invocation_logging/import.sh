# The Region's logging configuration is imported by the Region, which must be the
# provider's. Add ",<workgroup>" when the named query is not in the primary workgroup.
terraform import bedgov_invocation_logging.this us-east-1
