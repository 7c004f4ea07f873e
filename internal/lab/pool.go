package lab

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// pushDelay separates a reply from the job the pool pushes after it, so that the job
// arrives in a read of its own, as it does from a real pool, and a capture's payload
// snippet starts with it.
const pushDelay = 100 * time.Millisecond

// Blob and seed of the lab's Monero jobs: 76 bytes of hashing blob in hex, as pools send.
var (
	moneroBlob = strings.Repeat("0e0e", 19) + strings.Repeat("00", 38)
	moneroSeed = strings.Repeat("ab", 32)
)

// ServePool accepts miners on ln until it is closed (reported as nil) and speaks to each
// the dialect of its first message: XMRig's Monero JSON-RPC (login, then job pushes,
// submit, keepalived) or Stratum v1 (mining.subscribe, mining.authorize, then
// mining.set_difficulty and mining.notify pushes, mining.submit). Messages are one JSON
// object per line.
func ServePool(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("pool: %w", err)
		}
		go func() {
			defer c.Close()
			servePoolConn(c)
		}()
	}
}

// poolRequest is a JSON-RPC request of either dialect.
type poolRequest struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

func servePoolConn(c net.Conn) error {
	r := bufio.NewReader(c)
	send := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = c.Write(append(b, '\n'))
		return err
	}
	jobs := 0
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return err
		}
		var q poolRequest
		if err := json.Unmarshal(line, &q); err != nil {
			return fmt.Errorf("pool: %q: %w", line, err)
		}
		id := q.ID
		switch q.Method {
		case "login":
			jobs++
			err = send(map[string]any{"id": id, "jsonrpc": "2.0", "error": nil, "result": map[string]any{
				"id": "saker-lab-1", "status": "OK", "extensions": []string{"algo", "keepalive"},
				"job": moneroJob(jobs)}})
			if err == nil {
				time.Sleep(pushDelay)
				jobs++
				err = send(map[string]any{"jsonrpc": "2.0", "method": "job", "params": moneroJob(jobs)})
			}
		case "submit":
			err = send(map[string]any{"id": id, "jsonrpc": "2.0", "error": nil, "result": map[string]any{"status": "OK"}})
		case "keepalived":
			err = send(map[string]any{"id": id, "jsonrpc": "2.0", "error": nil, "result": map[string]any{"status": "KEEPALIVED"}})
		case "mining.subscribe":
			err = send(map[string]any{"id": id, "error": nil, "result": []any{
				[]any{[]any{"mining.set_difficulty", "1"}, []any{"mining.notify", "1"}}, "08000002", 4}})
		case "mining.authorize":
			err = send(map[string]any{"id": id, "error": nil, "result": true})
			if err == nil {
				time.Sleep(pushDelay)
				err = send(map[string]any{"id": nil, "method": "mining.set_difficulty", "params": []any{1}})
			}
			if err == nil {
				jobs++
				err = send(stratumNotify(jobs))
			}
		case "mining.submit":
			err = send(map[string]any{"id": id, "error": nil, "result": true})
			if err == nil {
				time.Sleep(pushDelay)
				jobs++
				err = send(stratumNotify(jobs))
			}
		default:
			err = send(map[string]any{"id": id, "error": map[string]any{"code": -1, "message": "unknown method"}, "result": nil})
		}
		if err != nil {
			return err
		}
	}
}

func moneroJob(n int) map[string]any {
	return map[string]any{"blob": moneroBlob, "job_id": fmt.Sprint(n), "target": "b88d0600",
		"algo": "rx/0", "height": 3300000 + n, "seed_hash": moneroSeed}
}

func stratumNotify(n int) map[string]any {
	return map[string]any{"id": nil, "method": "mining.notify", "params": []any{
		fmt.Sprintf("job%d", n), strings.Repeat("00", 32), "01000000010000", "ffffffff", []any{},
		"20000000", "1d00ffff", "5f5e1000", true}}
}
