package awsops

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Athena named-query steps. Athena answers an unknown query id with
// InvalidRequestException ("... was not found"), which the finders map to ErrNotFound.

func isNamedQueryNotFound(err error) bool {
	return hasCode(err, "InvalidRequestException") && strings.Contains(err.Error(), "not found")
}

// NamedQuerySpec is what bedgov installs as a named query.
type NamedQuerySpec struct {
	Name, Description, Database, Query, WorkGroup string
}

// CreateNamedQuery creates a named query and returns its id. A client token makes the
// SDK's own retries idempotent.
func CreateNamedQuery(ctx context.Context, c *athena.Client, q NamedQuerySpec) (string, error) {
	tflog.Debug(ctx, "creating Athena named query", map[string]any{"name": q.Name, "workgroup": q.WorkGroup, "bytes": len(q.Query)})
	out, err := c.CreateNamedQuery(ctx, &athena.CreateNamedQueryInput{
		Name: aws.String(q.Name), Description: aws.String(q.Description), Database: aws.String(q.Database),
		QueryString: aws.String(q.Query), WorkGroup: aws.String(q.WorkGroup), ClientRequestToken: aws.String(clientToken()),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.NamedQueryId), nil
}

// FindNamedQuery returns a named query by id, or ErrNotFound.
func FindNamedQuery(ctx context.Context, c *athena.Client, id string) (*types.NamedQuery, error) {
	out, err := c.GetNamedQuery(ctx, &athena.GetNamedQueryInput{NamedQueryId: aws.String(id)})
	if err != nil {
		if isNamedQueryNotFound(err) {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return out.NamedQuery, nil
}

// FindNamedQueryByName returns the first named query of a workgroup with this name, or
// ErrNotFound.
func FindNamedQueryByName(ctx context.Context, c *athena.Client, workgroup, name string) (*types.NamedQuery, error) {
	p := athena.NewListNamedQueriesPaginator(c, &athena.ListNamedQueriesInput{WorkGroup: aws.String(workgroup)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, id := range page.NamedQueryIds {
			q, err := FindNamedQuery(ctx, c, id)
			if IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if aws.ToString(q.Name) == name {
				return q, nil
			}
		}
	}
	return nil, ErrNotFound
}

// UpdateNamedQuery replaces a named query's text (its workgroup cannot change).
func UpdateNamedQuery(ctx context.Context, c *athena.Client, id string, q NamedQuerySpec) error {
	tflog.Debug(ctx, "updating Athena named query", map[string]any{"id": id, "bytes": len(q.Query)})
	_, err := c.UpdateNamedQuery(ctx, &athena.UpdateNamedQueryInput{NamedQueryId: aws.String(id), Name: aws.String(q.Name),
		Description: aws.String(q.Description), QueryString: aws.String(q.Query)})
	return err
}

// DeleteNamedQuery deletes a named query; already gone is done.
func DeleteNamedQuery(ctx context.Context, c *athena.Client, id string) error {
	tflog.Debug(ctx, "deleting Athena named query", map[string]any{"id": id})
	_, err := c.DeleteNamedQuery(ctx, &athena.DeleteNamedQueryInput{NamedQueryId: aws.String(id)})
	if isNamedQueryNotFound(err) {
		return nil
	}
	return err
}
