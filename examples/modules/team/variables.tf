variable "name" {
  description = "Team name: 2 to 32 lowercase letters, digits and single hyphens, starting with a letter. It names every object of the team and is its `team` cost allocation tag."
  type        = string
}

variable "model" {
  description = "Model the team calls: a foundation model id or ARN, or a system-defined cross-region inference profile id or ARN."
  type        = string
}

variable "degrade_to_model" {
  description = "Cheaper model the enforcer switches the team to at the degrade threshold. Null: no degrade step."
  type        = string
  default     = null
}

variable "cost_center" {
  description = "Value of the `cost-center` tag on the team's objects."
  type        = string
  default     = null
}

variable "principals" {
  description = "ARNs of the IAM roles, users and groups that call Bedrock for the team. Without an enforcer they get the invoke policy; with one in iam mode, the right to call the enforcer."
  type        = set(string)
  default     = []
}

variable "monthly_budget" {
  description = "Monthly budget in USD (cents allowed). With an enforcer it is a hard cap."
  type        = number
}

variable "thresholds" {
  description = "Percentages of the budget at which the team is notified, degraded and blocked."
  type = object({
    notify  = optional(number, 50)
    degrade = optional(number, 80)
    block   = optional(number, 100)
  })
  default = {}
}

variable "notification_emails" {
  description = "Addresses that get the budget notifications and, when the module's team makes its own topic, the alarms."
  type        = set(string)
  default     = []
}

variable "sns_topic_arn" {
  description = "An SNS topic of yours for every alert of the team. Null: bedgov makes `bedgov-<name>`."
  type        = string
  default     = null
}

variable "alarms" {
  description = "CloudWatch alarms on the team's profile. Null: no alarms."
  type = object({
    output_tokens_per_hour = optional(number)
    throttles              = optional(bool, true)
    server_errors          = optional(bool, true)
  })
  default = {}
}

variable "anomaly_threshold_usd" {
  description = "Alert on cost anomalies of at least this many USD (Cost Anomaly Detection). Null: no anomaly monitor."
  type        = number
  default     = null
}

variable "dashboard" {
  description = "Create the team's CloudWatch dashboard."
  type        = bool
  default     = true
}

variable "enforcer" {
  description = "Name (`id`) of the `bedgov_enforcer` that makes the budget a hard cap. Null: the budget alerts only, and the principals call Bedrock directly."
  type        = string
  default     = null
}

variable "api_key_version" {
  description = "Change it to rotate the team's API key (enforcer in api_key mode)."
  type        = number
  default     = null
}

variable "emergency_override" {
  description = "A temporary higher limit while it lasts (needs an enforcer): limit in USD, RFC 3339 expiry at most 31 days ahead, and the reason."
  type = object({
    limit_usd  = number
    expires_at = string
    reason     = string
  })
  default = null
}

variable "tags" {
  description = "Tags for the team's objects, merged over the provider's `default_tags`."
  type        = map(string)
  default     = {}
}
