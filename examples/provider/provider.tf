provider "bedgov" {
  region = "eu-west-1"

  # Optional: act as a deployment role.
  # assume_role {
  #   role_arn     = "arn:aws:iam::123456789012:role/platform-deployer"
  #   session_name = "bedgov"
  # }

  default_tags {
    tags = {
      owner = "platform"
    }
  }
}
