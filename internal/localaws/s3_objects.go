package localaws

import (
	"crypto/md5" //nolint:gosec // S3's ETag of a single-part object is its MD5
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"strings"
	"time"
)

// S3 objects and bucket tags: enough for the invocation-log bucket's life cycle. Tests
// put objects with PutObject and read them back with GetObject (the invocation logs
// Bedrock Runtime calls deliver, bedrock_logging_delivery.go); the provider lists them
// and deletes them in batches when a bucket it owns is destroyed with force_destroy,
// and tags its bucket.
// Objects live under KindS3Object keyed "<bucket>/<key>" (bucket names hold no slash);
// DeleteBucket refuses a bucket that still holds one, as S3 does.

func init() {
	RegisterBuiltin("s3",
		Operation{Name: "PutObject", Method: "PUT", Path: "/{Bucket}/{Key...}", Handler: Handle(s3PutObject)},
		Operation{Name: "GetObject", Method: "GET", Path: "/{Bucket}/{Key...}", Handler: Handle(s3GetObject)},
		Operation{Name: "ListObjectsV2", Method: "GET", Path: "/{Bucket}?list-type=2", Handler: Handle(s3ListObjectsV2)},
		Operation{Name: "DeleteObjects", Method: "POST", Path: "/{Bucket}?delete", Handler: Handle(s3DeleteObjects)},
		Operation{Name: "PutBucketTagging", Method: "PUT", Path: "/{Bucket}?tagging", Status: http.StatusNoContent, Handler: Handle(s3PutBucketTagging)},
		Operation{Name: "GetBucketTagging", Method: "GET", Path: "/{Bucket}?tagging", Handler: Handle(s3GetBucketTagging)},
		Operation{Name: "DeleteBucketTagging", Method: "DELETE", Path: "/{Bucket}?tagging", Status: http.StatusNoContent, Handler: Handle(s3DeleteBucketTagging)},
	)
}

// KindS3Object holds objects (id: "<bucket>/<key>"; value S3Object).
const KindS3Object = "s3:object"

// S3Object is a stored object.
type S3Object struct {
	Key          string
	Size         int64
	ETag         string
	LastModified time.Time
	ContentType  string
	Body         []byte
}

// putObject stores an object as PutObject does (the bucket must exist).
func putObject(c *Call, bucketName, key, contentType string, body []byte) S3Object {
	sum := md5.Sum(body) //nolint:gosec // an ETag, not a security control
	if contentType == "" {
		contentType = "binary/octet-stream" // S3's default
	}
	obj := S3Object{Key: key, Size: int64(len(body)), ETag: `"` + hex.EncodeToString(sum[:]) + `"`, LastModified: time.Now().UTC(),
		ContentType: contentType, Body: append([]byte(nil), body...)}
	c.Store().Put(KindS3Object, objectID(bucketName, key), obj)
	return obj
}

func objectID(bucketName, key string) string { return bucketName + "/" + key }

// bucketObjects lists a bucket's object ids in key order.
func bucketObjects(c *Call, bucketName string) []string {
	var ids []string
	for _, id := range c.Store().IDs(KindS3Object) {
		if strings.HasPrefix(id, bucketName+"/") {
			ids = append(ids, id)
		}
	}
	return ids
}

// checksumPresent reports whether a request carries the integrity header S3 requires
// of DeleteObjects and PutBucketTagging: Content-MD5 or a flexible checksum.
func checksumPresent(r *http.Request) bool {
	if r.Header.Get("Content-Md5") != "" || r.Header.Get("X-Amz-Trailer") != "" {
		return true
	}
	for name := range r.Header {
		if strings.HasPrefix(strings.ToLower(name), "x-amz-checksum-") {
			return true
		}
	}
	return false
}

func missingContentMD5() *APIError {
	return Errorf("InvalidRequest", "Missing required header for this request: Content-MD5")
}

type s3PutObjectInput struct {
	Bucket string `xml:"-" path:"Bucket"`
	Key    string `xml:"-" path:"Key"`
}

type s3PutObjectOutput struct {
	ETag string `header:"ETag"`
}

