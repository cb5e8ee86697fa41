/**
 * tshark as the independent judge of a SIP capture (test helper only): one row per SIP message with its
 * Call-ID, CSeq, method or status and the user part of From, in capture order. Nothing here uses lix's
 * parsers.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One SIP message as Wireshark reads it. */
export interface SipRow {
  readonly callId: string;
  /** `INVITE 1`, `180 1`, `BYE 2`: the method or status code, and the CSeq number. */
  readonly step: string;
  readonly fromUser: string;
}

const FIELDS = ['sip.Call-ID', 'sip.CSeq.seq', 'sip.Method', 'sip.Status-Code', 'sip.from.user'] as const;

/**
 * The SIP messages of a large capture, read by `parts` tshark processes at once (one per core): editcap
 * cuts the file into consecutive pieces of `packets / parts` packets. Same rows as {@link sipRows}.
 */
export async function sipRowsInParallel(
  file: string,
  packets: number,
  udpPort: number,
  parts: number,
): Promise<SipRow[]> {
  const stem = join(dirname(file), `${basename(file)}.part`);
  await run('editcap', ['-c', String(Math.ceil(packets / parts)), file, `${stem}.pcap`]);
  const pieces = readdirSync(dirname(file))
    .filter((f) => f.startsWith(basename(stem)))
    .sort()
    .map((f) => join(dirname(file), f));
  const rows = await Promise.all(pieces.map((p) => sipRows([p], udpPort)));
  return rows.flat();
}

/** The SIP messages of the capture files, in order (files in the order given), SIP decoded on `udpPort`. */
export async function sipRows(files: readonly string[], udpPort: number): Promise<SipRow[]> {
  const rows: SipRow[] = [];
  for (const file of files) {
    // SDP is not needed and costs tshark most of its time (it sets up an RTP conversation per offer).
    const args = ['-r', file, '-n', '--disable-protocol', 'sdp', '-d', `udp.port==${udpPort},sip`];
    args.push('-Y', 'sip', '-T', 'fields');
    for (const f of FIELDS) args.push('-e', f);
    args.push('-E', 'separator=/t', '-E', 'occurrence=f');
    const { stdout } = await run('tshark', args, { maxBuffer: 1 << 30 });
    for (const line of stdout.split('\n')) {
      if (line === '') continue;
      const [callId = '', cseq = '', method = '', status = '', fromUser = ''] = line.split('\t');
      rows.push({ callId, step: `${method || status} ${cseq}`, fromUser });
    }
  }
  return rows;
}

/** The rows grouped by Call-ID, each dialog's steps in capture order. */
export function dialogs(rows: readonly SipRow[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const d = out.get(r.callId);
    if (d) d.push(r.step);
    else out.set(r.callId, [r.step]);
  }
  return out;
}
