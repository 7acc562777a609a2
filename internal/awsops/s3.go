package awsops

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// S3 steps for the invocation-log bucket. S3 reports a missing bucket as NoSuchBucket
// (NotFound, without a body, for HEAD); every finder maps it to ErrNotFound.

func isNoSuchBucket(err error) bool {
	var nf *types.NotFound
	return errors.As(err, &nf) || hasCode(err, "NoSuchBucket", "NotFound")
}

// FindBucket returns the Region of a bucket, or ErrNotFound.
func FindBucket(ctx context.Context, c *s3.Client, name string) (string, error) {
	out, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)})
	if err != nil {
		if isNoSuchBucket(err) {
			return "", wrapNotFound(err)
		}
		return "", err
	}
	return aws.ToString(out.BucketRegion), nil
}

// CreateBucket creates a bucket in region. A bucket this account already owns (a create
// whose answer was lost) is taken over, not an error.
func CreateBucket(ctx context.Context, c *s3.Client, name, region string) error {
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	_, err := c.CreateBucket(ctx, in)
	var owned *types.BucketAlreadyOwnedByYou
	if errors.As(err, &owned) {
		return nil
	}
	return err
}

// BlockPublicAccess turns on all four public access block settings of a bucket.
func BlockPublicAccess(ctx context.Context, c *s3.Client, name string) error {
	_, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(name), PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
		BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
	}})
	return err
}

// SetBucketEncryption sets default encryption: SSE-KMS with the key (and an S3 Bucket
// Key, which cuts KMS requests) when kmsKeyARN is set, SSE-S3 otherwise.
func SetBucketEncryption(ctx context.Context, c *s3.Client, name, kmsKeyARN string) error {
	def := &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256}
	rule := types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: def}
	if kmsKeyARN != "" {
		def.SSEAlgorithm, def.KMSMasterKeyID = types.ServerSideEncryptionAwsKms, aws.String(kmsKeyARN)
		rule.BucketKeyEnabled = aws.Bool(true)
	}
	_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(name),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{rule}}})
	return err
}

// RetentionRuleID is the lifecycle rule bedgov owns on the log bucket.
const RetentionRuleID = "bedgov-retention"

// SetBucketRetention expires every object after days (and cleans up incomplete
// multipart uploads after a day).
func SetBucketRetention(ctx context.Context, c *s3.Client, name string, days int32) error {
	_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(name),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
			ID: aws.String(RetentionRuleID), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration:                     &types.LifecycleExpiration{Days: aws.Int32(days)},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)},
		}}}})
	return err
}

// SetBucketPolicy replaces a bucket's policy.
func SetBucketPolicy(ctx context.Context, c *s3.Client, name, doc string) error {
	_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(name), Policy: aws.String(doc)})
	return err
}

// BucketState is what Read reports of the log bucket's configuration.
type BucketState struct {
	Region              string
	PublicAccessBlocked bool   // all four settings on
	SSEAlgorithm        string // AES256, aws:kms, aws:kms:dsse
	KMSKeyARN           string
	RetentionDays       int32 // of bedgov's rule; 0 when the rule is gone
	Policy              string
}

