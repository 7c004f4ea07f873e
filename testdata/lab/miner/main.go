// Command miner is the attack lab's stand-in for a cryptocurrency miner: it resolves its
// pool, connects and speaks the pool's line-delimited JSON-RPC, but computes nothing. The
// lab links it under miners' names (xmrig, syncd, netmon, kdevtmpfsi).
//
//	miner -o HOST:PORT -u USER -p PASS            XMRig's Monero dialect (login, job, submit)
//	miner -a sha256d -o stratum+tcp://HOST:PORT   Stratum v1 (mining.subscribe, mining.authorize,
//	                                              mining.notify, mining.submit), as cpuminer
//	miner -c CONFIG.json                          pool from an XMRig-style config file
//
// The environment, which no command line shows, steers the lab run: LAB_NET is the dial
// network (tcp, tcp4, tcp6; default tcp), LAB_SUBMITS the number of shares to submit (0:
// until killed), LAB_INTERVAL the pause between them. It prints "connected" once the pool
// accepted its login, so that the lab knows a miner started before a capture is mining.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// wallet is a well-formed Monero address used in XMRig's documentation examples.
const wallet = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"

// agent is what XMRig 6.26 sends as its agent string.
const agent = "XMRig/6.26.0 (Linux x86_64) libuv/1.48.0 gcc/12.2.0"

type config struct {
	Pools []struct {
		URL  string `json:"url"`
		User string `json:"user"`
		Pass string `json:"pass"`
	} `json:"pools"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[0], err)
		os.Exit(1)
	}
}

func run() error {
	url := flag.String("o", "", "pool URL")
	user := flag.String("u", wallet, "user (wallet)")
	pass := flag.String("p", "x", "password")
	algo := flag.String("a", "rx/0", "algorithm; sha256d speaks Stratum v1")
	cfg := flag.String("c", "", "XMRig-style JSON config file")
	flag.Parse()
	if *cfg != "" {
		b, err := os.ReadFile(*cfg)
		if err != nil {
			return err
		}
		var c config
		if err := json.Unmarshal(b, &c); err != nil {
			return fmt.Errorf("config %s: %w", *cfg, err)
		}
		if len(c.Pools) == 0 {
			return fmt.Errorf("config %s: no pool", *cfg)
		}
		*url, *user, *pass = c.Pools[0].URL, c.Pools[0].User, c.Pools[0].Pass
	}
	if *url == "" {
		return fmt.Errorf("no pool: give -o or -c")
	}
	addr := *url
	if i := strings.Index(addr, "://"); i >= 0 {
		addr = addr[i+3:]
	}
	network := envOr("LAB_NET", "tcp")
	submits, _ := strconv.Atoi(envOr("LAB_SUBMITS", "1"))
	interval, err := time.ParseDuration(envOr("LAB_INTERVAL", "100ms"))
	if err != nil {
		return fmt.Errorf("LAB_INTERVAL: %w", err)
	}
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	s := &session{c: c, r: bufio.NewReader(c)}
	if *algo == "sha256d" {
		return s.stratumV1(*user, *pass, submits, interval)
	}
	return s.monero(*user, *pass, submits, interval)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// session is one pool connection with line framing.
type session struct {
	c  net.Conn
	r  *bufio.Reader
	id int
}

// call sends one JSON-RPC request as its own write.
func (s *session) call(v map[string]any) error {
	s.id++
	v["id"] = s.id
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = s.c.Write(append(b, '\n'))
	return err
}

// recv reads one line and decodes it.
func (s *session) recv() (map[string]any, error) {
	s.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := s.r.ReadBytes('\n')
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		return nil, fmt.Errorf("pool sent %q: %w", line, err)
	}
	return m, nil
}

// expect reads lines until one has the given method (or, with "", a result).
func (s *session) expect(method string) (map[string]any, error) {
	for {
		m, err := s.recv()
		if err != nil {
			return nil, err
		}
		if e, ok := m["error"]; ok && e != nil {
			return nil, fmt.Errorf("pool error: %v", e)
		}
		if got, _ := m["method"].(string); got == method || (method == "" && m["result"] != nil) {
			return m, nil
		}
	}
}

// monero speaks XMRig's dialect: login (the reply carries the first job), a pushed job,
// then submits answered with status OK.
func (s *session) monero(user, pass string, submits int, interval time.Duration) error {
	// Field order as XMRig writes it: the rules look for "method":"login" and "agent".
	login := fmt.Sprintf(`{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":%q,"pass":%q,"agent":%q,"rigid":""}}`+"\n",
		user, pass, agent)
	s.id = 1
	if _, err := s.c.Write([]byte(login)); err != nil {
		return err
	}
	m, err := s.expect("")
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	res, _ := m["result"].(map[string]any)
	sid, _ := res["id"].(string)
	if _, err := s.expect("job"); err != nil {
		return fmt.Errorf("job: %w", err)
	}
	fmt.Println("connected")
	for i := 0; submits == 0 || i < submits; i++ {
		time.Sleep(interval)
		err := s.call(map[string]any{"jsonrpc": "2.0", "method": "submit", "params": map[string]any{
			"id": sid, "job_id": "2", "nonce": fmt.Sprintf("%08x", i), "result": strings.Repeat("0", 64)}})
		if err != nil {
			return err
		}
		if _, err := s.expect(""); err != nil {
			return fmt.Errorf("submit: %w", err)
		}
	}
	return nil
}

// stratumV1 speaks Bitcoin-style Stratum: subscribe, authorize, notify, submit.
func (s *session) stratumV1(user, pass string, submits int, interval time.Duration) error {
	if err := s.call(map[string]any{"method": "mining.subscribe", "params": []any{"cpuminer/2.5.1"}}); err != nil {
		return err
	}
	if _, err := s.expect(""); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if err := s.call(map[string]any{"method": "mining.authorize", "params": []any{user, pass}}); err != nil {
		return err
	}
	if _, err := s.expect(""); err != nil {
		return fmt.Errorf("authorize: %w", err)
	}
	if _, err := s.expect("mining.notify"); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	fmt.Println("connected")
	for i := 0; submits == 0 || i < submits; i++ {
		time.Sleep(interval)
		err := s.call(map[string]any{"method": "mining.submit", "params": []any{user, "job1",
			"00000000", "5f5e1000", fmt.Sprintf("%08x", i)}})
		if err != nil {
			return err
		}
		if _, err := s.expect(""); err != nil {
			return fmt.Errorf("submit: %w", err)
		}
	}
	return nil
}
