package analyze

import (
	"slices"
	"strings"
	"testing"
)

// Message shapes of XMRig 6.26 (src/base/net/stratum/Client.cpp: login, submit, keepalived
// requests; its parser's expectations of the pool's login reply and job notification) and
// of Stratum v1 and the Ethereum dialect.
const (
	xmrigSubmit     = `{"id":3,"jsonrpc":"2.0","method":"submit","params":{"id":"saker-lab-1","job_id":"2","nonce":"6b0a0000","result":"5bd6c2a3b7c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5","algo":"rx/0"}}` + "\n"
	xmrigKeepalived = `{"id":4,"jsonrpc":"2.0","method":"keepalived","params":{"id":"saker-lab-1"}}` + "\n"
	poolLoginReply  = `{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"saker-lab-1","job":{"blob":"` + "0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0000000000000000000000000000000000000000000000000000000000000000000000000000" + `","job_id":"1","target":"b88d0600","algo":"rx/0","height":3300001,"seed_hash":"abababababababababababababababababababababababababababababababab"},"extensions":["algo","keepalive"],"status":"OK"}}` + "\n"
	poolJob         = `{"jsonrpc":"2.0","method":"job","params":{"blob":"0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e","job_id":"2","target":"b88d0600","algo":"rx/0","height":3300002,"seed_hash":"abab"}}` + "\n"
)

func TestStratumMsg(t *testing.T) {
	cases := []struct {
		name, payload, want string
	}{
		{"xmrig login", xmrigLogin, "login"},
		{"xmrig login cut after the agent key", xmrigLogin[:strings.Index(xmrigLogin, `"agent"`)+8], "login"},
		{"xmrig submit", xmrigSubmit, "submit"},
		{"xmrig submit cut at 128", xmrigSubmit[:128], "submit"},
		{"xmrig keepalived", xmrigKeepalived, "keepalived"},
		{"pool login reply", poolLoginReply, "login_reply"},
		{"pool login reply cut at 256", poolLoginReply[:256], "login_reply"},
		{"pool job", poolJob, "job"},
		{"pool job spaced", `{ "jsonrpc" : "2.0", "method" : "job", "params" : { "blob" : "0e0e", "job_id" : "7", "target" : "ffff" } }`, "job"},
		{"job after a submit reply", `{"id":3,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}` + "\n" + poolJob, "job"},
		{"stratum subscribe", stratumSubscribe, "mining.subscribe"},
		{"stratum notify", `{"id":null,"method":"mining.notify","params":["job1","00","01","ff",[],"20000000","1d00ffff","5f5e1000",true]}`, "mining.notify"},
		{"stratum submit", `{"id":3,"method":"mining.submit","params":["w","job1","00000000","5f5e1000","00000001"]}`, "mining.submit"},
		{"eth submitLogin", `{"id":1,"jsonrpc":"2.0","method":"eth_submitLogin","params":["0xabc"]}`, "eth_submitLogin"},
		{"submit reply", `{"id":3,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}`, ""},
		{"login without agent", `{"method":"login","params":{"user":"bob"}}`, ""},
		{"other json-rpc submit", `{"jsonrpc":"2.0","method":"submit","params":{"form":"signup"}}`, ""},
		{"job without blob", `{"method":"job","params":{"name":"backup"}}`, ""},
		{"method nested, not top level", `{"params":{"method":"keepalived"}}`, ""},
		{"http", "GET /login HTTP/1.1\r\nHost: example.com\r\n\r\n", ""},
		{"tls record", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", ""},
		{"broken json", `{"method":"keepalived",,,}`, "keepalived"},
		{"empty", "", ""},
		{"deep nesting", strings.Repeat(`{"a":`, 100) + `"method":"keepalived"`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := stratumMsg([]byte(c.payload)); got != c.want {
				t.Errorf("stratumMsg(%.60q) = %q, want %q", c.payload, got, c.want)
			}
		})
	}
}

func FuzzStratumMsg(f *testing.F) {
	for _, s := range []string{xmrigLogin, xmrigSubmit, xmrigKeepalived, poolLoginReply, poolJob, stratumSubscribe, `{"a":[{"b":{}}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k := stratumMsg(b)
		if k != "" && k != stratumLogin && k != stratumSubmit && k != stratumKeepalived && k != stratumJob &&
			k != stratumLoginReply && !slices.Contains(stratumMethods, k) {
			t.Fatalf("unknown kind %q", k)
		}
	})
}

// TestStratumMsgDoesNotAllocate: the field runs on every socket payload of a capture.
func TestStratumMsgDoesNotAllocate(t *testing.T) {
	for _, s := range []string{xmrigLogin, poolLoginReply, poolJob, stratumSubscribe, "GET / HTTP/1.1\r\n"} {
		b := []byte(s)
		if n := testing.AllocsPerRun(50, func() { stratumMsg(b) }); n != 0 {
			t.Errorf("stratumMsg(%.30q) allocates %v times", s, n)
		}
	}
}
