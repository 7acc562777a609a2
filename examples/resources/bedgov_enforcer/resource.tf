resource "bedgov_enforcer" "main" {
  name               = "bedgov"
  architecture       = "arm64"
  memory_size        = 256
  timeout            = 300
  auth_mode          = "iam" # or "api_key"
  fail_mode          = "closed"
  log_retention_days = 30

  # Negotiated prices, or a model the embedded price table does not know.
  pricing_overrides = {
    "anthropic.claude-3-5-sonnet-20241022-v2:0" = {
      input_per_mtok  = "3"
      output_per_mtok = "15"
    }
  }

  tags = {
    environment = "prod"
  }
}

# Teams point their Bedrock Runtime SDK client's endpoint at this URL.
output "enforcer_url" {
  value = bedgov_enforcer.main.function_url
}
