package analyze

import (
	"bytes"
	"strings"

	"saker/event"
	"saker/rules"
)

// Kinds of mining-protocol messages stratumMsg recognises, as saker.stratum.msg gives them.
// Monero pools (XMRig's dialect, its src/base/net/stratum/Client.cpp) use plain method
// names; Stratum v1 and the Ethereum dialects use theirs unchanged.
const (
	stratumLogin      = "login"       // miner: {"method":"login","params":{"login":..,"pass":..,"agent":..}}
	stratumSubmit     = "submit"      // miner: {"method":"submit","params":{"id":..,"job_id":..,"nonce":..,"result":..}}
	stratumKeepalived = "keepalived"  // miner: {"method":"keepalived","params":{"id":..}}
	stratumJob        = "job"         // pool: {"method":"job","params":{"blob":..,"job_id":..,"target":..}}
	stratumLoginReply = "login_reply" // pool: {"id":1,"result":{"id":..,"job":{"blob":..},"status":"OK"}}
)

// stratumMethods are the other dialects' method names that only mining speaks.
var stratumMethods = []string{
	"mining.subscribe", "mining.authorize", "mining.submit", "mining.notify",
	"mining.set_difficulty", "mining.set_target", "mining.set_extranonce",
	"mining.extranonce.subscribe", "mining.configure",
	"eth_submitLogin", "eth_getWork", "eth_submitWork", "eth_submitHashrate",
}

// maxStratumLines bounds the lines of one payload stratumMsg looks at.
const maxStratumLines = 8

func init() {
	fields["saker.stratum.msg"] = noArg(func(*State) rules.Extractor {
		var out []byte
		return strField(func(e *event.Event) ([]byte, bool) {
			data, ok := argAtOK(e, argData)
			if !ok {
				return nil, false
			}
			k := stratumMsg(data.Bytes)
			if k == "" {
				return nil, false
			}
			out = append(out[:0], k...)
			return out, true
		})
	})
}

// stratumMsg returns the kind of the first mining-protocol message in a socket payload
// (one of the stratum* constants or a method of stratumMethods), or "" when none of its
// first lines is one. Messages are line-delimited JSON objects; a payload cut short by the
// capture's snap length is judged on the part it holds, so the keys that decide must come
// before the cut (they do in XMRig's messages and in pools' replies).
func stratumMsg(b []byte) string {
	for n := 0; len(b) > 0 && n < maxStratumLines; n++ {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line = bytes.TrimLeft(line, " \t\r")
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		if !bytes.Contains(line, []byte(`"method"`)) && !bytes.Contains(line, []byte(`"result"`)) {
			continue
		}
		if k := stratumLine(line); k != "" {
			return k
		}
	}
	return ""
}

// maxStratumDepth bounds the nesting stratumLine follows; deeper objects end the walk.
const maxStratumDepth = 16

// jsonFrame is one open object or array while scanning a message.
type jsonFrame struct {
	object  bool
	wantKey bool   // in an object: the next string is a key
	key     []byte // in an object: the key whose value is being read
}

// stratumKeys are the keys that decide a message's kind, as bits.
const (
	keyAgent = 1 << iota
	keyLogin
	keyPass
	keyJobID
	keyNonce
	keyBlob
	keyTarget
)

// keyBit returns the bit of a deciding key, 0 for any other.
func keyBit(k []byte) int {
	switch string(k) {
	case "agent":
		return keyAgent
	case "login":
		return keyLogin
	case "pass":
		return keyPass
	case "job_id":
		return keyJobID
	case "nonce":
		return keyNonce
	case "blob":
		return keyBlob
	case "target":
		return keyTarget
	}
	return 0
}

// stratumLine classifies one JSON object, possibly truncated or damaged: it scans the
// tokens without building values (and without allocating), noting the top-level "method",
// the keys of the top-level "params" object and of "result"."job".
func stratumLine(line []byte) string {
	var (
		stack     [maxStratumDepth]jsonFrame
		depth     int
		method    []byte
		params    int // keyBit bits seen in "params"
		resultJob int // keyBit bits seen in "result"."job"
	)
	for i := 0; i < len(line); {
		c := line[i]
		switch c {
		case ' ', '\t', '\r', '\n', ':':
			i++
			continue
		case ',':
			if depth > 0 && stack[depth-1].object {
				stack[depth-1].wantKey = true
			}
			i++
			continue
		case '{', '[':
			if depth == maxStratumDepth {
				return ""
			}
			stack[depth] = jsonFrame{object: c == '{', wantKey: c == '{'}
			depth++
			i++
			continue
		case '}', ']':
			if depth > 0 {
				depth--
			}
			if depth == 0 {
				i = len(line)
			}
			i++
			continue
		}
		// A string or a scalar.
		var tok []byte
		if c == '"' {
			j := i + 1
			for j < len(line) && line[j] != '"' {
				if line[j] == '\\' {
					j++
				}
				j++
			}
			tok = line[i+1 : min(j, len(line))]
			i = j + 1
		} else {
			j := i
			for j < len(line) && !strings.ContainsRune(" \t\r\n,:}]", rune(line[j])) {
				j++
			}
			tok, i = line[i:j], j
		}
		if depth == 0 {
			return ""
		}
		top := &stack[depth-1]
		if !top.object {
			continue
		}
		if top.wantKey {
			top.key, top.wantKey = tok, false
			switch {
			case depth == 2 && string(stack[0].key) == "params":
				params |= keyBit(tok)
			case depth == 3 && string(stack[0].key) == "result" && string(stack[1].key) == "job":
				resultJob |= keyBit(tok)
			}
			continue
		}
		if depth == 1 && string(top.key) == "method" && c == '"' {
			method = tok
		}
	}
	switch m := string(method); {
	case m == "login" && (params&keyAgent != 0 || params&(keyLogin|keyPass) == keyLogin|keyPass):
		return stratumLogin
	case m == "submit" && params&(keyJobID|keyNonce) == keyJobID|keyNonce:
		return stratumSubmit
	case m == "keepalived":
		return stratumKeepalived
	case m == "job" && (params&keyBlob != 0 || params&(keyJobID|keyTarget) == keyJobID|keyTarget):
		return stratumJob
	case m == "" && resultJob&keyBlob != 0:
		return stratumLoginReply
	}
	for _, k := range stratumMethods {
		if string(method) == k {
			return k
		}
	}
	return ""
}
