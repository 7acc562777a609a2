package enforcer

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig formats Bedrock accepts
	_ "image/jpeg"
	_ "image/png"
	"io"
	"strings"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// The input bound of a request (governance.InputTokenBound) counts one token per body
// byte, which bounds text. Some content costs more tokens than its bytes: an image is
// billed by its pixels (a tiny PNG can be upscaled: Amazon Nova rescales every image so
// that a side reaches 896 px), a compressed container (DOCX/XLSX, a PDF's deflated
// streams) holds more text than its bytes, and content referenced by s3Location is not
// in the body at all. inputBound adds each such block's own bound:
//
//	image            its pixels, after Nova's upscale of the short side to 896 px, at
//	                 one token per 500 px (Anthropic documents w*h/750 and caps an image
//	                 near 1,600 tokens; Nova's table gives ~2,600 for 1.3K x 1.3K)
//	PDF              5,000 tokens a page (Anthropic: 1,500-3,000 text tokens plus the
//	                 page as an image) plus the bytes of its inflated streams
//	DOCX, XLSX, ...  the uncompressed bytes of the zip container
//	video            300,000 tokens: the context window of the Nova models that read
//	                 video; no request can carry more input than that
//	s3Location, URL  refused: the bytes are not in the request, so nothing bounds them
const (
	imageTokenPixels  = 500
	imageMinSide      = 896
	pdfPageTokens     = 5_000
	videoInputTokens  = 300_000
	maxInflatedBytes  = 256 << 20 // above this, a container is refused, not bounded
	contentKindMarker = `"image"|"document"|"video"|"s3Location"|"source"`
)

var errUnbounded = errors.New("unbounded content")

// inputBound is the request's input token bound: the body's bytes plus every content
// block's own bound.
func inputBound(body []byte) (int64, error) { return inputBoundOf(body, bodyTree(body)) }

// inputBoundOf is inputBound with the body's tree decoded by tree (bodyTree).
func inputBoundOf(body []byte, tree func() (any, error)) (int64, error) {
	n := governance.InputTokenBound(len(body))
	if !mayHoldContent(body) {
		return n, nil
	}
	v, err := tree()
	if err != nil {
		return 0, errBadBody
	}
	extra, err := contentTokens(v)
	if err != nil {
		return 0, err
	}
	return n + extra, nil
}

func mayHoldContent(body []byte) bool {
	for _, m := range strings.Split(contentKindMarker, "|") {
		if bytes.Contains(body, []byte(m)) {
			return true
		}
	}
	return false
}

// contentTokens walks a decoded body and sums the bounds of the content blocks in it.
func contentTokens(v any) (int64, error) {
	var sum int64
	video := false
	var walk func(v any) error
	walk = func(v any) error {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				if err := walk(e); err != nil {
					return err
				}
			}
		case map[string]any:
			if _, ok := x["s3Location"]; ok {
				return fmt.Errorf("%w: content referenced by s3Location is not in the request body, so bedgov cannot bound its cost before the call; send its bytes inline", errUnbounded)
			}
			if t, _ := x["type"].(string); t == "url" || t == "file" {
				if _, ok := x["url"]; ok || t == "file" {
					return fmt.Errorf("%w: content referenced by %s is not in the request body, so bedgov cannot bound its cost before the call; send it as base64", errUnbounded, t)
				}
			}
			n, isVideo, err := blockTokens(x)
			if err != nil {
				return err
			}
			sum += n
			video = video || isVideo
			for _, e := range x {
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(v); err != nil {
		return 0, err
	}
	if video {
		sum += videoInputTokens
	}
	return sum, nil
}

// blockTokens bounds one content block: Converse's {"image": {...}}, {"document": {...}},
// {"video": {...}} (also Nova's InvokeModel form), and Anthropic's {"type": "image" |
// "document", "source": {"type": "base64", "media_type", "data"}}.
func blockTokens(m map[string]any) (int64, bool, error) {
	if _, ok := m["video"].(map[string]any); ok {
		return 0, true, nil
	}
	if img, ok := m["image"].(map[string]any); ok {
		if b, ok := sourceBytes(img); ok {
			n, err := imageTokens(b)
			return n, false, err
		}
	}
	if doc, ok := m["document"].(map[string]any); ok {
		if b, ok := sourceBytes(doc); ok {
			format, _ := doc["format"].(string)
			n, err := documentTokens(strings.ToLower(format), b)
			return n, false, err
		}
	}
	if t, _ := m["type"].(string); t == "image" || t == "document" {
		src, _ := m["source"].(map[string]any)
		data, _ := src["data"].(string)
		mt, _ := src["media_type"].(string)
		if st, _ := src["type"].(string); st != "base64" || data == "" {
			return 0, false, nil
		}
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return 0, false, fmt.Errorf("the %s's base64 data does not decode", t)
		}
		if t == "image" {
			n, err := imageTokens(b)
			return n, false, err
		}
		format := strings.TrimPrefix(mt, "application/")
		n, err := documentTokens(format, b)
		return n, false, err
	}
	return 0, false, nil
}

