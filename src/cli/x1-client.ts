/**
 * `lix x1 ping|send`: one-off X1 requests over mutual TLS to any NE (`/X1/NE`) or ADMF (`/X1/ADMF`) URL.
 * `ping` builds a PingRequest and checks the answer (certificate identity, transaction ID); `send` posts an
 * X1 document as it is and prints the answer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { newUuid } from '../lib/ids.js';
import { createX1Client, type X1Client } from '../transport/https-client.js';
import type { TlsConfig } from '../transport/tls-options.js';
import { decodeX1 } from '../x1/decode.js';
import { encodeRequest } from '../x1/encode.js';
import { DEFAULT_X1_VERSION } from '../x1/model.js';
import { formatTimestamp } from '../x1/simple-types.js';
import { jsonOption, printRecord } from './output.js';

interface ClientFlags {
  url: string;
  tlsDir?: string;
  as?: string;
  cert?: string;
  key?: string;
  ca?: string;
  timeout: string;
  insecurePlainHttp?: boolean;
  json?: boolean;
}

interface PingFlags extends ClientFlags {
  admfId: string;
  neId: string;
  x1Version: string;
}

/** A request to `/X1/ADMF` comes from an NE; anything else from the ADMF. */
const toAdmf = (url: string) => new URL(url).pathname.endsWith('/X1/ADMF');

function tlsOf(f: ClientFlags, as: string): TlsConfig | undefined {
  if (f.insecurePlainHttp) return undefined;
  const dir = f.tlsDir;
  const tls = {
    certFile: f.cert ?? (dir ? join(dir, `${as}.pem`) : ''),
    keyFile: f.key ?? (dir ? join(dir, `${as}.key`) : ''),
    caFile: f.ca ?? (dir ? join(dir, 'ca.pem') : ''),
  };
  if (!tls.certFile || !tls.keyFile || !tls.caFile)
    throw new Error('TLS material is required: --tls-dir (with --as), or --cert, --key and --ca');
  return tls;
}

function client(f: ClientFlags, as: string): X1Client {
  const tls = tlsOf(f, as);
  return createX1Client({ ...(tls && { tls }), url: f.url, timeoutMs: Math.round(Number(f.timeout) * 1000) });
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--url <url>',
      'X1 URL, e.g. https://127.0.0.1:8443/X1/NE or https://127.0.0.1:8444/X1/ADMF',
    )
    .option('--tls-dir <dir>', 'directory with ca.pem and <identity>.pem/.key (as written by lix pki init)')
    .option('--as <identity>', 'whose certificate to use from --tls-dir')
    .option('--cert <file>', 'certificate (instead of --tls-dir)')
    .option('--key <file>', 'private key (instead of --tls-dir)')
    .option('--ca <file>', 'CA certificate(s) (instead of --tls-dir)')
    .option('--timeout <seconds>', 'give up after this long', '15')
    .option('--insecure-plain-http', 'plain HTTP (an http:// URL): FOR TESTS ONLY');
}

async function ping(f: PingFlags): Promise<void> {
  const fromNe = toAdmf(f.url);
  const as = f.as ?? (fromNe ? f.neId : f.admfId);
  const peer = fromNe ? f.admfId : f.neId;
  const c = client(f, as);
  const tid = newUuid();
  const body = encodeRequest([
    {
      type: 'PingRequest',
      header: {
        admfIdentifier: f.admfId,
        neIdentifier: f.neId,
        messageTimestamp: formatTimestamp(BigInt(Date.now()) * 1000n),
        version: f.x1Version,
        x1TransactionId: tid,
      },
    },
  ]);
  const start = performance.now();
  try {
    const res = await answerOf(c, body, f.url, 'ping');
    if (!res) return;
    const ms = performance.now() - start;
    if (!f.insecurePlainHttp && res.peerIdentity !== peer) {
      console.error(
        `lix x1 ping: answer disregarded: certificate identity "${res.peerIdentity ?? ''}" is not "${peer}"`,
      );
      process.exitCode = 1;
      return;
    }
    let doc;
    try {
      doc = decodeX1(res.body);
    } catch (err) {
      console.error(`lix x1 ping: the answer is not a valid X1 document: ${messageOf(err)}`);
      process.exitCode = 1;
      return;
    }
    const r =
      doc.root === 'X1Response'
        ? doc.results.find((x) => x.ok && x.message.header.x1TransactionId === tid)
        : undefined;
    const m = r?.ok ? r.message : undefined;
    if (m?.type === 'PingResponse') {
      const latencyMs = Number(ms.toFixed(1));
      if (f.json) printRecord({ response: m.type, peer, latencyMs, ok: m.oK, transactionId: tid }, true);
      else console.log(`PingResponse from ${peer} in ${latencyMs} ms (${m.oK}, transaction ${tid})`);
      return;
    }
    const why =
      m?.type === 'ErrorResponse'
        ? `${m.errorInformation.errorCode} ${m.errorInformation.errorDescription}`
        : doc.root;
    console.error(`lix x1 ping: no PingResponse: ${why}`);
    process.exitCode = 1;
  } finally {
    await c.close();
  }
}

