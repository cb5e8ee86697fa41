/**
 * SIPp (Debian `sip-tester`) as traffic generator for the live probe tests: a UAS built into SIPp and a UAC
 * scenario of our own whose caller comes from an injection CSV, so that many users call over one pair of
 * sockets. Each call is six SIP messages over UDP: INVITE, 180, 200, ACK, BYE, 200 (plus any retransmission
 * SIPp makes when an answer is late).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** True when `sipp` runs (its `-v` exits 99, so the exit code says nothing). */
export function hasSipp(): boolean {
  return spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error === undefined;
}

/** SIP messages of one call in the scenario below when nothing is retransmitted. */
export const MESSAGES_PER_CALL = 6;

/**
 * The UAC: the caller `[field0]` of the injection file in From and Contact, so every message of a dialog
 * (the UAS copies From into its answers) names its caller.
 */
const UAC_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="lix live probe caller">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[local_ip]:[local_port]>;tag=lix[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=[field0] 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[local_ip]:[local_port]>;tag=lix[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[local_ip]:[local_port]>;tag=lix[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200"/>
</scenario>
`;

export interface SippFiles {
  readonly scenario: string;
  readonly users: string;
}

/**
 * Writes the UAC scenario and an injection file of `users` callers into `dir`, read in order: row i is
 * `target` when i is a multiple of `targetEvery`, else `user<i>`.
 */
export function writeSippFiles(dir: string, target: string, users: number, targetEvery: number): SippFiles {
  const scenario = join(dir, 'uac.xml');
  const csv = join(dir, 'users.csv');
  writeFileSync(scenario, UAC_SCENARIO);
  const rows = ['SEQUENTIAL'];
  for (let i = 0; i < users; i++) rows.push(i % targetEvery === 0 ? `${target};` : `user${i};`);
  writeFileSync(csv, rows.join('\n') + '\n');
  return { scenario, users: csv };
}

/** A SIPp process; `exited` resolves with its exit code (SIPp: 0 all calls passed, 1 some failed). */
export interface Sipp {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Its standard error and output, the last few KiB (for a failure message). */
  output(): string;
}

function run(args: readonly string[]): Sipp {
  const child = spawn('sipp', ['-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => (out = (out + b.toString('utf8')).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((r) => {
    child.once('exit', (code) => r(code));
    child.once('error', () => r(null));
  });
  return { child, exited, output: () => out };
}

/** SIPp's built-in UAS on 127.0.0.1:`port`. Stop it with `child.kill()`. */
export function startSippUas(port: number): Sipp {
  return run(['-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-t', 'u1']);
}

/** The UAC from `files`, from 127.0.0.1:`localPort` to the UAS, `calls` calls at `rate` calls/s. */
export function startSippUac(
  files: SippFiles,
  o: { uasPort: number; localPort: number; rate: number; calls: number; timeoutS: number },
): Sipp {
  return run([
    '-sf',
    files.scenario,
    '-inf',
    files.users,
    '-i',
    '127.0.0.1',
    '-p',
    String(o.localPort),
    '-t',
    'u1',
    '-r',
    String(o.rate),
    '-m',
    String(o.calls),
    '-timeout',
    `${o.timeoutS}s`,
    '-timeout_error',
    // the remote party, the one positional argument
    `127.0.0.1:${o.uasPort}`,
  ]);
}
