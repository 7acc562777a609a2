package awsops

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/auditlog"
)

// Glue Data Catalog steps for the invocation-log table. Glue reports a missing database
// or table as EntityNotFoundException; finders map it to ErrNotFound.

func isGlueNotFound(err error) bool { return hasCode(err, "EntityNotFoundException") }

// CreateGlueDatabase creates a database with tags. One that already exists is an error
// the caller reports: bedgov does not take over a database it did not create.
func CreateGlueDatabase(ctx context.Context, c *glue.Client, name, description string, tags map[string]string) error {
	tflog.Debug(ctx, "creating Glue database", map[string]any{"database": name})
	_, err := c.CreateDatabase(ctx, &glue.CreateDatabaseInput{
		DatabaseInput: &types.DatabaseInput{Name: aws.String(name), Description: aws.String(description)},
		Tags:          tags,
	})
	return err
}

// FindGlueDatabase returns a database, or ErrNotFound.
func FindGlueDatabase(ctx context.Context, c *glue.Client, name string) (*types.Database, error) {
	out, err := c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(name)})
	if err != nil {
		if isGlueNotFound(err) {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return out.Database, nil
}

// DeleteGlueDatabase deletes a database (and the tables left in it); already gone is
// done.
func DeleteGlueDatabase(ctx context.Context, c *glue.Client, name string) error {
	tflog.Debug(ctx, "deleting Glue database", map[string]any{"database": name})
	_, err := c.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: aws.String(name)})
	if isGlueNotFound(err) {
		return nil
	}
	return err
}

// GlueTagger tags Glue resources (the log database) by ARN.
func GlueTagger(c *glue.Client) Tagger {
	return Tagger{Service: "glue",
		List: func(ctx context.Context, arn string) (map[string]string, error) { return GlueTags(ctx, c, arn) },
		Tag: func(ctx context.Context, arn string, set map[string]string) error {
			_, err := c.TagResource(ctx, &glue.TagResourceInput{ResourceArn: aws.String(arn), TagsToAdd: set})
			return err
		},
		Untag: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagResource(ctx, &glue.UntagResourceInput{ResourceArn: aws.String(arn), TagsToRemove: keys})
			return err
		},
	}
}

// GlueTags lists a Glue resource's tags.
func GlueTags(ctx context.Context, c *glue.Client, resourceARN string) (map[string]string, error) {
	out, err := c.GetTags(ctx, &glue.GetTagsInput{ResourceArn: aws.String(resourceARN)})
	if err != nil {
		if isGlueNotFound(err) {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return out.Tags, nil
}

func glueColumns(cs []auditlog.Column) []types.Column {
	out := make([]types.Column, len(cs))
	for i, col := range cs {
		out[i] = types.Column{Name: aws.String(col.Name), Type: aws.String(col.Type)}
	}
	return out
}

func tableInput(t auditlog.Table) *types.TableInput {
	return &types.TableInput{
		Name: aws.String(t.Name), TableType: aws.String("EXTERNAL_TABLE"), Parameters: t.Parameters,
		PartitionKeys: glueColumns(t.PartitionKeys),
		StorageDescriptor: &types.StorageDescriptor{
			Columns: glueColumns(t.Columns), Location: aws.String(t.Location),
			InputFormat: aws.String(t.InputFormat), OutputFormat: aws.String(t.OutputFormat),
			SerdeInfo: &types.SerDeInfo{SerializationLibrary: aws.String(t.SerDe)},
		},
	}
}

// CreateLogTable creates the external table t describes in its database.
func CreateLogTable(ctx context.Context, c *glue.Client, t auditlog.Table) error {
	tflog.Debug(ctx, "creating Glue table", map[string]any{"database": t.Database, "table": t.Name, "location": t.Location})
	_, err := c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(t.Database), TableInput: tableInput(t)})
	return err
}

// UpdateLogTable rewrites an existing table as t describes it.
func UpdateLogTable(ctx context.Context, c *glue.Client, t auditlog.Table) error {
	tflog.Debug(ctx, "updating Glue table", map[string]any{"database": t.Database, "table": t.Name, "location": t.Location})
	_, err := c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String(t.Database), TableInput: tableInput(t)})
	return err
}

// LogTableMatches reports whether a table read from Glue is the one t describes: its
// location, formats, columns, partition keys and parameters.
func LogTableMatches(tbl *types.Table, t auditlog.Table) bool {
	sd := tbl.StorageDescriptor
	if sd == nil || aws.ToString(sd.Location) != t.Location || aws.ToString(sd.InputFormat) != t.InputFormat ||
		aws.ToString(sd.OutputFormat) != t.OutputFormat || sd.SerdeInfo == nil || aws.ToString(sd.SerdeInfo.SerializationLibrary) != t.SerDe {
		return false
	}
	same := func(have []types.Column, want []auditlog.Column) bool {
		if len(have) != len(want) {
			return false
		}
		for i := range want {
			if aws.ToString(have[i].Name) != want[i].Name || aws.ToString(have[i].Type) != want[i].Type {
				return false
			}
		}
		return true
	}
	if !same(sd.Columns, t.Columns) || !same(tbl.PartitionKeys, t.PartitionKeys) {
		return false
	}
	for k, v := range t.Parameters {
		if tbl.Parameters[k] != v {
			return false
		}
	}
	return true
}

// FindGlueTable returns a table, or ErrNotFound (also when its database is gone).
func FindGlueTable(ctx context.Context, c *glue.Client, database, name string) (*types.Table, error) {
	out, err := c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(database), Name: aws.String(name)})
	if err != nil {
		if isGlueNotFound(err) {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return out.Table, nil
}

// DeleteGlueTable deletes a table; already gone (or its database gone) is done.
func DeleteGlueTable(ctx context.Context, c *glue.Client, database, name string) error {
	tflog.Debug(ctx, "deleting Glue table", map[string]any{"database": database, "table": name})
	_, err := c.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String(database), Name: aws.String(name)})
	if isGlueNotFound(err) {
		return nil
	}
	return err
}
