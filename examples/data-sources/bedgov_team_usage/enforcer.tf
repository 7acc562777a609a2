# The enforcer the example reads from, declared so that `terraform validate` can check the
# reference; the rendered example is data-source.tf alone.
resource "bedgov_enforcer" "main" {
  name = "bedgov"
}
