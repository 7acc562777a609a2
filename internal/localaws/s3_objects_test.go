package localaws_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// A bucket holding objects cannot be deleted until they are listed and deleted in
// batches; tags replace as a set.
func TestS3ObjectsAndTags(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := s3Client(cfg, "us-east-1")
	ctx := context.Background()
	b := aws.String("acme-audit-logs")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		key := fmt.Sprintf("AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/11/0%d/log.json.gz", i)
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(key), Body: bytes.NewReader([]byte("{}"))}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b})
	wantAPIError(t, err, "BucketNotEmpty")

	var keys []types.ObjectIdentifier
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: b, MaxKeys: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range page.Contents {
			keys = append(keys, types.ObjectIdentifier{Key: o.Key})
		}
	}
	if len(keys) != 5 || pages != 3 {
		t.Fatalf("listed %d keys in %d pages, want 5 in 3", len(keys), pages)
	}
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: b, Delete: &types.Delete{Objects: keys, Quiet: aws.Bool(true)}})
	if err != nil || len(out.Errors) != 0 {
		t.Fatalf("delete objects = %+v, %v", out, err)
	}
	if page, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b}); err != nil || aws.ToInt32(page.KeyCount) != 0 {
		t.Fatalf("after delete: %+v, %v", page, err)
	}

	_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	wantAPIError(t, err, "NoSuchTagSet")
	_, err = c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("aws:owner"), Value: aws.String("x")}}}})
	wantAPIError(t, err, "InvalidTag")
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("owner"), Value: aws.String("platform")}}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Value) != "platform" {
		t.Fatalf("tags = %+v, %v", tags, err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
}

func TestGlueDatabaseTags(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := glue.NewFromConfig(cfg)
	ctx := context.Background()
	arn := aws.String("arn:aws:glue:us-east-1:123456789012:database/audit")
	_, err := c.GetTags(ctx, &glue.GetTagsInput{ResourceArn: arn})
	wantAPIError(t, err, "EntityNotFoundException")
	if _, err := c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("audit")}, Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx, &glue.TagResourceInput{ResourceArn: arn, TagsToAdd: map[string]string{"c": "3"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &glue.UntagResourceInput{ResourceArn: arn, TagsToRemove: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetTags(ctx, &glue.GetTagsInput{ResourceArn: arn})
	if err != nil || len(got.Tags) != 2 || got.Tags["b"] != "2" || got.Tags["c"] != "3" {
		t.Fatalf("tags = %v, %v", got, err)
	}
}

func TestAthenaListNamedQueries(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := athena.NewFromConfig(cfg)
	ctx := context.Background()
	for i := range 3 {
		if _, err := c.CreateNamedQuery(ctx, &athena.CreateNamedQueryInput{Name: aws.String(fmt.Sprint("q", i)), Database: aws.String("db"), QueryString: aws.String("SELECT 1")}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	p := athena.NewListNamedQueriesPaginator(c, &athena.ListNamedQueriesInput{WorkGroup: aws.String("primary"), MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, page.NamedQueryIds...)
	}
	if len(ids) != 3 {
		t.Fatalf("listed %v", ids)
	}
	_, err := c.ListNamedQueries(ctx, &athena.ListNamedQueriesInput{WorkGroup: aws.String("analysts")})
	wantAPIError(t, err, "InvalidRequestException")
}
