package localaws_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/auditlog"
)

// The invocation-log table as bedgov defines it round-trips through the Glue API.
func TestGlueLogTableLifecycle(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := glue.NewFromConfig(cfg)
	ctx := context.Background()
	spec := auditlog.LogTable(auditlog.Destination{Partition: "aws", Account: "123456789012", Region: "us-east-1", Bucket: "acme-logs"}, "bedgov", "bedrock_invocations")
	cols := func(cs []auditlog.Column) []gluetypes.Column {
		out := make([]gluetypes.Column, len(cs))
		for i, col := range cs {
			out[i] = gluetypes.Column{Name: aws.String(col.Name), Type: aws.String(col.Type)}
		}
		return out
	}
	input := &gluetypes.TableInput{
		Name: aws.String(spec.Name), TableType: aws.String("EXTERNAL_TABLE"), Parameters: spec.Parameters, PartitionKeys: cols(spec.PartitionKeys),
		StorageDescriptor: &gluetypes.StorageDescriptor{Columns: cols(spec.Columns), Location: aws.String(spec.Location),
			InputFormat: aws.String(spec.InputFormat), OutputFormat: aws.String(spec.OutputFormat),
			SerdeInfo: &gluetypes.SerDeInfo{SerializationLibrary: aws.String(spec.SerDe)}},
	}

	// The database must exist first.
	_, err := c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("bedgov"), TableInput: input})
	var nf *gluetypes.EntityNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("table in a missing database: %v", err)
	}
	if _, err := c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("bedgov")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("bedgov"), TableInput: input}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("bedgov"), TableInput: input})
	var exists *gluetypes.AlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("second create: %v", err)
	}
	got, err := c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("bedgov"), Name: aws.String("Bedrock_Invocations")})
	if err != nil {
		t.Fatal(err)
	}
	tb := got.Table
	if aws.ToString(tb.Name) != "bedrock_invocations" || len(tb.StorageDescriptor.Columns) != len(spec.Columns) || aws.ToString(tb.PartitionKeys[0].Name) != "dt" ||
		tb.Parameters["projection.dt.format"] != "yyyy/MM/dd" || aws.ToString(tb.StorageDescriptor.Location) != spec.Location || tb.CreateTime == nil {
		t.Fatalf("table = %+v", tb)
	}
	input.Parameters = map[string]string{"classification": "json"}
	if _, err := c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("bedgov"), TableInput: input}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("bedgov"), Name: aws.String("bedrock_invocations")}); len(got.Table.Parameters) != 1 {
		t.Fatalf("after update = %+v", got.Table.Parameters)
	}
	if _, err := c.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String("bedgov"), Name: aws.String("bedrock_invocations")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("bedgov"), Name: aws.String("bedrock_invocations")})
	if !errors.As(err, &nf) {
		t.Fatalf("get after delete: %v", err)
	}

	// Validation.
	bad := *input
	bad.StorageDescriptor = &gluetypes.StorageDescriptor{Columns: []gluetypes.Column{{Name: aws.String("a"), Type: aws.String("string")}, {Name: aws.String("A"), Type: aws.String("string")}}}
	_, err = c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("bedgov"), TableInput: &bad})
	wantAPIError(t, err, "InvalidInputException")
}

// The monthly query as bedgov writes it is stored and returned unchanged.
func TestAthenaNamedQueryLifecycle(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := athena.NewFromConfig(cfg)
	ctx := context.Background()
	query := auditlog.MonthlyQuery("bedgov", "bedrock_invocations", []auditlog.TeamProfile{{Team: "business", ProfileARN: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/b0", ModelID: "m"}})

	in := &athena.CreateNamedQueryInput{Name: aws.String("bedgov-monthly-spend"), Database: aws.String("bedgov"), QueryString: aws.String(query),
		WorkGroup: aws.String("primary"), ClientRequestToken: aws.String("token-000000000000000000000000000001")}
	created, err := c.CreateNamedQuery(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	id := created.NamedQueryId
	again, err := c.CreateNamedQuery(ctx, in)
	if err != nil || aws.ToString(again.NamedQueryId) != aws.ToString(id) {
		t.Fatalf("same client token = %v, %v", again, err)
	}
	got, err := c.GetNamedQuery(ctx, &athena.GetNamedQueryInput{NamedQueryId: id})
	if err != nil || aws.ToString(got.NamedQuery.QueryString) != query || aws.ToString(got.NamedQuery.WorkGroup) != "primary" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	if _, err := c.UpdateNamedQuery(ctx, &athena.UpdateNamedQueryInput{NamedQueryId: id, Name: aws.String("renamed"), QueryString: aws.String("SELECT 1")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetNamedQuery(ctx, &athena.GetNamedQueryInput{NamedQueryId: id}); aws.ToString(got.NamedQuery.Name) != "renamed" {
		t.Fatalf("after update = %+v", got.NamedQuery)
	}
	if _, err := c.DeleteNamedQuery(ctx, &athena.DeleteNamedQueryInput{NamedQueryId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetNamedQuery(ctx, &athena.GetNamedQueryInput{NamedQueryId: id})
	var invalid *athenatypes.InvalidRequestException
	if !errors.As(err, &invalid) || aws.ToString(invalid.AthenaErrorCode) != "INVALID_INPUT" {
		t.Fatalf("get after delete: %v", err)
	}
	_, err = c.CreateNamedQuery(ctx, &athena.CreateNamedQueryInput{Name: aws.String("x"), Database: aws.String("bedgov"), QueryString: aws.String("SELECT 1"), WorkGroup: aws.String("nope")})
	wantAPIError(t, err, "InvalidRequestException")
}
