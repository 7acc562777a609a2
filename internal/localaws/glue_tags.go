package localaws

import (
	"fmt"
	"maps"
	"strings"
)

// Glue resource tags (TagResource, UntagResource, GetTags) for databases, the one
// taggable Data Catalog object bedgov creates (Glue tables take no tags). Tags live
// under kindGlueTags keyed by the resource ARN.

const kindGlueTags = "glue:tags"

func glueDatabaseARN(c *Call, name string) string {
	return fmt.Sprintf("arn:aws:glue:%s:%s:database/%s", c.Region, c.Account(), name)
}

// validGlueTags applies Glue's tag limits: at most 50 tags, keys of 1 to 128 and values
// of at most 256 characters, none in the reserved aws: namespace.
func validGlueTags(tags map[string]string) error {
	if len(tags) > 50 {
		return Errorf("InvalidInputException", "The number of tags exceeds the limit of 50")
	}
	for k, v := range tags {
		switch {
		case len(k) < 1 || len(k) > 128:
			return Errorf("InvalidInputException", "Tag key %q must have length between 1 and 128", k)
		case len(v) > 256:
			return Errorf("InvalidInputException", "Tag value for key %q must have length less than or equal to 256", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return Errorf("InvalidInputException", "Tag keys starting with aws: are reserved")
		}
	}
	return nil
}

// glueTaggable checks that an ARN names an existing database in the caller's Region.
func glueTaggable(c *Call, arn string) error {
	prefix := fmt.Sprintf("arn:aws:glue:%s:%s:database/", c.Region, c.Account())
	if !strings.HasPrefix(arn, prefix) {
		return Errorf("InvalidInputException", "Resource ARN %s is not a taggable Glue resource in this Region", arn)
	}
	if !databaseExists(c, strings.TrimPrefix(arn, prefix)) {
		return glueNotFound("Database %s not found.", strings.TrimPrefix(arn, prefix))
	}
	return nil
}

func glueTags(c *Call, arn string) map[string]string {
	v, ok := c.Store().Get(kindGlueTags, arn)
	if !ok {
		return map[string]string{}
	}
	return maps.Clone(v.(map[string]string))
}

type glueTagInput struct {
	ResourceArn  string            `json:"ResourceArn"`
	TagsToAdd    map[string]string `json:"TagsToAdd"`
	TagsToRemove []string          `json:"TagsToRemove"`
}

func glueTagResource(c *Call, in *glueTagInput) (*struct{}, error) {
	if err := glueTaggable(c, in.ResourceArn); err != nil {
		return nil, err
	}
	tags := glueTags(c, in.ResourceArn)
	maps.Copy(tags, in.TagsToAdd)
	if err := validGlueTags(tags); err != nil {
		return nil, err
	}
	c.Store().Put(kindGlueTags, in.ResourceArn, tags)
	return &struct{}{}, nil
}

func glueUntagResource(c *Call, in *glueTagInput) (*struct{}, error) {
	if err := glueTaggable(c, in.ResourceArn); err != nil {
		return nil, err
	}
	tags := glueTags(c, in.ResourceArn)
	for _, k := range in.TagsToRemove {
		delete(tags, k)
	}
	c.Store().Put(kindGlueTags, in.ResourceArn, tags)
	return &struct{}{}, nil
}

type glueGetTagsOutput struct {
	Tags map[string]string `json:"Tags"`
}

func glueGetTags(c *Call, in *glueTagInput) (*glueGetTagsOutput, error) {
	if err := glueTaggable(c, in.ResourceArn); err != nil {
		return nil, err
	}
	return &glueGetTagsOutput{Tags: glueTags(c, in.ResourceArn)}, nil
}
