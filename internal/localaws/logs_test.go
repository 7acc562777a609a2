package localaws_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func TestLogsLogGroupLifecycle(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := cloudwatchlogs.NewFromConfig(cfg)
	ctx := context.Background()
	name := "/aws/lambda/bedgov-enforcer"
	arn := localaws.LogGroupARN("us-east-1", "123456789012", name)

	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name), Tags: map[string]string{"team": "a"}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name)})
	var exists *types.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("second create: %v", err)
	}
	if _, err := c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(30)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.LogGroups) != 1 {
		t.Fatalf("log groups = %+v", out.LogGroups)
	}
	lg := out.LogGroups[0]
	if aws.ToInt32(lg.RetentionInDays) != 30 || aws.ToString(lg.LogGroupArn) != arn || aws.ToString(lg.Arn) != arn+":*" || aws.ToInt64(lg.CreationTime) == 0 {
		t.Fatalf("log group = %+v", lg)
	}

	if _, err := c.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"cost-center": "42"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(tags.Tags, map[string]string{"team": "a", "cost-center": "42"}) {
		t.Fatalf("tags = %v", tags.Tags)
	}

	// The store is the test's view of AWS.
	if got, ok := localaws.GetAs[localaws.LogGroup](s.Store(), localaws.KindLogGroup, arn); !ok || got.RetentionInDays != 30 {
		t.Fatalf("store = %+v %v", got, ok)
	}
	if _, err := c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if s.Store().Exists(localaws.KindLogGroup, arn) {
		t.Fatal("log group still in the store after delete")
	}
	_, err = c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(name)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("delete again: %v", err)
	}
}

func TestLogsValidation(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := cloudwatchlogs.NewFromConfig(cfg)
	ctx := context.Background()
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("ok")}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		call func() error
	}{
		{"bad name", func() error {
			_, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("spaces are not allowed")})
			return err
		}},
		{"reserved tag", func() error {
			_, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("x"), Tags: map[string]string{"aws:x": "y"}})
			return err
		}},
		{"retention not allowed", func() error {
			_, err := c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("ok"), RetentionInDays: aws.Int32(2)})
			return err
		}},
		{"prefix and pattern", func() error {
			_, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("a"), LogGroupNamePattern: aws.String("b")})
			return err
		}},
		{"limit", func() error {
			_, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(51)})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ip *types.InvalidParameterException
			if err := tc.call(); !errors.As(err, &ip) {
				t.Fatalf("error = %v, want InvalidParameterException", err)
			}
		})
	}
	_, err := c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("missing"), RetentionInDays: aws.Int32(7)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("retention on a missing group: %v", err)
	}
}

func TestLogsDescribePaginatesAndIsRegional(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	ctx := context.Background()
	east := cloudwatchlogs.NewFromConfig(cfg)
	westCfg := cfg.Copy()
	westCfg.Region = "us-west-2"
	west := cloudwatchlogs.NewFromConfig(westCfg)
	for _, n := range []string{"g1", "g2", "g3", "g4", "g5"} {
		if _, err := east.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := west.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("g1")}); err != nil {
		t.Fatalf("same name in another region: %v", err)
	}
	var names []string
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(east, &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page.LogGroups {
			names = append(names, aws.ToString(g.LogGroupName))
		}
	}
	if len(names) != 5 || names[0] != "g1" || names[4] != "g5" {
		t.Fatalf("names = %v", names)
	}
}

func TestLogsUnknownOperation(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	_, err := cloudwatchlogs.NewFromConfig(cfg).DescribeExportTasks(context.Background(), &cloudwatchlogs.DescribeExportTasksInput{})
	wantAPIError(t, err, "UnknownOperationException")
}
