package localaws

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// EpochSeconds is a timestamp that JSON-encodes as fractional seconds since the epoch,
// the default timestamp format of awsJson and restJson1 bodies. (Shapes marked with
// timestampFormat date-time, e.g. most of Bedrock's, use time.Time instead.)
type EpochSeconds time.Time

// MarshalJSON implements json.Marshaler.
func (t EpochSeconds) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	return []byte(strconv.FormatFloat(float64(tt.UnixMilli())/1e3, 'f', -1, 64)), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *EpochSeconds) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*t = EpochSeconds(time.UnixMilli(int64(math.Round(f * 1e3))).UTC())
	return nil
}

// ISOTime formats t as awsQuery XML and date-time JSON members expect.
func ISOTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

var (
	timeType  = reflect.TypeFor[time.Time]()
	epochType = reflect.TypeFor[EpochSeconds]()
)

// bindHTTP sets the fields of the struct v tagged path:"x", query:"x" or header:"X".
func bindHTTP(c *Call, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return nil
	}
	rv = rv.Elem()
	q := c.Request.URL.Query()
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Type().Field(i)
		var vals []string
		var name string
		if n, ok := f.Tag.Lookup("path"); ok {
			name = n
			if p, ok := c.PathParams[n]; ok {
				vals = []string{p}
			}
		} else if n, ok := f.Tag.Lookup("query"); ok {
			name = n
			vals = q[n]
		} else if n, ok := f.Tag.Lookup("header"); ok {
			name = n
			vals = c.Request.Header.Values(n)
		} else {
			continue
		}
		if len(vals) == 0 {
			continue
		}
		if err := setScalar(rv.Field(i), vals); err != nil {
			return ErrValidation("invalid value for %s: %v", name, err)
		}
	}
	return nil
}

// setScalar sets a string/number/bool field (or pointer to one, or []string) from text.
func setScalar(fv reflect.Value, vals []string) error {
	if fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String {
		s := reflect.MakeSlice(fv.Type(), 0, len(vals))
		for _, v := range vals {
			s = reflect.Append(s, reflect.ValueOf(v).Convert(fv.Type().Elem()))
		}
		fv.Set(s)
		return nil
	}
	if fv.Kind() == reflect.Pointer {
		nv := reflect.New(fv.Type().Elem())
		if err := setScalar(nv.Elem(), vals); err != nil {
			return err
		}
		fv.Set(nv)
		return nil
	}
	s := vals[0]
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, fv.Type().Bits())
		if err != nil {
			return err
		}
		fv.SetInt(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(s, fv.Type().Bits())
		if err != nil {
			return err
		}
		fv.SetFloat(n)
	default:
		return fmt.Errorf("unsupported field type %s", fv.Type())
	}
	return nil
}

// setOutputHeaders copies the output fields tagged header:"Name" into h.
func setOutputHeaders(h http.Header, out any) {
	rv := reflect.ValueOf(out)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < rv.NumField(); i++ {
		n, ok := rv.Type().Field(i).Tag.Lookup("header")
		if !ok {
			continue
		}
		fv := rv.Field(i)
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				continue
			}
			fv = fv.Elem()
		}
		if fv.IsZero() {
			continue
		}
		h.Set(n, fmt.Sprint(fv.Interface()))
	}
}

// decodeQuery fills the struct v from awsQuery form values. A field's wire name is its
// query tag or its Go name. Lists are read as Name.member.N (or flattened Name.N), maps
// as Name.entry.N.key / Name.entry.N.value, nested structures as Name.Member.
func decodeQuery(form url.Values, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		return fmt.Errorf("localaws: decode target must be a pointer")
	}
	if m, ok := v.(*map[string]string); ok { // raw access
		*m = map[string]string{}
		for k := range form {
			(*m)[k] = form.Get(k)
		}
		return nil
	}
	return decodeQueryValue(form, "", rv.Elem())
}

