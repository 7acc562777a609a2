// Package policycheck holds the tests that hold every IAM policy document bedgov writes
// or documents to AWS's service authorization reference, through the IAM simulator
// process (internal/localaws/iamsim): every action exists, every resource is one of its
// actions' resource types, every condition key is valid for its action. It has no code
// of its own.
package policycheck
