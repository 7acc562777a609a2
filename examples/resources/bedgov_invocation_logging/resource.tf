# Bedrock model invocation logging for the provider's account and Region: one per
# Region. Prompts and completions stay out of the logs unless include_text is set.
resource "bedgov_invocation_logging" "this" {
  s3_bucket_name = "acme-bedrock-invocation-logs" # bedgov creates it
  log_group_name = "/bedgov/invocations"          # optional CloudWatch Logs copy
  retention_days = 365
  kms_key_arn    = null # SSE-S3 when null

  include_text      = false
  include_image     = false
  include_embedding = false

  athena_workgroup = "primary" # where the monthly query per team is saved

  # A destroy fails while the bucket holds logs; set this (and apply) to delete them.
  force_destroy = false

  tags = {
    purpose = "audit"
  }
}

# Run it in Athena with the month as its one parameter, e.g. '2026/11'.
output "monthly_query_id" {
  value = bedgov_invocation_logging.this.named_query_id
}
