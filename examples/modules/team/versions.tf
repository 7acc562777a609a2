terraform {
  required_version = ">= 1.5"

  required_providers {
    bedgov = {
      source = "bedgov/bedgov"
    }
  }
}
