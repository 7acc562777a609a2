package provider

import (
	"fmt"
	"slices"
	"strings"
)

// regionsWithoutFunctionURLs are the Regions where Lambda offers no function URLs
// (Lambda developer guide, "Creating and managing Lambda function URLs", the note under
// the URL format). The enforcer is reached through its function URL (response
// streaming included), so it cannot be deployed there.
var regionsWithoutFunctionURLs = []string{
	"ap-east-2", "ap-south-2", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-west-1", "eu-central-2", "eu-south-2", "il-central-1", "me-central-1",
}

// enforcerRegionError is the plan-time refusal of an enforcer in such a Region ("" when
// the Region has function URLs).
func enforcerRegionError(region string) string {
	if !slices.Contains(regionsWithoutFunctionURLs, region) {
		return ""
	}
	return fmt.Sprintf("bedgov_enforcer is reached through a Lambda function URL, and Lambda offers no function URLs in %s "+
		"(nor in %s). Configure the provider for another Region for the enforcer, such as one where your teams' models run.",
		region, strings.Join(regionsWithoutFunctionURLs, ", "))
}