func hasPrefix(form url.Values, prefix string) bool {
	for k := range form {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func decodeQueryValue(form url.Values, key string, fv reflect.Value) error {
	switch {
	case fv.Kind() == reflect.Struct && fv.Type() != timeType:
		for i := 0; i < fv.NumField(); i++ {
			f := fv.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if t, ok := f.Tag.Lookup("query"); ok {
				if t == "-" {
					continue
				}
				name = t
			}
			if key != "" {
				name = key + "." + name
			}
			if err := decodeQueryValue(form, name, fv.Field(i)); err != nil {
				return err
			}
		}
		return nil
	case fv.Kind() == reflect.Pointer:
		elem := fv.Type().Elem()
		if elem.Kind() == reflect.Struct && elem != timeType {
			if !hasPrefix(form, key+".") {
				return nil
			}
		} else if _, ok := form[key]; !ok {
			return nil
		}
		nv := reflect.New(elem)
		if err := decodeQueryValue(form, key, nv.Elem()); err != nil {
			return err
		}
		fv.Set(nv)
		return nil
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() != reflect.Uint8:
		prefix := key + ".member."
		if !hasPrefix(form, prefix) {
			prefix = key + "."
		}
		s := reflect.MakeSlice(fv.Type(), 0, 0)
		for n := 1; ; n++ {
			k := prefix + strconv.Itoa(n)
			if _, ok := form[k]; !ok && !hasPrefix(form, k+".") {
				break
			}
			ev := reflect.New(fv.Type().Elem()).Elem()
			if err := decodeQueryValue(form, k, ev); err != nil {
				return err
			}
			s = reflect.Append(s, ev)
		}
		if s.Len() > 0 {
			fv.Set(s)
		}
		return nil
	case fv.Kind() == reflect.Map:
		m := reflect.MakeMap(fv.Type())
		for n := 1; ; n++ {
			k := key + ".entry." + strconv.Itoa(n)
			if !hasPrefix(form, k+".") {
				break
			}
			kv := reflect.New(fv.Type().Key()).Elem()
			vv := reflect.New(fv.Type().Elem()).Elem()
			if err := decodeQueryValue(form, k+".key", kv); err != nil {
				return err
			}
			if err := decodeQueryValue(form, k+".value", vv); err != nil {
				return err
			}
			m.SetMapIndex(kv, vv)
		}
		if m.Len() > 0 {
			fv.Set(m)
		}
		return nil
	}
	vals, ok := form[key]
	if !ok {
		return nil
	}
	if fv.Type() == timeType {
		t, err := time.Parse(time.RFC3339, vals[0])
		if err != nil {
			return ErrValidation("invalid timestamp for %s: %q", key, vals[0])
		}
		fv.Set(reflect.ValueOf(t))
		return nil
	}
	if err := setScalar(fv, vals); err != nil {
		return ErrValidation("invalid value for %s: %q", key, vals[0])
	}
	return nil
}

// toCBOR converts a Go value to a CBOR value, naming struct members by their json tags.
// time.Time and EpochSeconds become epoch timestamps (tag 1). Nil pointers, maps and
// slices, and zero values of omitempty fields are left out.
func toCBOR(v any) (cbor.Value, error) {
	return toCBORValue(reflect.ValueOf(v))
}

func toCBORValue(rv reflect.Value) (cbor.Value, error) {
	if !rv.IsValid() {
		return nil, nil
	}
	switch rv.Type() {
	case timeType:
		return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(rv.Interface().(time.Time).UnixMilli()) / 1e3)}, nil
	case epochType:
		return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(time.Time(rv.Interface().(EpochSeconds)).UnixMilli()) / 1e3)}, nil
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return toCBORValue(rv.Elem())
	case reflect.String:
		return cbor.String(rv.String()), nil
	case reflect.Bool:
		return cbor.Bool(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := rv.Int()
		if n < 0 {
			return cbor.NegInt(uint64(-n)), nil
		}
		return cbor.Uint(uint64(n)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return cbor.Uint(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return cbor.Float64(rv.Float()), nil
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil, nil
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return cbor.Slice(rv.Bytes()), nil
		}
		l := make(cbor.List, 0, rv.Len())
		for i := 0; i < rv.Len(); i++ {
			e, err := toCBORValue(rv.Index(i))
			if err != nil {
				return nil, err
			}
			if e == nil {
				e = &cbor.Nil{}
			}
			l = append(l, e)
		}
		return l, nil
	case reflect.Map:
		if rv.IsNil() {
			return nil, nil
		}
		m := cbor.Map{}
		iter := rv.MapRange()
		for iter.Next() {
			e, err := toCBORValue(iter.Value())
			if err != nil {
				return nil, err
			}
			if e != nil {
				m[fmt.Sprint(iter.Key().Interface())] = e
			}
		}
		return m, nil
	case reflect.Struct:
		m := cbor.Map{}
		for i := 0; i < rv.NumField(); i++ {
			f := rv.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fv := rv.Field(i)
			if strings.Contains(opts, "omitempty") && fv.IsZero() {
				continue
			}
			e, err := toCBORValue(fv)
			if err != nil {
				return nil, err
			}
			if e != nil {
				m[name] = e
			}
		}
		return m, nil
	}
	return nil, fmt.Errorf("localaws: cannot encode %s as CBOR", rv.Type())
}
