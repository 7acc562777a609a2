data "bedgov_caller_identity" "current" {}

output "deploying_as" {
  value = "${data.bedgov_caller_identity.current.arn} in ${data.bedgov_caller_identity.current.region}"
}
