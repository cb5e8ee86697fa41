// An ADMF that batches (issue: connections reset on containers with many messages). X1 lets an ADMF put
// many messages in one container and HTTP/1.1 lets it pipeline requests on a persistent connection. Python's
// ssl module is the independent client: each of 4 connections writes 10 containers of 50 messages back to
// back and reads 10 answers, 25 rounds. Every answer must arrive on its own connection, none reset: Node's
// native parser path failed here with HPE_PAUSED (35 of 800 lost before the fix).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRequest } from '../../src/x1/encode.js';
import type { X1Request } from '../../src/x1/model.js';
import { neHarness, type NeHarness } from '../support/ne-harness.js';
import { getTestPki } from '../support/pki.js';

const CONNECTIONS = 4;
const PIPELINED = 10;
const ROUNDS = 25;
const MESSAGES = 50;

/** Writes PIPELINED requests at once on each connection, reads the answers in order, prints JSON counts. */
const CLIENT = String.raw`
import json, re, socket, ssl, sys, threading, urllib.parse
url, body_file, cert, key, ca, conns, pipelined, rounds = sys.argv[1:9]
u = urllib.parse.urlparse(url)
body = open(body_file, 'rb').read()
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
ctx.check_hostname = False
req = ('POST %s HTTP/1.1\r\nHost: ne\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n'
       % (u.path, len(body))).encode() + body
res = {'answers': 0, 'complete': 0, 'errors': []}
lock = threading.Lock()
def read_answers(s, n):
    buf, got, complete = b'', 0, 0
    while got < n:
        d = s.recv(65536)
        if not d:
            raise ConnectionError('closed by the NE after %d answers' % got)
        buf += d
        while True:
            i = buf.find(b'\r\n\r\n')
            if i < 0:
                break
            head = buf[:i].decode('latin-1')
            m = re.search(r'(?im)^content-length: *(\d+)', head)
            if m:
                n_body = int(m.group(1))
                if len(buf) < i + 4 + n_body:
                    break
                payload, buf = buf[i + 4:i + 4 + n_body], buf[i + 4 + n_body:]
            else:
                # chunked
                rest, payload = buf[i + 4:], b''
                while True:
                    j = rest.find(b'\r\n')
                    if j < 0:
                        payload = None
                        break
                    size = int(rest[:j], 16)
                    if len(rest) < j + 2 + size + 2:
                        payload = None
                        break
                    payload += rest[j + 2:j + 2 + size]
                    rest = rest[j + 2 + size + 2:]
                    if size == 0:
                        break
                if payload is None:
                    break
                buf = rest
            got += 1
            complete += payload.count(b'PingResponse') == int(sys.argv[9])
    return got, complete
def worker():
    for _ in range(int(rounds)):
        s = ctx.wrap_socket(socket.create_connection((u.hostname, u.port)))
        s.settimeout(20)
        try:
            s.sendall(req * int(pipelined))
            got, complete = read_answers(s, int(pipelined))
            with lock:
                res['answers'] += got
                res['complete'] += complete
        except Exception as e:
            with lock:
                res['errors'].append(repr(e)[:120])
        finally:
            s.close()
threads = [threading.Thread(target=worker) for _ in range(int(conns))]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(res))
`;

let h: NeHarness;
let dir: string;

before(async () => {
  h = await neHarness({}, { transport: 'https' });
  dir = mkdtempSync(join(tmpdir(), 'lix-batching-'));
});
after(() => h.close());

function pings(n: number): X1Request[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'PingRequest',
    header: {
      admfIdentifier: 'admf-1',
      neIdentifier: 'ne-1',
      messageTimestamp: '2026-12-04T10:00:00.000000Z',
      version: 'v1.23.1',
      x1TransactionId: `0d1f8a6e-5c1b-4f0e-9a3d-${i.toString(16).padStart(12, '0')}`,
    },
  }));
}

test('pipelined 50-message containers from a batching client: every answer arrives, no reset', async () => {
  const pki = await getTestPki();
  const admf = pki.identities['admf-1']!;
  const bodyFile = join(dir, 'batch.xml');
  writeFileSync(bodyFile, encodeRequest(pings(MESSAGES)));
  const clientFile = join(dir, 'client.py');
  writeFileSync(clientFile, CLIENT);
  const args = [h.url!, bodyFile, admf.certFile, admf.keyFile, pki.caFile, CONNECTIONS, PIPELINED, ROUNDS];
  // Run asynchronously so that the NE in this process keeps serving.
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      'python3',
      [clientFile, ...args.map(String), String(MESSAGES)],
      { timeout: 120_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
  const res = JSON.parse(out) as { answers: number; complete: number; errors: string[] };
  const expected = CONNECTIONS * PIPELINED * ROUNDS;
  assert.deepEqual(res.errors, [], 'connections reset or closed by the NE');
  assert.equal(res.answers, expected);
  assert.equal(res.complete, expected, 'every answer carries all 50 PingResponses');
});
