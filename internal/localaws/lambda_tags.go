package localaws

import (
	"errors"
	"strings"
)

// ---- tags ----

type lambdaTagResourceInput struct {
	Resource string `json:"-" path:"Resource"`
	Tags     map[string]string
}

type lambdaUntagResourceInput struct {
	Resource string   `json:"-" path:"Resource"`
	TagKeys  []string `json:"-" query:"tagKeys"`
}

type lambdaListTagsInput struct {
	Resource string `json:"-" path:"Resource"`
}

type lambdaListTagsOutput struct {
	Tags map[string]string
}

// taggedFunction resolves the Resource member of the tagging operations: a function ARN.
func taggedFunction(c *Call, resource string) (LambdaFunction, error) {
	if !strings.HasPrefix(resource, "arn:") {
		return LambdaFunction{}, lambdaValidation(resource, "resource", `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`)
	}
	return lookupFunction(c, resource, nil)
}

func lambdaTagResource(c *Call, in *lambdaTagResourceInput) (*struct{}, error) {
	f, err := taggedFunction(c, in.Resource)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, ErrValidation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	if err := checkLambdaTags(in.Tags); err != nil {
		return nil, err
	}
	_, err = updateTags(c, f.ARN, func(tags map[string]string) {
		for k, v := range in.Tags {
			tags[k] = v
		}
	})
	return nil, err
}

// updateTags changes a function's tags without touching its revision or runtime.
func updateTags(c *Call, arn string, fn func(map[string]string)) (LambdaFunction, error) {
	var out LambdaFunction
	err := c.Store().Update(KindFunction, arn, func(v any) (any, error) {
		f := v.(LambdaFunction)
		f.Tags = cloneStringMap(f.Tags)
		if f.Tags == nil {
			f.Tags = map[string]string{}
		}
		fn(f.Tags)
		if len(f.Tags) > lambdaMaxTags {
			return nil, lambdaInvalidParameter("Number of tags exceeds resource tag limit.")
		}
		out = f
		return f, nil
	})
	if errors.Is(err, ErrNotFound) {
		return out, lambdaNotFound("Function not found: %s", arn)
	}
	return out, err
}

func lambdaUntagResource(c *Call, in *lambdaUntagResourceInput) (*struct{}, error) {
	f, err := taggedFunction(c, in.Resource)
	if err != nil {
		return nil, err
	}
	if len(in.TagKeys) == 0 {
		return nil, ErrValidation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	_, err = updateTags(c, f.ARN, func(tags map[string]string) {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
	})
	return nil, err
}

func lambdaListTags(c *Call, in *lambdaListTagsInput) (*lambdaListTagsOutput, error) {
	f, err := taggedFunction(c, in.Resource)
	if err != nil {
		return nil, err
	}
	tags := cloneStringMap(f.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return &lambdaListTagsOutput{Tags: tags}, nil
}
