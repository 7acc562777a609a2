package awsops

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Principal is an IAM role, user or group named by ARN.
type Principal struct {
	ARN  string
	Kind string // role | user | group
	Name string
}

// ParsePrincipal splits an IAM role, user or group ARN (with or without a path).
func ParsePrincipal(s string) (Principal, error) {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "iam" {
		return Principal{}, fmt.Errorf("%q is not an IAM ARN", s)
	}
	kind, rest, ok := strings.Cut(a.Resource, "/")
	if !ok || rest == "" || (kind != "role" && kind != "user" && kind != "group") {
		return Principal{}, fmt.Errorf("%q is not an IAM role, user or group ARN", s)
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	return Principal{ARN: s, Kind: kind, Name: name}, nil
}

// Key identifies a principal the way ListEntitiesForPolicy reports it.
func (p Principal) Key() string { return p.Kind + ":" + p.Name }

// FindPolicy returns a customer-managed policy, or ErrNotFound.
func FindPolicy(ctx context.Context, c *iam.Client, policyARN string) (*types.Policy, error) {
	out, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(policyARN)})
	if err != nil {
		if hasCode(err, "NoSuchEntity") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return out.Policy, nil
}

// PolicyDocument returns the JSON document of a policy's default version.
func PolicyDocument(ctx context.Context, c *iam.Client, policyARN, versionID string) (string, error) {
	out, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(policyARN), VersionId: aws.String(versionID)})
	if err != nil {
		if hasCode(err, "NoSuchEntity") {
			return "", wrapNotFound(err)
		}
		return "", err
	}
	doc := aws.ToString(out.PolicyVersion.Document)
	// IAM returns the document URL-encoded (RFC 3986).
	if decoded, err := url.PathUnescape(doc); err == nil {
		doc = decoded
	}
	return doc, nil
}

// CreatePolicy creates a customer-managed policy and returns its ARN.
func CreatePolicy(ctx context.Context, c *iam.Client, name, path, description, document string, tags map[string]string) (string, error) {
	tflog.Debug(ctx, "creating IAM policy", map[string]any{"name": name, "path": path, "bytes": len(document)})
	out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName:     aws.String(name),
		Path:           aws.String(path),
		Description:    aws.String(description),
		PolicyDocument: aws.String(document),
		Tags:           iamTags(tags),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Policy.Arn), nil
}

// UpdatePolicyDocument makes document the policy's default version, deleting the oldest
// non-default version first when IAM's limit of five versions is reached.
func UpdatePolicyDocument(ctx context.Context, c *iam.Client, policyARN, document string) error {
	versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(policyARN)})
	if err != nil {
		return err
	}
	if len(versions.Versions) >= 5 {
		var oldest *types.PolicyVersion
		for i := range versions.Versions {
			v := &versions.Versions[i]
			if v.IsDefaultVersion {
				continue
			}
			if oldest == nil || aws.ToTime(v.CreateDate).Before(aws.ToTime(oldest.CreateDate)) {
				oldest = v
			}
		}
		if oldest != nil {
			tflog.Debug(ctx, "deleting oldest IAM policy version", map[string]any{"policy": policyARN, "version": aws.ToString(oldest.VersionId)})
			if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(policyARN), VersionId: oldest.VersionId}); err != nil && !hasCode(err, "NoSuchEntity") {
				return err
			}
		}
	}
	tflog.Debug(ctx, "creating IAM policy version", map[string]any{"policy": policyARN, "bytes": len(document)})
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{
		PolicyArn: aws.String(policyARN), PolicyDocument: aws.String(document), SetAsDefault: true,
	})
	return err
}

// PolicyTagger tags IAM managed policies by ARN; it reads them with GetPolicy, which
// returns the tags with the policy.
func PolicyTagger(c *iam.Client) Tagger {
	return Tagger{Service: "iam",
		List: func(ctx context.Context, arn string) (map[string]string, error) {
			p, err := FindPolicy(ctx, c, arn)
			if err != nil {
				return nil, err
			}
			return PolicyTags(p.Tags), nil
		},
		Tag: func(ctx context.Context, arn string, set map[string]string) error {
			_, err := c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: aws.String(arn), Tags: iamTags(set)})
			return err
		},
		Untag: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: aws.String(arn), TagKeys: keys})
			return err
		},
	}
}

