package awsops

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// CreateCapTable creates an enforcer's cap table (the layout governance defines) with
// encryption, waits until it is active, then turns on TTL and point-in-time recovery.
// It returns the table ARN.
func CreateCapTable(ctx context.Context, c *dynamodb.Client, name string, tags map[string]string) (string, error) {
	in := governance.CreateTableInput(name)
	in.SSESpecification = &types.SSESpecification{Enabled: aws.Bool(true)}
	if len(tags) > 0 {
		in.Tags = dynamoTags(tags)
	}
	tflog.Debug(ctx, "creating DynamoDB cap table", map[string]any{"table": name})
	out, err := c.CreateTable(ctx, in)
	if err != nil {
		return "", err
	}
	tableARN := aws.ToString(out.TableDescription.TableArn)
	if err := WaitTableActive(ctx, c, name); err != nil {
		return tableARN, err
	}
	return tableARN, ConfigureCapTable(ctx, c, name)
}

// ConfigureCapTable turns on TTL (for reservation and idempotency records) and
// point-in-time recovery; both are idempotent.
func ConfigureCapTable(ctx context.Context, c *dynamodb.Client, name string) error {
	ttl, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return err
	}
	if d := ttl.TimeToLiveDescription; d == nil || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != governance.AttrTTL {
		tflog.Debug(ctx, "enabling DynamoDB TTL", map[string]any{"table": name, "attribute": governance.AttrTTL})
		if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName:               aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(governance.AttrTTL), Enabled: aws.Bool(true)},
		}); err != nil {
			return err
		}
	}
	tflog.Debug(ctx, "enabling point-in-time recovery", map[string]any{"table": name})
	_, err = c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
		TableName:                        aws.String(name),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)},
	})
	return err
}

// CapTableState is what Read reports of a cap table.
type CapTableState struct {
	ARN        string
	TTL, PITR  bool
	Encryption bool
	// ReservationIndex is the status of the reservations index (ACTIVE, CREATING, ...),
	// "" on a table created before it existed.
	ReservationIndex string
}

// IndexActive is the status of a global secondary index ready for use.
const IndexActive = string(types.IndexStatusActive)

// FindCapTable describes a table with its TTL and PITR state, or ErrNotFound.
func FindCapTable(ctx context.Context, c *dynamodb.Client, name string) (CapTableState, error) {
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		if hasCode(err, "ResourceNotFoundException") {
			return CapTableState{}, wrapNotFound(err)
		}
		return CapTableState{}, err
	}
	st := CapTableState{ARN: aws.ToString(out.Table.TableArn), ReservationIndex: string(reservationIndexStatus(out.Table))}
	if out.Table.SSEDescription != nil {
		st.Encryption = out.Table.SSEDescription.Status == types.SSEStatusEnabled
	}
	if out.Table.TableStatus == types.TableStatusDeleting {
		return CapTableState{}, ErrNotFound
	}
	gone := func(err error) error {
		if hasCode(err, "ResourceNotFoundException") {
			return wrapNotFound(err) // deleted between the calls
		}
		return err
	}
	ttl, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return CapTableState{}, gone(err)
	}
	st.TTL = ttl.TimeToLiveDescription != nil && ttl.TimeToLiveDescription.TimeToLiveStatus == types.TimeToLiveStatusEnabled
	pitr, err := c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(name)})
	if err != nil {
		return CapTableState{}, gone(err)
	}
	if d := pitr.ContinuousBackupsDescription; d != nil && d.PointInTimeRecoveryDescription != nil {
		st.PITR = d.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus == types.PointInTimeRecoveryStatusEnabled
	}
	return st, nil
}

func reservationIndexStatus(t *types.TableDescription) types.IndexStatus {
	for _, gsi := range t.GlobalSecondaryIndexes {
		if aws.ToString(gsi.IndexName) == governance.ReservationIndex {
			return gsi.IndexStatus
		}
	}
	return ""
}

// AddReservationIndex adds the reservations index to a cap table created before it
// existed, and waits until DynamoDB has backfilled it from the table's items and made it
// ACTIVE (the table serves reads and writes meanwhile). An index already being created
// (an apply interrupted while waiting) is waited for, not created again: DynamoDB
// creates one index at a time per table (API_UpdateTable).
func AddReservationIndex(ctx context.Context, c *dynamodb.Client, name string) error {
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		return err
	}
	if reservationIndexStatus(out.Table) == "" {
		tflog.Debug(ctx, "adding the reservations index to the DynamoDB cap table", map[string]any{"table": name, "index": governance.ReservationIndex})
		if _, err := c.UpdateTable(ctx, governance.AddReservationIndexInput(name)); err != nil {
			return err
		}
	}
	return WaitTableActive(ctx, c, name)
}

// WaitTableActive polls until a table and every one of its global secondary indexes are
// ACTIVE (an index is usable only then; a new table's indexes are created with it, an
// added one is backfilled first).
func WaitTableActive(ctx context.Context, c *dynamodb.Client, name string) error {
	for delay := 100 * time.Millisecond; ; delay = min(delay*2, 5*time.Second) {
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil && !hasCode(err, "ResourceNotFoundException") {
			return err
		}
		if err == nil && tableAndIndexesActive(out.Table) {
			return nil
		}
		if err == nil {
			tflog.Debug(ctx, "waiting for the DynamoDB table and its indexes", map[string]any{"table": name, "status": string(out.Table.TableStatus)})
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for table %s and its indexes to become active: %w", name, ctx.Err())
		case <-time.After(delay):
		}
	}
}

// DeleteTable deletes a table and waits until it is gone; already gone is done.
func DeleteTable(ctx context.Context, c *dynamodb.Client, name string) error {
	tflog.Debug(ctx, "deleting DynamoDB table", map[string]any{"table": name})
	_, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	if hasCode(err, "ResourceNotFoundException") {
		return nil
	}
	if err != nil {
		return err
	}
	for delay := 100 * time.Millisecond; ; delay = min(delay*2, 5*time.Second) {
		_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if hasCode(err, "ResourceNotFoundException") {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for table %s to be deleted: %w", name, ctx.Err())
		case <-time.After(delay):
		}
	}
}

// TableTagger tags DynamoDB tables by ARN.
func TableTagger(c *dynamodb.Client) Tagger {
	return Tagger{Service: "dynamodb",
		List: func(ctx context.Context, arn string) (map[string]string, error) {
			out, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)})
			if err != nil {
				return nil, err
			}
			return tagMap(out.Tags, func(t types.Tag) (*string, *string) { return t.Key, t.Value }), nil
		},
		Tag: func(ctx context.Context, arn string, set map[string]string) error {
			_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: dynamoTags(set)})
			return err
		},
		Untag: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
			return err
		},
	}
}

func dynamoTags(tags map[string]string) []types.Tag {
	return tagList(tags, func(k, v *string) types.Tag { return types.Tag{Key: k, Value: v} })
}

func tableAndIndexesActive(t *types.TableDescription) bool {
	if t.TableStatus != types.TableStatusActive {
		return false
	}
	for _, gsi := range t.GlobalSecondaryIndexes {
		if gsi.IndexStatus != types.IndexStatusActive {
			return false
		}
	}
	return true
}
