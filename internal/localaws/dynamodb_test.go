package localaws_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/dynalite"
)

// dynaliteEndpoint is one dynalite for the whole test binary (started by TestMain).
var dynaliteEndpoint string

func TestMain(m *testing.M) {
	p, err := dynalite.Start(context.Background())
	if err != nil {
		// Missing Node or dynalite is a failure, never a skip.
		_, _ = os.Stderr.WriteString("localaws tests need dynalite: " + err.Error() + " (run `make tools`)\n")
		os.Exit(1)
	}
	dynaliteEndpoint = p.Endpoint
	code := m.Run()
	p.Stop()
	if code == 0 {
		code = checkEveryResponseWalked()
	}
	os.Exit(code)
}

func createTable(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
	// dynalite activates tables asynchronously, even with createTableMs 0.
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 5 * time.Millisecond
		o.MaxDelay = 50 * time.Millisecond
	})
	if err := w.Wait(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatalf("table %s not active: %v", name, err)
	}
}

func TestDynamoDBPassthroughKeepsDynaliteSemantics(t *testing.T) {
	t.Parallel()
	s, c, _ := meteredTable(t, "pass-through")
	ctx := context.Background()

	put := func(limit string) error {
		_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String("pass-through"),
			Key:                       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "team"}},
			UpdateExpression:          aws.String("ADD spent :x"),
			ConditionExpression:       aws.String("attribute_not_exists(spent) OR spent <= :limit"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":x": &types.AttributeValueMemberN{Value: "5"}, ":limit": &types.AttributeValueMemberN{Value: limit}},
		})
		return err
	}
	if err := put("5"); err != nil {
		t.Fatal(err)
	}
	if err := put("5"); err != nil { // spent 5 <= 5: allowed, now 10
		t.Fatal(err)
	}
	var ccf *types.ConditionalCheckFailedException
	if err := put("5"); !errors.As(err, &ccf) {
		t.Fatalf("conditional write past the limit: %v", err)
	}
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("pass-through"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "team"}}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.Item["spent"].(*types.AttributeValueMemberN).Value; n != "10" {
		t.Fatalf("spent = %s", n)
	}
	if n := s.CallCount("dynamodb", "UpdateItem"); n != 3 {
		t.Fatalf("logged UpdateItem calls = %d", n)
	}
	var codes []string
	for _, c := range s.Calls() {
		if c.Operation == "UpdateItem" {
			codes = append(codes, c.ErrorCode)
		}
	}
	if codes[0] != "" || codes[2] != "ConditionalCheckFailedException" {
		t.Fatalf("logged error codes = %q", codes)
	}
}

func TestDynamoDBTimeToLive(t *testing.T) {
	t.Parallel()
	_, c, _ := meteredTable(t, "ttl-table")
	ctx := context.Background()

	d, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("ttl-table")})
	if err != nil {
		t.Fatal(err)
	}
	if d.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusDisabled {
		t.Fatalf("initial status = %s", d.TimeToLiveDescription.TimeToLiveStatus)
	}
	u, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("ttl-table"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expires")}})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(u.TimeToLiveSpecification.Enabled) || aws.ToString(u.TimeToLiveSpecification.AttributeName) != "expires" {
		t.Fatalf("update output = %+v", u.TimeToLiveSpecification)
	}
	d, err = c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("ttl-table")})
	if err != nil {
		t.Fatal(err)
	}
	if d.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.TimeToLiveDescription.AttributeName) != "expires" {
		t.Fatalf("status after enable = %+v", d.TimeToLiveDescription)
	}
	_, err = c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("ttl-table"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expires")}})
	wantAPIError(t, err, "ValidationException")

	_, err = c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("no-such-table"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expires")}})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("ttl on a missing table: %v", err)
	}
	_, err = c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("x")})
	wantAPIError(t, err, "ValidationException") // name shorter than 3
}

func TestDynamoDBContinuousBackups(t *testing.T) {
	t.Parallel()
	s, c, _ := meteredTable(t, "pitr-table")
	ctx := context.Background()

	d, err := c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("pitr-table")})
	if err != nil {
		t.Fatal(err)
	}
	if d.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusDisabled {
		t.Fatalf("initial = %+v", d.ContinuousBackupsDescription.PointInTimeRecoveryDescription)
	}
	u, err := c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: aws.String("pitr-table"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	p := u.ContinuousBackupsDescription.PointInTimeRecoveryDescription
	if p.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusEnabled || aws.ToInt32(p.RecoveryPeriodInDays) != 35 || p.EarliestRestorableDateTime == nil {
		t.Fatalf("after enable = %+v", p)
	}
	if len(s.Store().List(localaws.KindDynamoPITR)) != 1 {
		t.Fatal("PITR state not in the store")
	}
	_, err = c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: aws.String("pitr-table"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true), RecoveryPeriodInDays: aws.Int32(36)}})
	wantAPIError(t, err, "ValidationException")
	_, err = c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("no-such-table")})
	var tnf *types.TableNotFoundException
	if !errors.As(err, &tnf) {
		t.Fatalf("missing table: %v", err)
	}

	// State belongs to the table: a re-created table starts disabled again.
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("pitr-table")}); err != nil {
		t.Fatal(err)
	}
	waitTableGone(t, c, "pitr-table")
	createTable(t, c, "pitr-table")
	d, err = c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("pitr-table")})
	if err != nil {
		t.Fatal(err)
	}
	if d.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusDisabled {
		t.Fatal("PITR survived re-creating the table")
	}
}

func waitTableGone(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	w := dynamodb.NewTableNotExistsWaiter(c, func(o *dynamodb.TableNotExistsWaiterOptions) {
		o.MinDelay = 5 * time.Millisecond
		o.MaxDelay = 50 * time.Millisecond
	})
	if err := w.Wait(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestDynamoDBWithoutBackendFailsClearly(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	_, err := dynamodb.NewFromConfig(cfg).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	wantAPIError(t, err, "LocalAWSDynamoDBNotConfigured")
}

func TestDynamoDBFaultOnPassthrough(t *testing.T) {
	t.Parallel()
	s, cfg := start(t, localaws.WithDynamoDB(dynaliteEndpoint))
	c := dynamodb.NewFromConfig(cfg)
	s.FailNth("dynamodb", "ListTables", 1, localaws.ErrServiceUnavailable())
	_, err := c.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	wantAPIError(t, err, "ServiceUnavailable")
	if _, err := c.ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("second call: %v", err)
	}
}

// waitActive waits until a table and its indexes are ACTIVE (dynalite creates both
// asynchronously).
func waitActive(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err == nil && d.Table.TableStatus == types.TableStatusActive {
			active := true
			for _, g := range d.Table.GlobalSecondaryIndexes {
				active = active && g.IndexStatus == types.IndexStatusActive
			}
			if active {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("table %s not active with its indexes: %v", name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
