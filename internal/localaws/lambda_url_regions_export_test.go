package localaws

// CheckFunctionURLRegion exposes the Region rule to the external tests.
var CheckFunctionURLRegion = checkFunctionURLRegion
