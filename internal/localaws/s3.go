package localaws

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// S3 (restXml, path-style addressing): the bucket-level operations bedgov needs for the
// invocation-log bucket. Buckets live in the Store under KindS3Bucket keyed by name (one
// namespace, as in S3); each carries its public access block, default encryption
// (SSE-S3 unless configured, as for every new bucket since 2023), lifecycle rules and
// policy. Objects and bucket tags are in s3_objects.go.

func init() {
	RegisterBuiltin("s3",
		Operation{Name: "CreateBucket", Method: "PUT", Path: "/{Bucket}", Handler: Handle(s3CreateBucket)},
		Operation{Name: "HeadBucket", Method: "HEAD", Path: "/{Bucket}", Handler: Handle(s3HeadBucket)},
		Operation{Name: "DeleteBucket", Method: "DELETE", Path: "/{Bucket}", Status: http.StatusNoContent, Handler: Handle(s3DeleteBucket)},
		Operation{Name: "PutPublicAccessBlock", Method: "PUT", Path: "/{Bucket}?publicAccessBlock", Handler: Handle(s3PutPublicAccessBlock)},
		Operation{Name: "GetPublicAccessBlock", Method: "GET", Path: "/{Bucket}?publicAccessBlock", Handler: Handle(s3GetPublicAccessBlock)},
		Operation{Name: "DeletePublicAccessBlock", Method: "DELETE", Path: "/{Bucket}?publicAccessBlock", Status: http.StatusNoContent, Handler: Handle(s3DeletePublicAccessBlock)},
		Operation{Name: "PutBucketEncryption", Method: "PUT", Path: "/{Bucket}?encryption", Handler: Handle(s3PutBucketEncryption)},
		Operation{Name: "GetBucketEncryption", Method: "GET", Path: "/{Bucket}?encryption", Handler: Handle(s3GetBucketEncryption)},
		Operation{Name: "PutBucketLifecycleConfiguration", Method: "PUT", Path: "/{Bucket}?lifecycle", Handler: Handle(s3PutBucketLifecycle)},
		Operation{Name: "GetBucketLifecycleConfiguration", Method: "GET", Path: "/{Bucket}?lifecycle", Handler: Handle(s3GetBucketLifecycle)},
		Operation{Name: "DeleteBucketLifecycle", Method: "DELETE", Path: "/{Bucket}?lifecycle", Status: http.StatusNoContent, Handler: Handle(s3DeleteBucketLifecycle)},
		Operation{Name: "PutBucketPolicy", Method: "PUT", Path: "/{Bucket}?policy", Status: http.StatusNoContent, Handler: Handle(s3PutBucketPolicy)},
		Operation{Name: "GetBucketPolicy", Method: "GET", Path: "/{Bucket}?policy", Handler: Handle(s3GetBucketPolicy)},
		Operation{Name: "DeleteBucketPolicy", Method: "DELETE", Path: "/{Bucket}?policy", Status: http.StatusNoContent, Handler: Handle(s3DeleteBucketPolicy)},
	)
}

// KindS3Bucket holds buckets (id: bucket name; value S3Bucket).
const KindS3Bucket = "s3:bucket"

// S3Bucket is a stored bucket and its bucket-level configuration.
type S3Bucket struct {
	Name              string
	Region            string
	Created           time.Time
	PublicAccessBlock *S3PublicAccessBlock // nil: none configured
	Encryption        *S3Encryption        // nil: the default, SSE-S3
	Lifecycle         []S3LifecycleRule    // nil: none configured
	Policy            string               // "" : none
}

// S3PublicAccessBlock is a bucket's PublicAccessBlockConfiguration.
type S3PublicAccessBlock struct {
	BlockPublicAcls       bool `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool `xml:"RestrictPublicBuckets"`
}

// S3Encryption is a bucket's default encryption rule.
type S3Encryption struct {
	SSEAlgorithm     string
	KMSMasterKeyID   string
	BucketKeyEnabled bool
}

// S3LifecycleRule is one lifecycle rule in its wire shape (the subset bedgov uses:
// a prefix filter and expiration actions).
type S3LifecycleRule struct {
	ID         string             `xml:"ID,omitempty"`
	Filter     *s3LifecycleFilter `xml:"Filter,omitempty"`
	Prefix     *string            `xml:"Prefix,omitempty"`
	Status     string             `xml:"Status"`
	Expiration *s3Expiration      `xml:"Expiration,omitempty"`
	Abort      *s3AbortMultipart  `xml:"AbortIncompleteMultipartUpload,omitempty"`
	Noncurrent *s3NoncurrentExp   `xml:"NoncurrentVersionExpiration,omitempty"`
}

type s3LifecycleFilter struct {
	Prefix *string `xml:"Prefix,omitempty"`
}

type s3Expiration struct {
	Days                      *int32 `xml:"Days,omitempty"`
	Date                      string `xml:"Date,omitempty"`
	ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker,omitempty"`
}

