package governance

import "github.com/aws/aws-sdk-go-v2/service/dynamodb"

// SetTestDB gives the package's tests their DynamoDB (main_test.go: dynalite behind the
// emulator's front, which the package itself cannot import).
func SetTestDB(c *dynamodb.Client) { testDB = c }
