package enforcer

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strings"
	"testing"
)

func pngOf(t testing.TB, w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func docxOf(t testing.TB, text string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, _ := zw.Create("word/document.xml")
	_, _ = f.Write([]byte(text))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pdfOf(pages int, text string) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write([]byte(text))
	_ = zw.Close()
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n1 0 obj << /Type /Pages /Count " + fmt.Sprint(pages) + " >> endobj\n")
	for i := 0; i < pages; i++ {
		fmt.Fprintf(&b, "%d 0 obj << /Type /Page /Parent 1 0 R >> endobj\n", i+2)
	}
	fmt.Fprintf(&b, "9 0 obj << /Filter /FlateDecode /Length %d >>\nstream\n", z.Len())
	b.Write(z.Bytes())
	b.WriteString("\nendstream endobj\n%%EOF")
	return b.Bytes()
}

func converseWith(block map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": "look"}, block}}}})
	return b
}

// Class 5: the input bound of every content kind is a worst case. Before, the bound
// was the body's bytes plus 1,024 tokens whatever the content.
func TestInputBoundPerContentKind(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("lorem ipsum dolor sit amet ", 200_000) // 5.4 MB of text
	b64 := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		name string
		body []byte
		min  int64 // the least the content can cost, in tokens
	}{
		// Nova upscales a small image to a side of 896 px: ~1,300 tokens (its table).
		{"tiny image (Converse)", converseWith(map[string]any{"image": map[string]any{"format": "png", "source": map[string]any{"bytes": b64(pngOf(t, 8, 8))}}}), 1300 + 1024},
		// Anthropic: w*h/750 tokens; a blank 1092 x 1092 PNG is a few KB.
		{"blank image (Anthropic)", []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"` + b64(pngOf(t, 1092, 1092)) + `"}}]}]}`), 1092 * 1092 / 750},
		{"DOCX", converseWith(map[string]any{"document": map[string]any{"format": "docx", "name": "d", "source": map[string]any{"bytes": b64(docxOf(t, text))}}}), int64(len(text))},
		{"deflated PDF", converseWith(map[string]any{"document": map[string]any{"format": "pdf", "name": "d", "source": map[string]any{"bytes": b64(pdfOf(40, text))}}}), int64(len(text)) + 40*1500},
		{"PDF (Anthropic)", []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"` + b64(pdfOf(40, text)) + `"}}]}]}`), int64(len(text)) + 40*1500},
		{"inline video", converseWith(map[string]any{"video": map[string]any{"format": "mp4", "source": map[string]any{"bytes": b64([]byte("tiny"))}}}), 300_000},
	} {
		got, err := inputBound(tc.body)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		t.Logf("%s: body %d bytes, bound %d tokens (was %d), costs at least %d", tc.name, len(tc.body), got, len(tc.body)+1024, tc.min)
		if got < tc.min {
			t.Errorf("%s: input bound %d tokens, below the %d it can cost", tc.name, got, tc.min)
		}
	}
	for name, body := range map[string][]byte{
		"s3Location image": converseWith(map[string]any{"image": map[string]any{"format": "png", "source": map[string]any{"s3Location": map[string]any{"uri": "s3://b/k.png"}}}}),
		"s3Location video": converseWith(map[string]any{"video": map[string]any{"format": "mp4", "source": map[string]any{"s3Location": map[string]any{"uri": "s3://b/k.mp4"}}}}),
		"url image":        []byte(`{"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}]}]}`),
		"unreadable image": converseWith(map[string]any{"image": map[string]any{"format": "png", "source": map[string]any{"bytes": b64([]byte("not a png"))}}}),
	} {
		if n, err := inputBound(body); err == nil {
			t.Errorf("%s: bounded at %d tokens, want a refusal", name, n)
		}
	}
	if _, err := inputBound(converseWith(map[string]any{"video": map[string]any{"source": map[string]any{"s3Location": map[string]any{"uri": "s3://b/k"}}}})); !errors.Is(err, errUnbounded) || !strings.Contains(err.Error(), "inline") {
		t.Errorf("s3Location refusal says what to do: %v", err)
	}
}

// FuzzInputBound: any body gets a bound at least its byte bound, or a refusal; never a
// panic (image headers, zip and PDF readers included).
func FuzzInputBound(f *testing.F) {
	f.Add(converseWith(map[string]any{"image": map[string]any{"format": "png", "source": map[string]any{"bytes": base64.StdEncoding.EncodeToString(pngOf(f, 3, 5))}}}))
	f.Add(converseWith(map[string]any{"document": map[string]any{"format": "docx", "source": map[string]any{"bytes": base64.StdEncoding.EncodeToString(docxOf(f, "abc"))}}}))
	f.Add(converseWith(map[string]any{"document": map[string]any{"format": "pdf", "source": map[string]any{"bytes": base64.StdEncoding.EncodeToString(pdfOf(2, "abc"))}}}))
	f.Add([]byte(`{"messages":[{"content":[{"image":{"source":{"bytes":"UklGRiQAAABXRUJQVlA4WAoAAAAQAAAAAQAAAQAA"}}}]}]}`))
	f.Add([]byte(`{"messages":[{"content":[{"video":{"source":{"s3Location":{"uri":"s3://b/k"}}}}]}]}`))
	f.Add([]byte(`{"messages":[{"content":[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0xLjcKc3RyZWFtCng="}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := inputBound(body)
		if err == nil && n < int64(len(body))+1024 {
			t.Fatalf("bound %d below the byte bound of %d bytes", n, len(body))
		}
	})
}