async function send(file: string, f: ClientFlags): Promise<void> {
  if (!f.as && !f.cert) throw new Error('give --as <identity> (with --tls-dir) or --cert/--key/--ca');
  const body = readFileSync(file === '-' ? 0 : file);
  const c = client(f, f.as ?? '');
  try {
    const res = await answerOf(c, body, f.url, 'send');
    if (!res) return;
    if (res.peerIdentity !== undefined) console.error(`answered by ${res.peerIdentity}`);
    const text = res.body.toString('utf8');
    process.stdout.write(text);
    if (!text.endsWith('\n')) process.stdout.write('\n');
    // Scripts need to know when the peer said no: exit 1 for a top-level error or any ErrorResponse.
    const refusal = refusalIn(text);
    if (refusal) {
      console.error(`lix x1 send: ${refusal}`);
      process.exitCode = 1;
    }
  } finally {
    await c.close();
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The peer's answer, or undefined when none came (no connection, TLS refused, timeout, an HTTP status other
 * than 200): then one line on stderr and exit status 1, as for a refusal (docs/cli.md "Exit status").
 */
async function answerOf(c: X1Client, body: Buffer | string, url: string, command: string) {
  try {
    return await c.post(body);
  } catch (err) {
    console.error(`lix x1 ${command}: no answer from ${url}: ${messageOf(err)}`);
    process.exitCode = 1;
    return undefined;
  }
}

/** What in an answer says the peer refused something, or undefined when every message was answered OK. */
function refusalIn(text: string): string | undefined {
  let doc;
  try {
    doc = decodeX1(text);
  } catch (err) {
    return `the answer is not a valid X1 document: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (doc.root === 'X1TopLevelErrorResponse')
    return 'the peer answered with a top-level error (the container was refused)';
  if (doc.root !== 'X1Response') return `the peer answered with ${doc.root}`;
  const errors = doc.results.flatMap((r) => (r.ok && r.message.type === 'ErrorResponse' ? [r.message] : []));
  const bad = doc.results.filter((r) => !r.ok).length;
  if (errors.length === 0 && bad === 0) return undefined;
  const first = errors[0]?.errorInformation;
  return (
    `the peer answered ${errors.length + bad} of ${doc.results.length} message(s) with an error` +
    (first ? ` (first: ${first.errorCode} ${first.errorDescription})` : '')
  );
}

/** `lix x1 ping` and `lix x1 send`, registered on the `x1` command. */
export function registerX1ClientCommands(x1: Command): void {
  common(x1.command('ping').description('send an X1 Ping to an NE or an ADMF and check the answer'))
    .requiredOption('--admf-id <id>', 'admfIdentifier')
    .requiredOption('--ne-id <id>', 'neIdentifier')
    .option('--x1-version <v>', 'version to send', DEFAULT_X1_VERSION)
    .addOption(jsonOption())
    .action((f: PingFlags) => ping(f));
  common(
    x1
      .command('send')
      .description(
        'post an X1 document (a file, or - for standard input) as it is; prints the answer (exit 1 when it holds an X1 error)',
      )
      .argument('<file>', 'X1 request document'),
  ).action((file: string, f: ClientFlags) => send(file, f));
}