// FindBucketState reads a bucket and its configuration, or ErrNotFound. Settings that
// were removed read as their zero value, so the next plan puts them back.
func FindBucketState(ctx context.Context, c *s3.Client, name string) (BucketState, error) {
	region, err := FindBucket(ctx, c, name)
	if err != nil {
		return BucketState{}, err
	}
	st := BucketState{Region: region}
	b := aws.String(name)
	gone := func(err error, absent ...string) (bool, error) {
		switch {
		case err == nil:
			return false, nil
		case isNoSuchBucket(err):
			return true, wrapNotFound(err) // deleted between the calls
		case hasCode(err, absent...):
			return true, nil
		}
		return true, err
	}
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	if skip, err := gone(err, "NoSuchPublicAccessBlockConfiguration"); err != nil {
		return BucketState{}, err
	} else if !skip {
		p := pab.PublicAccessBlockConfiguration
		st.PublicAccessBlocked = p != nil && aws.ToBool(p.BlockPublicAcls) && aws.ToBool(p.IgnorePublicAcls) && aws.ToBool(p.BlockPublicPolicy) && aws.ToBool(p.RestrictPublicBuckets)
	}
	enc, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
	if skip, err := gone(err, "ServerSideEncryptionConfigurationNotFoundError"); err != nil {
		return BucketState{}, err
	} else if !skip && enc.ServerSideEncryptionConfiguration != nil {
		for _, r := range enc.ServerSideEncryptionConfiguration.Rules {
			if d := r.ApplyServerSideEncryptionByDefault; d != nil {
				st.SSEAlgorithm, st.KMSKeyARN = string(d.SSEAlgorithm), aws.ToString(d.KMSMasterKeyID)
			}
		}
	}
	lc, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if skip, err := gone(err, "NoSuchLifecycleConfiguration"); err != nil {
		return BucketState{}, err
	} else if !skip {
		for _, r := range lc.Rules {
			if aws.ToString(r.ID) == RetentionRuleID && r.Status == types.ExpirationStatusEnabled && r.Expiration != nil {
				st.RetentionDays = aws.ToInt32(r.Expiration.Days)
			}
		}
	}
	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
	if skip, err := gone(err, "NoSuchBucketPolicy"); err != nil {
		return BucketState{}, err
	} else if !skip {
		st.Policy = aws.ToString(pol.Policy)
	}
	return st, nil
}

// DeleteBucket deletes a bucket; an already-deleted bucket is done.
func DeleteBucket(ctx context.Context, c *s3.Client, name string) error {
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
	if err != nil && isNoSuchBucket(err) {
		return nil
	}
	return err
}

// BucketTags returns a bucket's tags (empty when it has none).
func BucketTags(ctx context.Context, c *s3.Client, name string) (map[string]string, error) {
	out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(name)})
	switch {
	case hasCode(err, "NoSuchTagSet"):
		return map[string]string{}, nil
	case err != nil && isNoSuchBucket(err):
		return nil, wrapNotFound(err)
	case err != nil:
		return nil, err
	}
	return tagMap(out.TagSet, func(t types.Tag) (*string, *string) { return t.Key, t.Value }), nil
}

// BucketTagger tags S3 buckets by name. S3 has no per-key tagging of buckets: SyncTags
// replaces the whole set (or deletes it, when want is empty).
func BucketTagger(c *s3.Client) Tagger {
	return Tagger{Service: "s3",
		List: func(ctx context.Context, name string) (map[string]string, error) { return BucketTags(ctx, c, name) },
		Replace: func(ctx context.Context, name string, tags map[string]string) error {
			if len(tags) == 0 {
				_, err := c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String(name)})
				return err
			}
			set := tagList(tags, func(k, v *string) types.Tag { return types.Tag{Key: k, Value: v} })
			_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(name), Tagging: &types.Tagging{TagSet: set}})
			return err
		},
	}
}

// BucketHasObjects reports whether a bucket holds at least one object; a bucket that is
// gone holds none.
func BucketHasObjects(ctx context.Context, c *s3.Client, name string) (bool, error) {
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(name), MaxKeys: aws.Int32(1)})
	if err != nil {
		if isNoSuchBucket(err) {
			return false, nil
		}
		return false, err
	}
	return len(out.Contents) > 0, nil
}

// EmptyBucket deletes every object of a bucket, a page (up to 1000 keys) per batch
// delete, and returns how many it deleted. The bucket is never versioned by bedgov, so
// there are no older versions to remove.
func EmptyBucket(ctx context.Context, c *s3.Client, name string) (int, error) {
	deleted := 0
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if isNoSuchBucket(err) {
				return deleted, nil
			}
			return deleted, err
		}
		if len(page.Contents) == 0 {
			continue
		}
		keys := make([]types.ObjectIdentifier, len(page.Contents))
		for i, o := range page.Contents {
			keys[i] = types.ObjectIdentifier{Key: o.Key}
		}
		tflog.Debug(ctx, "deleting objects of the log bucket", map[string]any{"bucket": name, "count": len(keys)})
		out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(name), Delete: &types.Delete{Objects: keys, Quiet: aws.Bool(true)}})
		if err != nil {
			return deleted, err
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return deleted, fmt.Errorf("deleting %s from bucket %s: %s: %s (and %d more errors)", aws.ToString(e.Key), name, aws.ToString(e.Code), aws.ToString(e.Message), len(out.Errors)-1)
		}
		deleted += len(keys)
	}
	return deleted, nil
}