func s3PutObject(c *Call, in *s3PutObjectInput) (*s3PutObjectOutput, error) {
	if _, err := bucket(c, in.Bucket); err != nil {
		return nil, err
	}
	if len(in.Key) > 1024 {
		return nil, Errorf("KeyTooLongError", "Your key is too long")
	}
	obj := putObject(c, in.Bucket, in.Key, c.Request.Header.Get("Content-Type"), c.Body)
	return &s3PutObjectOutput{ETag: obj.ETag}, nil
}

// s3GetObject returns an object's content (no ranges, versions or conditions).
func s3GetObject(c *Call, in *s3PutObjectInput) (*RawPayload, error) {
	if _, err := bucket(c, in.Bucket); err != nil {
		return nil, err
	}
	v, ok := c.Store().Lookup(KindS3Object, objectID(in.Bucket, in.Key))
	if !ok {
		e := ErrorStatus(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		e.Fields = map[string]any{"Key": in.Key}
		return nil, e
	}
	o := v.(S3Object)
	return &RawPayload{ContentType: o.ContentType, Body: o.Body}, nil
}

type s3ListObjectsInput struct {
	Bucket            string `xml:"-" path:"Bucket"`
	Prefix            string `xml:"-" query:"prefix"`
	MaxKeys           string `xml:"-" query:"max-keys"`
	ContinuationToken string `xml:"-" query:"continuation-token"`
	StartAfter        string `xml:"-" query:"start-after"`
}

type s3ListedObject struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

type s3ListObjectsOutput struct {
	XMLName               xml.Name         `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string           `xml:"Name"`
	Prefix                string           `xml:"Prefix"`
	KeyCount              int              `xml:"KeyCount"`
	MaxKeys               int              `xml:"MaxKeys"`
	IsTruncated           bool             `xml:"IsTruncated"`
	Contents              []s3ListedObject `xml:"Contents"`
	ContinuationToken     string           `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string           `xml:"NextContinuationToken,omitempty"`
	StartAfter            string           `xml:"StartAfter,omitempty"`
}

// s3ListObjectsV2 lists keys in UTF-8 binary order, at most max-keys (1000 and default
// 1000) per page; the continuation token is opaque to clients.
func s3ListObjectsV2(c *Call, in *s3ListObjectsInput) (*s3ListObjectsOutput, error) {
	if _, err := bucket(c, in.Bucket); err != nil {
		return nil, err
	}
	maxKeys := 1000
	if in.MaxKeys != "" {
		n, err := parseNonNegative(in.MaxKeys)
		if err != nil {
			return nil, Errorf("InvalidArgument", "Provided max-keys not an integer or within integer range")
		}
		maxKeys = min(n, 1000)
	}
	after := in.StartAfter
	if in.ContinuationToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.ContinuationToken)
		if err != nil {
			return nil, Errorf("InvalidArgument", "The continuation token provided is incorrect")
		}
		after = string(raw)
	}
	out := &s3ListObjectsOutput{Name: in.Bucket, Prefix: in.Prefix, MaxKeys: maxKeys, ContinuationToken: in.ContinuationToken, StartAfter: in.StartAfter}
	for _, id := range bucketObjects(c, in.Bucket) {
		v, ok := c.Store().Lookup(KindS3Object, id)
		if !ok {
			continue
		}
		o := v.(S3Object)
		if !strings.HasPrefix(o.Key, in.Prefix) || o.Key <= after {
			continue
		}
		if len(out.Contents) == maxKeys {
			out.IsTruncated = true
			out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(out.Contents[len(out.Contents)-1].Key))
			break
		}
		out.Contents = append(out.Contents, s3ListedObject{Key: o.Key, LastModified: ISOTime(o.LastModified), ETag: o.ETag, Size: o.Size, StorageClass: "STANDARD"})
	}
	out.KeyCount = len(out.Contents)
	return out, nil
}

func parseNonNegative(s string) (int, error) {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' || n > 1<<30 {
			return 0, errBadNumber
		}
		n = n*10 + int(r-'0')
	}
	if s == "" {
		return 0, errBadNumber
	}
	return n, nil
}