type s3AbortMultipart struct {
	DaysAfterInitiation int32 `xml:"DaysAfterInitiation"`
}

type s3NoncurrentExp struct {
	NoncurrentDays int32 `xml:"NoncurrentDays"`
}

var (
	bucketNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// validBucketName applies S3's general purpose bucket naming rules.
func validBucketName(name string) bool {
	return bucketNameRe.MatchString(name) && !strings.Contains(name, "..") && net.ParseIP(name) == nil &&
		!strings.HasPrefix(name, "xn--") && !strings.HasPrefix(name, "sthree-") &&
		!strings.HasSuffix(name, "-s3alias") && !strings.HasSuffix(name, "--ol-s3")
}

func noSuchBucket(name string) *APIError {
	e := ErrorStatus(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
	e.Fields = map[string]any{"BucketName": name}
	return e
}

// bucket finds a bucket by name (honouring injected invisibility).
func bucket(c *Call, name string) (S3Bucket, error) {
	v, ok := c.Store().Lookup(KindS3Bucket, name)
	if !ok {
		return S3Bucket{}, noSuchBucket(name)
	}
	return v.(S3Bucket), nil
}

// updateBucket changes a stored bucket.
func updateBucket(c *Call, name string, fn func(b *S3Bucket) error) error {
	if _, err := bucket(c, name); err != nil {
		return err
	}
	err := c.Store().Update(KindS3Bucket, name, func(v any) (any, error) {
		b := v.(S3Bucket)
		if err := fn(&b); err != nil {
			return nil, err
		}
		return b, nil
	})
	if errors.Is(err, ErrNotFound) {
		return noSuchBucket(name) // deleted meanwhile
	}
	return err
}

type s3BucketInput struct {
	Bucket string `xml:"-" path:"Bucket"`
}

type s3CreateBucketInput struct {
	Bucket             string `xml:"-" path:"Bucket"`
	LocationConstraint string `xml:"LocationConstraint"`
}

type s3CreateBucketOutput struct {
	Location string `header:"Location"`
}

func s3CreateBucket(c *Call, in *s3CreateBucketInput) (*s3CreateBucketOutput, error) {
	if !validBucketName(in.Bucket) {
		e := Errorf("InvalidBucketName", "The specified bucket is not valid.")
		e.Fields = map[string]any{"BucketName": in.Bucket}
		return nil, e
	}
	switch {
	case c.Region == "us-east-1" && in.LocationConstraint != "":
		return nil, Errorf("InvalidLocationConstraint", "The specified location-constraint is not valid")
	case c.Region != "us-east-1" && in.LocationConstraint == "":
		return nil, Errorf("IllegalLocationConstraintException", "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	case c.Region != "us-east-1" && in.LocationConstraint != c.Region:
		return nil, Errorf("IllegalLocationConstraintException", "The %s location constraint is incompatible for the region specific endpoint this request was sent to.", in.LocationConstraint)
	}
	b := S3Bucket{Name: in.Bucket, Region: c.Region, Created: time.Now().UTC()}
	if !c.Store().Create(KindS3Bucket, in.Bucket, b) {
		if old, err := bucket(c, in.Bucket); err == nil && old.Region == "us-east-1" && c.Region == "us-east-1" {
			// us-east-1 answers a re-create of one's own bucket with 200 (legacy behaviour).
			return &s3CreateBucketOutput{Location: "/" + in.Bucket}, nil
		}
		e := ErrorStatus(http.StatusConflict, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
		e.Fields = map[string]any{"BucketName": in.Bucket}
		return nil, e
	}
	return &s3CreateBucketOutput{Location: "/" + in.Bucket}, nil
}

type s3HeadBucketOutput struct {
	Region string `header:"X-Amz-Bucket-Region"`
}

func s3HeadBucket(c *Call, in *s3BucketInput) (*s3HeadBucketOutput, error) {
	b, err := bucket(c, in.Bucket)
	if err != nil {
		return nil, ErrorStatus(http.StatusNotFound, "NotFound", "Not Found")
	}
	return &s3HeadBucketOutput{Region: b.Region}, nil
}

func s3DeleteBucket(c *Call, in *s3BucketInput) (*struct{}, error) {
	if _, err := bucket(c, in.Bucket); err != nil {
		return nil, err
	}
	if len(bucketObjects(c, in.Bucket)) > 0 {
		e := ErrorStatus(http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty")
		e.Fields = map[string]any{"BucketName": in.Bucket}
		return nil, e
	}
	if !c.Store().Delete(KindS3Bucket, in.Bucket) {
		return nil, noSuchBucket(in.Bucket)
	}
	c.Store().Delete(kindS3BucketTags, in.Bucket)
	return &struct{}{}, nil
}

// ---- public access block ----

type s3PublicAccessBlockInput struct {
	Bucket string `xml:"-" path:"Bucket"`
	S3PublicAccessBlock
}

type s3PublicAccessBlockOutput struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ PublicAccessBlockConfiguration"`
	S3PublicAccessBlock
}

func s3PutPublicAccessBlock(c *Call, in *s3PublicAccessBlockInput) (*struct{}, error) {
	pab := in.S3PublicAccessBlock
	return &struct{}{}, updateBucket(c, in.Bucket, func(b *S3Bucket) error { b.PublicAccessBlock = &pab; return nil })
}

func s3GetPublicAccessBlock(c *Call, in *s3BucketInput) (*s3PublicAccessBlockOutput, error) {
	b, err := bucket(c, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.PublicAccessBlock == nil {
		return nil, ErrorStatus(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
	}
	return &s3PublicAccessBlockOutput{S3PublicAccessBlock: *b.PublicAccessBlock}, nil
}

func s3DeletePublicAccessBlock(c *Call, in *s3BucketInput) (*struct{}, error) {
	return &struct{}{}, updateBucket(c, in.Bucket, func(b *S3Bucket) error { b.PublicAccessBlock = nil; return nil })
}

// ---- default encryption ----

type s3SSERule struct {
	Default *struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	} `xml:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled *bool `xml:"BucketKeyEnabled,omitempty"`
}

type s3EncryptionInput struct {
	Bucket string      `xml:"-" path:"Bucket"`
	Rules  []s3SSERule `xml:"Rule"`
}

type s3EncryptionOutput struct {
	XMLName xml.Name    `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ServerSideEncryptionConfiguration"`
	Rules   []s3SSERule `xml:"Rule"`
}

func s3PutBucketEncryption(c *Call, in *s3EncryptionInput) (*struct{}, error) {
	if len(in.Rules) != 1 || in.Rules[0].Default == nil {
		return nil, Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	d := in.Rules[0].Default
	switch d.SSEAlgorithm {
	case "AES256":
		if d.KMSMasterKeyID != "" {
			return nil, Errorf("InvalidArgument", "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse")
		}
	case "aws:kms", "aws:kms:dsse":
	default:
		return nil, Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	enc := S3Encryption{SSEAlgorithm: d.SSEAlgorithm, KMSMasterKeyID: d.KMSMasterKeyID}
	if k := in.Rules[0].BucketKeyEnabled; k != nil {
		enc.BucketKeyEnabled = *k
	}
	return &struct{}{}, updateBucket(c, in.Bucket, func(b *S3Bucket) error { b.Encryption = &enc; return nil })
}

func s3GetBucketEncryption(c *Call, in *s3BucketInput) (*s3EncryptionOutput, error) {
	b, err := bucket(c, in.Bucket)
	if err != nil {
		return nil, err
	}
	enc := S3Encryption{SSEAlgorithm: "AES256"}
	if b.Encryption != nil {
		enc = *b.Encryption
	}
	var r s3SSERule
	r.Default = &struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	}{enc.SSEAlgorithm, enc.KMSMasterKeyID}
	r.BucketKeyEnabled = &enc.BucketKeyEnabled
	return &s3EncryptionOutput{Rules: []s3SSERule{r}}, nil
}

// ---- lifecycle ----

type s3LifecycleInput struct {
	Bucket string            `xml:"-" path:"Bucket"`
	Rules  []S3LifecycleRule `xml:"Rule"`
}

type s3LifecycleOutput struct {
	XMLName xml.Name          `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LifecycleConfiguration"`
	Rules   []S3LifecycleRule `xml:"Rule"`
}

func s3PutBucketLifecycle(c *Call, in *s3LifecycleInput) (*struct{}, error) {
	if len(in.Rules) == 0 || len(in.Rules) > 1000 {
		return nil, Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	ids := map[string]bool{}
	for _, r := range in.Rules {
		if r.Status != "Enabled" && r.Status != "Disabled" {
			return nil, Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
		if len(r.ID) > 255 {
			return nil, Errorf("InvalidArgument", "ID length should not exceed allowed limit of 255")
		}
		if r.ID != "" && ids[r.ID] {
			return nil, Errorf("InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule")
		}
		ids[r.ID] = true
		if r.Filter != nil && r.Prefix != nil {
			return nil, Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
		if r.Expiration == nil && r.Abort == nil && r.Noncurrent == nil {
			return nil, Errorf("InvalidRequest", "At least one action needs to be specified in a rule")
		}
		if e := r.Expiration; e != nil {
			if e.Days != nil && *e.Days <= 0 {
				return nil, Errorf("InvalidArgument", "'Days' for Expiration action must be a positive integer")
			}
			if e.Days == nil && e.Date == "" && e.ExpiredObjectDeleteMarker == nil {
				return nil, Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
			}
		}
		if a := r.Abort; a != nil && a.DaysAfterInitiation <= 0 {
			return nil, Errorf("InvalidArgument", "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
		}
	}
	rules := append([]S3LifecycleRule(nil), in.Rules...)
	return &struct{}{}, updateBucket(c, in.Bucket, func(b *S3Bucket) error { b.Lifecycle = rules; return nil })
}

func s3GetBucketLifecycle(c *Call, in *s3BucketInput) (*s3LifecycleOutput, error) {
	b, err := bucket(c, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Lifecycle == nil {
		e := ErrorStatus(http.StatusNotFound, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
		e.Fields = map[string]any{"BucketName": in.Bucket}
		return nil, e
	}
	return &s3LifecycleOutput{Rules: b.Lifecycle}, nil
}

func s3DeleteBucketLifecycle(c *Call, in *s3BucketInput) (*struct{}, error) {
	return &struct{}{}, updateBucket(c, in.Bucket, func(b *S3Bucket) error { b.Lifecycle = nil; return nil })
}

// ---- bucket policy ----

func malformedPolicy(msg string) *APIError { return Errorf("MalformedPolicy", "%s", msg) }

// validateBucketPolicy checks a bucket policy as S3 does at PutBucketPolicy: JSON, a
// Statement list, and per statement an Effect, a Principal, an Action and Resources
// inside this bucket.
func validateBucketPolicy(bucketName, doc string) error {
	var p struct {
		Version   string
		Statement []map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return malformedPolicy("Policies must be valid JSON and the first byte must be '{'")
	}
	if len(p.Statement) == 0 {
		return malformedPolicy("Missing required field Statement")
	}
	for _, st := range p.Statement {
		var effect string
		_ = json.Unmarshal(st["Effect"], &effect)
		if effect != "Allow" && effect != "Deny" {
			return malformedPolicy("Invalid effect: " + effect)
		}
		if st["Principal"] == nil && st["NotPrincipal"] == nil {
			return malformedPolicy("Missing required field Principal")
		}
		if st["Action"] == nil && st["NotAction"] == nil {
			return malformedPolicy("Missing required field Action")
		}
		raw := st["Resource"]
		if raw == nil {
			return malformedPolicy("Missing required field Resource")
		}
		var res []string
		if err := json.Unmarshal(raw, &res); err != nil {
			var one string
			if err := json.Unmarshal(raw, &one); err != nil {
				return malformedPolicy("Policy has invalid resource")
			}
			res = []string{one}
		}
		for _, r := range res {
			if r != "arn:aws:s3:::"+bucketName && !strings.HasPrefix(r, "arn:aws:s3:::"+bucketName+"/") {
				return malformedPolicy("Policy has invalid resource")
			}
		}
	}
	return nil
}

func s3PutBucketPolicy(c *Call, in *s3BucketInput) (*struct{}, error) {
	if _, err := bucket(c, in.Bucket); err != nil {
		return nil, err
	}
	doc := string(c.Body)
	if err := validateBucketPolicy(in.Bucket, doc); err != nil {
		return nil, err
	}
	return &struct{}{}, updateBucket(c, in.Bucket, func(b *S3Bucket) error { b.Policy = doc; return nil })
}

func s3GetBucketPolicy(c *Call, in *s3BucketInput) (*RawPayload, error) {
	b, err := bucket(c, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Policy == "" {
		e := ErrorStatus(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist")
		e.Fields = map[string]any{"BucketName": in.Bucket}
		return nil, e
	}
	return &RawPayload{ContentType: "application/json", Body: []byte(b.Policy)}, nil
}

func s3DeleteBucketPolicy(c *Call, in *s3BucketInput) (*struct{}, error) {
	return &struct{}{}, updateBucket(c, in.Bucket, func(b *S3Bucket) error { b.Policy = ""; return nil })
}
