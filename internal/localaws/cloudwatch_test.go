package localaws_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

const dashBody = `{"widgets":[{"type":"text","x":0,"y":0,"width":6,"height":3,"properties":{"markdown":"team a"}}]}`

func TestCloudWatchDashboardLifecycle(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := cloudwatch.NewFromConfig(cfg)
	ctx := context.Background()
	before := time.Now().Add(-time.Second)

	put, err := c.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String("team-a"), DashboardBody: aws.String(dashBody)})
	if err != nil {
		t.Fatal(err)
	}
	if len(put.DashboardValidationMessages) != 0 {
		t.Fatalf("validation messages = %+v", put.DashboardValidationMessages)
	}
	if _, err := c.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String("team-b"), DashboardBody: aws.String(`{"widgets":[]}`)}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String("team-a")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.DashboardBody) != dashBody || aws.ToString(got.DashboardArn) != "arn:aws:cloudwatch::123456789012:dashboard/team-a" || aws.ToString(got.DashboardName) != "team-a" {
		t.Fatalf("dashboard = %+v", got)
	}
	list, err := c.ListDashboards(ctx, &cloudwatch.ListDashboardsInput{DashboardNamePrefix: aws.String("team-")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.DashboardEntries) != 2 {
		t.Fatalf("entries = %+v", list.DashboardEntries)
	}
	e := list.DashboardEntries[0]
	if aws.ToString(e.DashboardName) != "team-a" || aws.ToInt64(e.Size) != int64(len(dashBody)) || e.LastModified == nil || e.LastModified.Before(before) {
		t.Fatalf("entry = %+v", e)
	}
	if !s.Store().Exists(localaws.KindDashboard, "arn:aws:cloudwatch::123456789012:dashboard/team-b") {
		t.Fatal("dashboard missing from the store")
	}

	// Deleting with one unknown name deletes nothing.
	_, err = c.DeleteDashboards(ctx, &cloudwatch.DeleteDashboardsInput{DashboardNames: []string{"team-a", "nope"}})
	var nf *types.DashboardNotFoundError
	if !errors.As(err, &nf) || nf.ErrorCode() != "ResourceNotFound" {
		t.Fatalf("delete with unknown name: %v", err)
	}
	if _, err := c.DeleteDashboards(ctx, &cloudwatch.DeleteDashboardsInput{DashboardNames: []string{"team-a", "team-b"}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String("team-a")})
	if !errors.As(err, &nf) {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestCloudWatchPutDashboardInvalidInput(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := cloudwatch.NewFromConfig(cfg)
	cases := []struct {
		name, dash, body string
		wantPath         string
	}{
		{"not json", "d1", `{"widgets": [`, ""},
		{"not an object", "d1", `[1,2]`, ""},
		{"widgets not array", "d1", `{"widgets": {}}`, "/widgets"},
		{"bad name", "no spaces allowed", `{}`, "-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutDashboard(context.Background(), &cloudwatch.PutDashboardInput{DashboardName: aws.String(tc.dash), DashboardBody: aws.String(tc.body)})
			var inv *types.DashboardInvalidInputError
			if !errors.As(err, &inv) {
				t.Fatalf("error = %v, want DashboardInvalidInputError", err)
			}
			if inv.ErrorCode() != "InvalidParameterInput" || inv.ErrorMessage() == "" {
				t.Fatalf("code %q message %q", inv.ErrorCode(), inv.ErrorMessage())
			}
			if tc.wantPath != "-" {
				if len(inv.DashboardValidationMessages) != 1 || aws.ToString(inv.DashboardValidationMessages[0].DataPath) != tc.wantPath {
					t.Fatalf("validation messages = %+v", inv.DashboardValidationMessages)
				}
			}
		})
	}
}

func TestCloudWatchUnknownOperation(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	_, err := cloudwatch.NewFromConfig(cfg).ListMetricStreams(context.Background(), &cloudwatch.ListMetricStreamsInput{})
	wantAPIError(t, err, "UnknownOperationException")
}