var errBadNumber = Errorf("InvalidArgument", "not a number")

type s3DeleteObjectsInput struct {
	Bucket  string `xml:"-" path:"Bucket"`
	Objects []struct {
		Key string `xml:"Key"`
	} `xml:"Object"`
	Quiet bool `xml:"Quiet"`
}

type s3DeletedObject struct {
	Key string `xml:"Key"`
}

type s3DeleteObjectsOutput struct {
	XMLName xml.Name          `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
	Deleted []s3DeletedObject `xml:"Deleted"`
}

// s3DeleteObjects deletes up to 1000 keys; a key that does not exist counts as
// deleted, as in S3. Quiet mode reports only errors (there are none here).
func s3DeleteObjects(c *Call, in *s3DeleteObjectsInput) (*s3DeleteObjectsOutput, error) {
	if !checksumPresent(c.Request) {
		return nil, missingContentMD5()
	}
	if len(in.Objects) == 0 || len(in.Objects) > 1000 {
		return nil, Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if _, err := bucket(c, in.Bucket); err != nil {
		return nil, err
	}
	out := &s3DeleteObjectsOutput{}
	for _, o := range in.Objects {
		c.Store().Delete(KindS3Object, objectID(in.Bucket, o.Key))
		if !in.Quiet {
			out.Deleted = append(out.Deleted, s3DeletedObject{Key: o.Key})
		}
	}
	return out, nil
}

// ---- bucket tags ----

type s3Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type s3TaggingInput struct {
	Bucket string  `xml:"-" path:"Bucket"`
	TagSet []s3Tag `xml:"TagSet>Tag"`
}

type s3TaggingOutput struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Tagging"`
	TagSet  []s3Tag  `xml:"TagSet>Tag"`
}

// kindS3BucketTags holds each bucket's tag set (id: bucket name; value []s3Tag).
const kindS3BucketTags = "s3:bucket-tags"

// s3PutBucketTagging replaces a bucket's tags: at most 50, keys of 1 to 128 and values
// of at most 256 characters, unique keys, none in the reserved aws: namespace.
func s3PutBucketTagging(c *Call, in *s3TaggingInput) (*struct{}, error) {
	if !checksumPresent(c.Request) {
		return nil, missingContentMD5()
	}
	if _, err := bucket(c, in.Bucket); err != nil {
		return nil, err
	}
	if len(in.TagSet) > 50 {
		return nil, Errorf("InvalidTag", "Bucket tag count cannot be greater than 50")
	}
	seen := map[string]bool{}
	for _, t := range in.TagSet {
		switch {
		case len(t.Key) < 1 || len(t.Key) > 128:
			return nil, Errorf("InvalidTag", "The TagKey you have provided is invalid")
		case len(t.Value) > 256:
			return nil, Errorf("InvalidTag", "The TagValue you have provided is invalid")
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return nil, Errorf("InvalidTag", "System tags cannot be added/updated by requester")
		case seen[t.Key]:
			return nil, Errorf("InvalidTag", "Cannot provide multiple Tags with the same key")
		}
		seen[t.Key] = true
	}
	c.Store().Put(kindS3BucketTags, in.Bucket, append([]s3Tag(nil), in.TagSet...))
	return &struct{}{}, nil
}

func s3GetBucketTagging(c *Call, in *s3BucketInput) (*s3TaggingOutput, error) {
	if _, err := bucket(c, in.Bucket); err != nil {
		return nil, err
	}
	v, ok := c.Store().Get(kindS3BucketTags, in.Bucket)
	if !ok {
		e := ErrorStatus(http.StatusNotFound, "NoSuchTagSet", "The TagSet does not exist")
		e.Fields = map[string]any{"BucketName": in.Bucket}
		return nil, e
	}
	return &s3TaggingOutput{TagSet: v.([]s3Tag)}, nil
}

func s3DeleteBucketTagging(c *Call, in *s3BucketInput) (*struct{}, error) {
	if _, err := bucket(c, in.Bucket); err != nil {
		return nil, err
	}
	c.Store().Delete(kindS3BucketTags, in.Bucket)
	return &struct{}{}, nil
}
