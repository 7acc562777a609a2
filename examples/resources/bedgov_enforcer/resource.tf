resource "bedgov_enforcer" "main" {
  name               = "bedgov"
  architecture       = "arm64"
  memory_size        = 256
  timeout            = 300
  auth_mode          = "iam" # or "api_key"
  fail_mode          = "closed"
  log_retention_days = 30

  # Negotiated prices, or a model the embedded catalog has no confirmed price for
  # (gpt-oss, Llama 4): one entry per foundation model id, applied to every profile.
  # Shown here: Claude Sonnet 4.6 at its global list price; put your agreed rates.
  pricing_overrides = {
    "anthropic.claude-sonnet-4-6" = {
      input_per_mtok       = "3.00"
      output_per_mtok      = "15.00"
      cache_read_per_mtok  = "0.30"
      cache_write_per_mtok = "3.75"
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
