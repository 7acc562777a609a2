# Lets `terraform validate` check this example (make examples-check); tfplugindocs
# renders only the example file next to it.
terraform {
  required_providers {
    bedgov = {
      source = "bedgov/bedgov"
    }
  }
}
