package localaws

import (
	"net/http"
	"slices"
)

// regionsWithoutFunctionURLs are the Regions where Lambda offers no function URLs
// (Lambda developer guide, "Creating and managing Lambda function URLs", the note under
// the URL format). The error Lambda returns there is not documented; the emulator
// answers as for any parameter Lambda refuses.
var regionsWithoutFunctionURLs = []string{
	"ap-south-2", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ap-east-2",
	"ca-west-1", "eu-south-2", "eu-central-2", "il-central-1", "me-central-1",
}

func checkFunctionURLRegion(region string) error {
	if slices.Contains(regionsWithoutFunctionURLs, region) {
		return ErrorStatus(http.StatusBadRequest, "InvalidParameterValueException", "Function URLs are not supported in %s.", region)
	}
	return nil
}
