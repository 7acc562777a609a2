package localaws

import (
	"crypto/rand"
	"fmt"
)

// Amazon Athena (awsJson1_1): named queries. Named queries live under
// KindAthenaNamedQuery keyed by id; the "primary" workgroup exists in every Region, as
// in Athena, and is the only one. Athena answers a missing query with
// InvalidRequestException.

func init() {
	RegisterBuiltin("athena",
		Operation{Name: "CreateNamedQuery", Handler: Handle(athenaCreateNamedQuery)},
		Operation{Name: "GetNamedQuery", Handler: Handle(athenaGetNamedQuery)},
		Operation{Name: "UpdateNamedQuery", Handler: Handle(athenaUpdateNamedQuery)},
		Operation{Name: "DeleteNamedQuery", Handler: Handle(athenaDeleteNamedQuery)},
		Operation{Name: "ListNamedQueries", Handler: Handle(athenaListNamedQueries)},
	)
}

// KindAthenaNamedQuery holds named queries (id: NamedQueryId; value AthenaNamedQuery).
const KindAthenaNamedQuery = "athena:named-query"

// kindAthenaToken remembers CreateNamedQuery client tokens (id: token; value query id).
const kindAthenaToken = "athena:client-token"

// AthenaNamedQuery is a stored named query in its wire shape.
type AthenaNamedQuery struct {
	NamedQueryID string `json:"NamedQueryId"`
	Name         string `json:"Name"`
	Description  string `json:"Description,omitempty"`
	Database     string `json:"Database"`
	QueryString  string `json:"QueryString"`
	WorkGroup    string `json:"WorkGroup"`
	Region       string `json:"-"`
}

type athenaCreateInput struct {
	Name               string `json:"Name"`
	Description        string `json:"Description"`
	Database           string `json:"Database"`
	QueryString        string `json:"QueryString"`
	WorkGroup          string `json:"WorkGroup"`
	ClientRequestToken string `json:"ClientRequestToken"`
}

func athenaInvalid(format string, args ...any) *APIError {
	e := Errorf("InvalidRequestException", format, args...)
	e.Fields = map[string]any{"AthenaErrorCode": "INVALID_INPUT"}
	return e
}

func validateNamedQuery(name, description, query string) error {
	switch {
	case len(name) < 1 || len(name) > 128:
		return athenaInvalid("1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length between 1 and 128")
	case len(description) > 1024:
		return athenaInvalid("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1024")
	case len(query) < 1 || len(query) > 262144:
		return athenaInvalid("1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length between 1 and 262144")
	}
	return nil
}

func newQueryID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

type athenaCreateOutput struct {
	NamedQueryID string `json:"NamedQueryId"`
}

func athenaCreateNamedQuery(c *Call, in *athenaCreateInput) (*athenaCreateOutput, error) {
	if err := validateNamedQuery(in.Name, in.Description, in.QueryString); err != nil {
		return nil, err
	}
	if len(in.Database) < 1 || len(in.Database) > 255 {
		return nil, athenaInvalid("1 validation error detected: Value at 'database' failed to satisfy constraint: Member must have length between 1 and 255")
	}
	wg := in.WorkGroup
	if wg == "" {
		wg = "primary"
	}
	if wg != "primary" {
		return nil, athenaInvalid("WorkGroup %s is not found.", wg)
	}
	if in.ClientRequestToken != "" {
		if v, ok := c.Store().Get(kindAthenaToken, c.Region+"/"+in.ClientRequestToken); ok {
			return &athenaCreateOutput{NamedQueryID: v.(string)}, nil
		}
	}
	q := AthenaNamedQuery{NamedQueryID: newQueryID(), Name: in.Name, Description: in.Description, Database: in.Database,
		QueryString: in.QueryString, WorkGroup: wg, Region: c.Region}
	c.Store().Put(KindAthenaNamedQuery, q.NamedQueryID, q)
	if in.ClientRequestToken != "" {
		c.Store().Put(kindAthenaToken, c.Region+"/"+in.ClientRequestToken, q.NamedQueryID)
	}
	return &athenaCreateOutput{NamedQueryID: q.NamedQueryID}, nil
}