// sourceBytes reads {"source": {"bytes": "<base64>"}}.
func sourceBytes(block map[string]any) ([]byte, bool) {
	src, _ := block["source"].(map[string]any)
	s, ok := src["bytes"].(string)
	if !ok {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil
}

func imageTokens(b []byte) (int64, error) {
	w, h, err := imageSize(b)
	if err != nil || w <= 0 || h <= 0 {
		return 0, errors.New("bedgov cannot read the image's dimensions to bound its tokens: send a PNG, JPEG, GIF or WebP image")
	}
	if short := min(w, h); short < imageMinSide {
		w, h = w*imageMinSide/short+1, h*imageMinSide/short+1
	}
	return (w*h + imageTokenPixels - 1) / imageTokenPixels, nil
}

// imageSize reads an image's pixel size from its header.
func imageSize(b []byte) (int64, int64, error) {
	if len(b) >= 30 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP" {
		return webpSize(b)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	return int64(cfg.Width), int64(cfg.Height), err
}

// webpSize reads the canvas size of a WebP file (VP8X, VP8 or VP8L chunk; RFC 9649).
func webpSize(b []byte) (int64, int64, error) {
	le24 := func(p []byte) int64 { return int64(p[0]) | int64(p[1])<<8 | int64(p[2])<<16 }
	switch string(b[12:16]) {
	case "VP8X":
		return le24(b[24:27]) + 1, le24(b[27:30]) + 1, nil
	case "VP8 ":
		return int64(binary.LittleEndian.Uint16(b[26:28]) & 0x3fff), int64(binary.LittleEndian.Uint16(b[28:30]) & 0x3fff), nil
	case "VP8L":
		v := binary.LittleEndian.Uint32(b[21:25])
		return int64(v&0x3fff) + 1, int64((v>>14)&0x3fff) + 1, nil
	}
	return 0, 0, errors.New("unknown WebP chunk")
}

func documentTokens(format string, b []byte) (int64, error) {
	switch format {
	case "pdf":
		return pdfTokens(b)
	case "docx", "xlsx", "vnd.openxmlformats-officedocument.wordprocessingml.document", "vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return zipTokens(b)
	}
	// csv, doc, xls, html, txt, md: text or a binary format that is not compressed;
	// the body's bytes already bound it.
	return 0, nil
}

func tooBig(what string) error {
	return fmt.Errorf("%w: the %s expands to more than %d MiB; bedgov cannot bound its tokens", errUnbounded, what, maxInflatedBytes>>20)
}

// zipTokens bounds a zip container (DOCX, XLSX) by its uncompressed bytes, counted by
// inflating it (the sizes a zip declares may lie).
func zipTokens(b []byte) (int64, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return 0, errors.New("the document is not a readable DOCX/XLSX (zip) file")
	}
	var total int64
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return 0, errors.New("the document is not a readable DOCX/XLSX (zip) file")
		}
		n, _ := io.Copy(io.Discard, io.LimitReader(rc, maxInflatedBytes-total+1))
		_ = rc.Close()
		if total += n; total > maxInflatedBytes {
			return 0, tooBig("document")
		}
	}
	return total, nil
}

// pdfTokens bounds a PDF by its pages (counted in the file and in its inflated object
// streams) and the text its deflated streams hold.
func pdfTokens(b []byte) (int64, error) {
	pages := countPages(b)
	var inflated int64
	for rest := b; ; {
		i := bytes.Index(rest, []byte("stream"))
		if i < 0 {
			break
		}
		rest = rest[i+len("stream"):]
		rest = bytes.TrimLeft(rest, "\r\n")
		zr, err := zlib.NewReader(bytes.NewReader(rest))
		if err != nil {
			continue
		}
		var buf bytes.Buffer
		n, _ := io.Copy(&buf, io.LimitReader(zr, maxInflatedBytes-inflated+1))
		_ = zr.Close()
		if inflated += n; inflated > maxInflatedBytes {
			return 0, tooBig("PDF")
		}
		pages += countPages(buf.Bytes())
	}
	return max(pages, 1)*pdfPageTokens + inflated, nil
}

// countPages counts page objects: "/Type /Page" not followed by "s" (that is /Pages).
func countPages(b []byte) int64 {
	var n int64
	for rest := b; ; {
		i := bytes.Index(rest, []byte("/Type"))
		if i < 0 {
			return n
		}
		rest = rest[i+len("/Type"):]
		t := bytes.TrimLeft(rest, " \r\n\t")
		if bytes.HasPrefix(t, []byte("/Page")) && (len(t) == 5 || t[5] != 's') {
			n++
		}
	}
}
