# One team's governed lane on Amazon Bedrock: its inference profile(s), scoped IAM policy,
# budget with notifications, alarms, dashboard, optional anomaly monitor and, when an
# enforcer is named, the cap record that makes the budget a hard cap.
#
# Empty sets and maps are passed as null: unset, as the provider reads them back.
resource "bedgov_team" "this" {
  name             = var.name
  model            = var.model
  degrade_to_model = var.degrade_to_model
  cost_center      = var.cost_center
  principals       = length(var.principals) > 0 ? var.principals : null

  monthly_budget = var.monthly_budget
  thresholds {
    notify  = var.thresholds.notify
    degrade = var.thresholds.degrade
    block   = var.thresholds.block
  }
  notification_emails = length(var.notification_emails) > 0 ? var.notification_emails : null
  sns_topic_arn       = var.sns_topic_arn

  dynamic "alarms" {
    for_each = var.alarms == null ? [] : [var.alarms]
    content {
      output_tokens_per_hour = alarms.value.output_tokens_per_hour
      throttles              = alarms.value.throttles
      server_errors          = alarms.value.server_errors
    }
  }

  dynamic "anomaly_detection" {
    for_each = var.anomaly_threshold_usd == null ? [] : [var.anomaly_threshold_usd]
    content {
      threshold_usd = anomaly_detection.value
    }
  }

  dashboard = var.dashboard

  enforcer        = var.enforcer
  api_key_version = var.api_key_version

  dynamic "emergency_override" {
    for_each = var.emergency_override == null ? [] : [var.emergency_override]
    content {
      limit_usd  = emergency_override.value.limit_usd
      expires_at = emergency_override.value.expires_at
      reason     = emergency_override.value.reason
    }
  }

  tags = length(var.tags) > 0 ? var.tags : null
}
