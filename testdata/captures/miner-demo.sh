#!/bin/sh
# Re-creates testdata/captures/miner-demo (as root): a small cryptojacking story captured
# by `saker capture` on loopback only. Run from the repository root after `make build`.
set -eu
out=${1:-testdata/captures/miner-demo}
./bin/saker capture -o "$out" --duration 4s --no-dns &
cap=$!
sleep 1.5
cp /bin/sleep /tmp/xmrig
python3 - <<'PY'
import socket, threading
s = socket.socket(); s.bind(("127.0.0.1", 3333)); s.listen(1)
def pool():
    c, _ = s.accept(); c.recv(1000); c.close()
threading.Thread(target=pool).start()
k = socket.create_connection(("127.0.0.1", 3333))
k.send(b'{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A","pass":"x","agent":"XMRig/6.26.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0"}}\n')
k.close()
PY
/tmp/xmrig 0.1 -o stratum+tcp://pool.supportxmr.com:3333 2>/dev/null || true
chmod u+s /tmp/xmrig
rm -f /tmp/xmrig
wait $cap
