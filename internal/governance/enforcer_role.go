package governance

import (
	"encoding/json"
	"fmt"
	"strings"
)

// EnforcerTrustPolicy lets Lambda assume the enforcer's execution role, only on behalf
// of functions in the given account (aws:SourceAccount, against the confused deputy).
func EnforcerTrustPolicy(account string) (string, error) {
	if len(account) != 12 {
		return "", fmt.Errorf("enforcer trust policy: %q is not an account id", account)
	}
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":       "LambdaAssumesEnforcerRole",
			"Effect":    "Allow",
			"Principal": map[string]string{"Service": "lambda.amazonaws.com"},
			"Action":    "sts:AssumeRole",
			"Condition": map[string]map[string]string{"StringEquals": {"aws:SourceAccount": account}},
		}},
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

// EnforcerRolePolicy is the enforcer's least-privilege inline policy: the item reads and
// writes its ledger makes on its own cap table and the Query on its reservations index, writing to its own log group, and publishing to the teams' bedgov-*
// topics. Bedrock invoke rights are not here: each team's InvokePolicy is attached to
// the role, so the enforcer can reach exactly the teams' profiles.
func EnforcerRolePolicy(partition, region, account, tableARN, logGroupARN string) (string, error) {
	if !strings.HasPrefix(tableARN, "arn:") || !strings.Contains(tableARN, ":table/") {
		return "", fmt.Errorf("enforcer role policy: %q is not a DynamoDB table ARN", tableARN)
	}
	if !strings.HasPrefix(logGroupARN, "arn:") || !strings.Contains(logGroupARN, ":log-group:") {
		return "", fmt.Errorf("enforcer role policy: %q is not a log group ARN", logGroupARN)
	}
	logGroupARN = strings.TrimSuffix(logGroupARN, ":*")
	doc := policyDoc{Version: "2012-10-17", Statement: []statement{
		// The ledger (layout 2) reads a team's record and slices with GetItem and
		// BatchGetItem, writes idempotency records with PutItem, and reserves, settles and
		// releases with TransactWriteItems: a transaction is authorized action by action
		// as the PutItem, UpdateItem and DeleteItem (a settled reservation's item) it
		// contains (DynamoDB developer guide, "Using IAM with DynamoDB transactions"); the
		// ledger makes no ConditionCheck. It never deletes a team's record or slices; the
		// provider does.
		{Sid: "CapLedger", Effect: "Allow", Resource: []string{tableARN},
			Action: []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
				"dynamodb:DeleteItem"}},
		// Expired reservations are found by a Query on the reservations index, which IAM
		// authorizes on the index's own ARN, <table ARN>/index/<name>.
		{Sid: "CapReservations", Effect: "Allow", Resource: []string{tableARN + "/index/" + ReservationIndex},
			Action: []string{"dynamodb:Query"}},
		{Sid: "Logs", Effect: "Allow", Resource: []string{logGroupARN + ":*"},
			Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}},
		{Sid: "TeamNotifications", Effect: "Allow", Resource: []string{fmt.Sprintf("arn:%s:sns:%s:%s:bedgov-*", partition, region, account)},
			Action: []string{"sns:Publish"}},
	}}
	return render("enforcer", doc)
}
