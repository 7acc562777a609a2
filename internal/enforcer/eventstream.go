package enforcer

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// The AWS event-stream framing (application/vnd.amazon.eventstream), read only far
// enough to find usage in a response that is streamed through untouched:
//
//	total length (4) | headers length (4) | prelude CRC (4) | headers | payload | message CRC (4)
//
// A header is name length (1), name, value type (1) and a typed value.

const (
	esPreludeLen = 12
	esMinLen     = esPreludeLen + 4
	// esMaxMessage bounds one message (Bedrock's payloads are far smaller); a larger
	// length means a corrupt or hostile stream and stops parsing, never the copy.
	esMaxMessage = 16<<20 + 128<<10
)

var errEventStream = errors.New("malformed event stream")

// esMessage is one decoded message; slices alias the decoder's buffer and are valid
// only during the callback.
type esMessage struct {
	MessageType   string // ":message-type": event | exception | error
	EventType     string // ":event-type"
	ExceptionType string // ":exception-type" (or ":error-code")
	Payload       []byte
}

// esDecoder is an incremental decoder: Write feeds it bytes as they pass to the client
// and it calls onMessage for every complete, CRC-valid message. After the first framing
// error it stops decoding (and keeps accepting bytes), so a bad stream costs nothing.
// Messages are decoded in place from the bytes written; only a message cut by the end of
// a write is copied, so a stream held open keeps at most one partial message here.
// onMessage must not keep the message's slices.
type esDecoder struct {
	buf       []byte // the start of a message the next write completes
	onMessage func(*esMessage)
	err       error
}

// esKeepBuf is the largest partial-message buffer kept between messages.
const esKeepBuf = 4 << 10

// Write never fails: a framing error only stops the decoding (d.err), never the copy of
// the stream to the client.
func (d *esDecoder) Write(p []byte) (int, error) {
	if d.err != nil {
		return len(p), nil //nolint:nilerr // see above
	}
	data := p
	if len(d.buf) > 0 {
		d.buf = append(d.buf, p...)
		data = d.buf
	}
	off := 0
	for len(data)-off >= esPreludeLen {
		total := int(binary.BigEndian.Uint32(data[off:]))
		if total < esMinLen || total > esMaxMessage {
			d.err = errEventStream
			break
		}
		if len(data)-off < total {
			break
		}
		var m esMessage
		if err := decodeMessage(data[off:off+total], &m); err != nil {
			d.err = err
			break
		}
		if d.onMessage != nil {
			d.onMessage(&m)
		}
		off += total
	}
	if d.err != nil {
		d.buf = nil
		return len(p), nil //nolint:nilerr // see above
	}
	rest := data[off:]
	switch {
	case len(rest) == 0 && cap(d.buf) > esKeepBuf:
		d.buf = nil
	case len(d.buf) > 0: // rest is the tail of d.buf: move it to the front
		d.buf = d.buf[:copy(d.buf, rest)]
	default:
		d.buf = append(d.buf[:0], rest...)
	}
	return len(p), nil
}

// decodeMessage parses exactly one message occupying all of b.
func decodeMessage(b []byte, m *esMessage) error {
	if len(b) < esMinLen {
		return errEventStream
	}
	total := int(binary.BigEndian.Uint32(b))
	hlen := int(binary.BigEndian.Uint32(b[4:]))
	if total != len(b) || hlen < 0 || hlen > total-esMinLen {
		return errEventStream
	}
	if crc32.ChecksumIEEE(b[:8]) != binary.BigEndian.Uint32(b[8:]) {
		return errEventStream
	}
	if crc32.ChecksumIEEE(b[:total-4]) != binary.BigEndian.Uint32(b[total-4:]) {
		return errEventStream
	}
	h := b[esPreludeLen : esPreludeLen+hlen]
	for len(h) > 0 {
		nl := int(h[0])
		if len(h) < 1+nl+1 {
			return errEventStream
		}
		name := h[1 : 1+nl]
		typ := h[1+nl]
		h = h[2+nl:]
		var val []byte
		switch typ {
		case 0, 1: // bool true / false
		case 2:
			if len(h) < 1 {
				return errEventStream
			}
			h = h[1:]
		case 3:
			if len(h) < 2 {
				return errEventStream
			}
			h = h[2:]
		case 4:
			if len(h) < 4 {
				return errEventStream
			}
			h = h[4:]
		case 5, 8:
			if len(h) < 8 {
				return errEventStream
			}
			h = h[8:]
		case 6, 7:
			if len(h) < 2 {
				return errEventStream
			}
			l := int(binary.BigEndian.Uint16(h))
			if len(h) < 2+l {
				return errEventStream
			}
			val = h[2 : 2+l]
			h = h[2+l:]
		case 9:
			if len(h) < 16 {
				return errEventStream
			}
			h = h[16:]
		default:
			return errEventStream
		}
		if typ == 7 {
			switch string(name) {
			case ":message-type":
				m.MessageType = string(val)
			case ":event-type":
				m.EventType = string(val)
			case ":exception-type", ":error-code":
				m.ExceptionType = string(val)
			}
		}
	}
	m.Payload = b[esPreludeLen+hlen : total-4]
	return nil
}

// appendMessage encodes one message with string headers (used by tests and by the
// enforcer to send an in-stream exception); it is the inverse of decodeMessage.
func appendMessage(dst []byte, headers [][2]string, payload []byte) []byte {
	hlen := 0
	for _, h := range headers {
		hlen += 1 + len(h[0]) + 1 + 2 + len(h[1])
	}
	total := esPreludeLen + hlen + len(payload) + 4
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(total))
	dst = binary.BigEndian.AppendUint32(dst, uint32(hlen))
	dst = binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:start+8]))
	for _, h := range headers {
		dst = append(dst, byte(len(h[0])))
		dst = append(dst, h[0]...)
		dst = append(dst, 7)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(h[1])))
		dst = append(dst, h[1]...)
	}
	dst = append(dst, payload...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}
