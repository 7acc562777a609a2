package awsops

import (
	"context"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// CreateRole creates an IAM role with a trust policy and tags and returns its ARN.
func CreateRole(ctx context.Context, c *iam.Client, name, path, description, trust string, tags map[string]string) (string, error) {
	tflog.Debug(ctx, "creating IAM role", map[string]any{"role": name})
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String(name), Path: aws.String(path), Description: aws.String(description),
		AssumeRolePolicyDocument: aws.String(trust), Tags: iamTags(tags),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Role.Arn), nil
}

// FindRole returns a role, or ErrNotFound.
func FindRole(ctx context.Context, c *iam.Client, name string) (*types.Role, error) {
	out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		if hasCode(err, "NoSuchEntity") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return out.Role, nil
}

// PutRolePolicy writes an inline policy, retrying while the role propagates.
func PutRolePolicy(ctx context.Context, c *iam.Client, role, policyName, doc string) error {
	tflog.Debug(ctx, "putting IAM role policy", map[string]any{"role": role, "policy": policyName, "bytes": len(doc)})
	return retry(ctx, "iam.PutRolePolicy", PropagationTimeout, func(err error) bool { return hasCode(err, "NoSuchEntity") }, func() error {
		_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(policyName), PolicyDocument: aws.String(doc)})
		return err
	})
}

// RolePolicy returns an inline policy's document, or ErrNotFound.
func RolePolicy(ctx context.Context, c *iam.Client, role, policyName string) (string, error) {
	out, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(policyName)})
	if err != nil {
		if hasCode(err, "NoSuchEntity") {
			return "", wrapNotFound(err)
		}
		return "", err
	}
	doc := aws.ToString(out.PolicyDocument)
	if decoded, err := url.PathUnescape(doc); err == nil {
		doc = decoded
	}
	return doc, nil
}

// RoleTagger tags IAM roles by name; it reads them with GetRole, which returns the tags
// with the role.
func RoleTagger(c *iam.Client) Tagger {
	return Tagger{Service: "iam",
		List: func(ctx context.Context, role string) (map[string]string, error) {
			r, err := FindRole(ctx, c, role)
			if err != nil {
				return nil, err
			}
			return PolicyTags(r.Tags), nil
		},
		Tag: func(ctx context.Context, role string, set map[string]string) error {
			_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(role), Tags: iamTags(set)})
			return err
		},
		Untag: func(ctx context.Context, role string, keys []string) error {
			_, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String(role), TagKeys: keys})
			return err
		},
	}
}

// DeleteRole deletes a role with its inline policies, detaching managed ones first;
// already gone is done.
func DeleteRole(ctx context.Context, c *iam.Client, role string) error {
	names, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	if hasCode(err, "NoSuchEntity") {
		return nil
	}
	if err != nil {
		return err
	}
	for _, n := range names.PolicyNames {
		if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(n)}); err != nil && !hasCode(err, "NoSuchEntity") {
			return err
		}
	}
	attached, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil && !hasCode(err, "NoSuchEntity") {
		return err
	}
	if attached != nil {
		for _, p := range attached.AttachedPolicies {
			if err := Detach(ctx, c, aws.ToString(p.PolicyArn), Principal{Kind: "role", Name: role}); err != nil {
				return err
			}
		}
	}
	tflog.Debug(ctx, "deleting IAM role", map[string]any{"role": role})
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(role)})
	if hasCode(err, "NoSuchEntity") {
		return nil
	}
	return err
}
