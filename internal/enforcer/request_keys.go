package enforcer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// Bedrock reads a request body's keys exactly as written; encoding/json matches a struct
// field's key case-insensitively (with Unicode simple folding, so "ſ" matches "s" and
// the Kelvin sign matches "k"), and the last of repeated keys wins. Were both allowed,
// the reservation could read one value ("MAX_TOKENS": 10) while the model reads another
// ("max_tokens": 8000). checkKeys refuses every body the two could read differently:
// a key repeated in an object, two keys of one object that differ only in case, and a
// key that folds to but is not exactly one the enforcer reads (requestLimits' tags, at
// their place in the body).

// keyTree is the set of keys the enforcer reads at one level of the body, and below.
type keyTree map[string]keyTree

var (
	limitKeysOnce sync.Once
	limitKeys     keyTree
)

// treeOf lists the json keys of a struct type, recursively through struct (and pointer
// to struct) fields, so fields added to requestLimits are checked without more code.
func treeOf(t reflect.Type) keyTree {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	tree := keyTree{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		tree[name] = treeOf(f.Type)
	}
	return tree
}

// checkKeys walks a JSON body and refuses an ambiguous one (see above).
func checkKeys(body []byte) error {
	limitKeysOnce.Do(func() { limitKeys = treeOf(reflect.TypeOf(requestLimits{})) })
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	return walkValue(d, limitKeys, "")
}

func walkValue(d *json.Decoder, known keyTree, path string) error {
	tok, err := d.Token()
	if err != nil {
		return errBadBody
	}
	switch tok {
	case json.Delim('{'):
		return walkObject(d, known, path)
	case json.Delim('['):
		for i := 0; d.More(); i++ {
			if err := walkValue(d, nil, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		if _, err := d.Token(); err != nil {
			return errBadBody
		}
	}
	return nil
}

func walkObject(d *json.Decoder, known keyTree, path string) error {
	var seen []string
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return errBadBody
		}
		k, _ := tok.(string)
		for _, s := range seen {
			switch {
			case s == k:
				return fmt.Errorf("the request body repeats the key %q%s: Bedrock and bedgov could read different values; send it once", k, at(path))
			case strings.EqualFold(s, k):
				return fmt.Errorf("the request body has both %q and %q%s: keys are read exactly, so send only one spelling", s, k, at(path))
			}
		}
		seen = append(seen, k)
		sub, exact := known[k]
		if !exact {
			for name := range known {
				if strings.EqualFold(name, k) {
					return fmt.Errorf("the request body has the key %q%s, which Bedrock does not read as %q: spell it exactly %q", k, at(path), name, name)
				}
			}
		}
		if err := walkValue(d, sub, path+"."+k); err != nil {
			return err
		}
	}
	if _, err := d.Token(); err != nil {
		return errBadBody
	}
	return nil
}

func at(path string) string {
	if path == "" {
		return ""
	}
	return " at " + strings.TrimPrefix(path, ".")
}