// PolicyTags converts IAM tags to a map.
func PolicyTags(tags []types.Tag) map[string]string {
	return tagMap(tags, func(t types.Tag) (*string, *string) { return t.Key, t.Value })
}

// Attach attaches a managed policy to a principal, retrying while IAM has not yet
// propagated a principal or policy that was just created.
func Attach(ctx context.Context, c *iam.Client, policyARN string, p Principal) error {
	tflog.Debug(ctx, "attaching IAM policy", map[string]any{"policy": policyARN, "principal": p.ARN})
	return retry(ctx, "iam.Attach"+p.Kind+"Policy", PropagationTimeout, func(err error) bool { return hasCode(err, "NoSuchEntity") }, func() error {
		var err error
		switch p.Kind {
		case "role":
			_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{PolicyArn: aws.String(policyARN), RoleName: aws.String(p.Name)})
		case "user":
			_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{PolicyArn: aws.String(policyARN), UserName: aws.String(p.Name)})
		case "group":
			_, err = c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{PolicyArn: aws.String(policyARN), GroupName: aws.String(p.Name)})
		}
		return err
	})
}

// Detach detaches a managed policy from a principal; not attached or gone is done.
func Detach(ctx context.Context, c *iam.Client, policyARN string, p Principal) error {
	tflog.Debug(ctx, "detaching IAM policy", map[string]any{"policy": policyARN, "principal": p.ARN})
	var err error
	switch p.Kind {
	case "role":
		_, err = c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{PolicyArn: aws.String(policyARN), RoleName: aws.String(p.Name)})
	case "user":
		_, err = c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{PolicyArn: aws.String(policyARN), UserName: aws.String(p.Name)})
	case "group":
		_, err = c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{PolicyArn: aws.String(policyARN), GroupName: aws.String(p.Name)})
	}
	if hasCode(err, "NoSuchEntity") {
		return nil
	}
	return err
}

// AttachedEntities lists the principals a policy is attached to, as Principal.Key values.
func AttachedEntities(ctx context.Context, c *iam.Client, policyARN string) (map[string]bool, error) {
	keys := map[string]bool{}
	p := iam.NewListEntitiesForPolicyPaginator(c, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(policyARN)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if hasCode(err, "NoSuchEntity") {
				return nil, wrapNotFound(err)
			}
			return nil, err
		}
		for _, r := range page.PolicyRoles {
			keys["role:"+aws.ToString(r.RoleName)] = true
		}
		for _, u := range page.PolicyUsers {
			keys["user:"+aws.ToString(u.UserName)] = true
		}
		for _, g := range page.PolicyGroups {
			keys["group:"+aws.ToString(g.GroupName)] = true
		}
	}
	return keys, nil
}

// DeletePolicy detaches a policy from everything, deletes its non-default versions and
// then the policy; already gone is done.
func DeletePolicy(ctx context.Context, c *iam.Client, policyARN string) error {
	attached, err := AttachedEntities(ctx, c, policyARN)
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(attached))
	for k := range attached {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kind, name, _ := strings.Cut(k, ":")
		if err := Detach(ctx, c, policyARN, Principal{Kind: kind, Name: name, ARN: k}); err != nil {
			return err
		}
	}
	versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(policyARN)})
	if err != nil {
		if hasCode(err, "NoSuchEntity") {
			return nil
		}
		return err
	}
	for _, v := range versions.Versions {
		if v.IsDefaultVersion {
			continue
		}
		if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(policyARN), VersionId: v.VersionId}); err != nil && !hasCode(err, "NoSuchEntity") {
			return err
		}
	}
	tflog.Debug(ctx, "deleting IAM policy", map[string]any{"policy": policyARN})
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(policyARN)})
	if hasCode(err, "NoSuchEntity") {
		return nil
	}
	return err
}

func iamTags(tags map[string]string) []types.Tag {
	return tagList(tags, func(k, v *string) types.Tag { return types.Tag{Key: k, Value: v} })
}