type athenaIDInput struct {
	NamedQueryID string `json:"NamedQueryId"`
}

func lookupNamedQuery(c *Call, id string) (AthenaNamedQuery, error) {
	v, ok := c.Store().Lookup(KindAthenaNamedQuery, id)
	if !ok || v.(AthenaNamedQuery).Region != c.Region {
		return AthenaNamedQuery{}, athenaInvalid("NamedQuery %s was not found.", id)
	}
	return v.(AthenaNamedQuery), nil
}

type athenaGetOutput struct {
	NamedQuery AthenaNamedQuery `json:"NamedQuery"`
}

func athenaGetNamedQuery(c *Call, in *athenaIDInput) (*athenaGetOutput, error) {
	q, err := lookupNamedQuery(c, in.NamedQueryID)
	if err != nil {
		return nil, err
	}
	return &athenaGetOutput{NamedQuery: q}, nil
}

type athenaUpdateInput struct {
	NamedQueryID string `json:"NamedQueryId"`
	Name         string `json:"Name"`
	Description  string `json:"Description"`
	QueryString  string `json:"QueryString"`
}

func athenaUpdateNamedQuery(c *Call, in *athenaUpdateInput) (*struct{}, error) {
	if err := validateNamedQuery(in.Name, in.Description, in.QueryString); err != nil {
		return nil, err
	}
	if _, err := lookupNamedQuery(c, in.NamedQueryID); err != nil {
		return nil, err
	}
	err := c.Store().Update(KindAthenaNamedQuery, in.NamedQueryID, func(v any) (any, error) {
		q := v.(AthenaNamedQuery)
		q.Name, q.Description, q.QueryString = in.Name, in.Description, in.QueryString
		return q, nil
	})
	if err != nil {
		return nil, athenaInvalid("NamedQuery %s was not found.", in.NamedQueryID)
	}
	return &struct{}{}, nil
}

func athenaDeleteNamedQuery(c *Call, in *athenaIDInput) (*struct{}, error) {
	if _, err := lookupNamedQuery(c, in.NamedQueryID); err != nil {
		return nil, err
	}
	c.Store().Delete(KindAthenaNamedQuery, in.NamedQueryID)
	return &struct{}{}, nil
}

type athenaListInput struct {
	WorkGroup  string `json:"WorkGroup"`
	NextToken  string `json:"NextToken"`
	MaxResults *int   `json:"MaxResults"`
}

type athenaListOutput struct {
	NamedQueryIDs []string `json:"NamedQueryIds"`
	NextToken     string   `json:"NextToken,omitempty"`
}

// athenaListNamedQueries pages through a workgroup's named query ids (MaxResults 0 to
// 50, default 50).
func athenaListNamedQueries(c *Call, in *athenaListInput) (*athenaListOutput, error) {
	limit := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 0 || *in.MaxResults > 50 {
			return nil, athenaInvalid("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50", *in.MaxResults)
		}
		if *in.MaxResults > 0 {
			limit = *in.MaxResults
		}
	}
	wg := in.WorkGroup
	if wg == "" {
		wg = "primary"
	}
	if wg != "primary" {
		return nil, athenaInvalid("WorkGroup %s is not found.", wg)
	}
	out := &athenaListOutput{}
	for _, o := range c.Store().ListVisible(KindAthenaNamedQuery) {
		q := o.Value.(AthenaNamedQuery)
		if q.Region != c.Region || q.WorkGroup != wg || (in.NextToken != "" && q.NamedQueryID <= in.NextToken) {
			continue
		}
		if len(out.NamedQueryIDs) == limit {
			out.NextToken = out.NamedQueryIDs[limit-1]
			break
		}
		out.NamedQueryIDs = append(out.NamedQueryIDs, q.NamedQueryID)
	}
	return out, nil
}
