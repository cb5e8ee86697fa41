/**
 * Wireshark as the independent judge of the probe's matching (test helper only): which messages of a
 * capture belong to an identity, computed with display filters, and the same per-message tuples read back
 * from the collector's PCAPng. Nothing here uses the probe's parsers.
 *
 * The judge is `sharkd`, tshark's engine as a daemon (same dissectors, same display filters; Debian ships it
 * in wireshark-common, which tshark depends on): one process answers every filter of the test in
 * milliseconds, where one tshark run per filter would cost half a second each.
 *
 * Tuples, one per message, from Wireshark's display strings: SIP `method-or-status CSeq Call-ID`; Diameter
 * `command R|A hop-by-hop end-to-end`; GTPv2-C `message-type sequence`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One message as Wireshark sees it: the frame it ends in and its tuple. */
export interface JudgedMessage {
  readonly frame: number;
  readonly tuple: string;
}

/** sharkd joins the occurrences of a field in a column with commas. */
const OCCURRENCES = ',';
const TUPLE_FIELDS = [
  'sip.Method',
  'sip.Status-Code',
  'sip.CSeq',
  'sip.Call-ID',
  'diameter.cmd.code',
  'diameter.flags.request',
  'diameter.hopbyhopid',
  'diameter.endtoendid',
  'gtpv2.message_type',
  'gtpv2.seq',
] as const;
const SESSION_FIELDS = ['sip.Call-ID', 'diameter.Session-Id', 'gtpv2.seq', 'ip.src', 'ip.dst'] as const;
/** Sender and other F-TEIDs: TEID, interface type (its name says GTP-C or GTP-U), IPv4 address. */
const FTEID_FIELDS = ['gtpv2.f_teid_gre_key', 'gtpv2.f_teid_interface_type', 'gtpv2.f_teid_ipv4'] as const;
const GTPV2_CREATE_SESSION = { request: 32, response: 33 } as const;
const FLAG_SET = 'Set';

interface Row {
  readonly frame: number;
  /** Per column, the occurrences of its field. */
  readonly cells: readonly (readonly string[])[];
}

interface RpcAnswer {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: { readonly message: string };
}

/**
 * A sharkd process on one capture file (JSON-RPC 2.0, one request per line, answered in order). One
 * process per file: sharkd 4.0 lists only as many frames of a second loaded file as the first one had.
 */
export class Sharkd {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, (a: RpcAnswer) => void>();
  private nextId = 1;
  private readonly loaded: Promise<unknown>;

  constructor(readonly file: string) {
    this.proc = spawn('sharkd', ['-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.resume();
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const a = JSON.parse(line) as RpcAnswer;
      this.pending.get(a.id)?.(a);
      this.pending.delete(a.id);
    });
    const fail = (why: string) => {
      for (const answer of this.pending.values()) answer({ id: 0, error: { message: why } });
      this.pending.clear();
    };
    this.proc.on('error', (e) => fail(e.message));
    this.proc.on('exit', (code) => fail(`sharkd exited (${code})`));
    this.loaded = this.call('load', { file });
  }

  private call(method: string, params: Record<string, string>): Promise<unknown> {
    const id = this.nextId++;
    const answer = new Promise<RpcAnswer>((resolve) => this.pending.set(id, resolve));
    this.proc.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    return answer.then((a) => {
      if (a.error) throw new Error(`sharkd ${method} ${JSON.stringify(params)}: ${a.error.message}`);
      return a.result;
    });
  }

  /** The frames that `filter` selects, with the occurrences of `fields` in each. */
  async frames(filter: string, fields: readonly string[]): Promise<Row[]> {
    await this.loaded;
    const params: Record<string, string> = { filter };
    fields.forEach((f, i) => (params[`column${i}`] = `${f}:0`));
    const result = (await this.call('frames', params)) as { num: number; c: string[] }[];
    return result.map((r) => ({
      frame: r.num,
      cells: fields.map((_, i) => (r.c[i] === '' || r.c[i] === undefined ? [] : r.c[i]!.split(OCCURRENCES))),
    }));
  }

  close(): void {
    this.proc.stdin.end();
  }
}

/** Zips parallel occurrence lists; they must be as long as each other (one value per message). */
function zip(frame: number, what: string, cols: readonly (readonly string[])[]): string[][] {
  const n = cols[0]!.length;
  if (cols.some((c) => c.length !== n)) throw new Error(`frame ${frame}: ${what} fields do not line up`);
  return Array.from({ length: n }, (_, i) => cols.map((c) => c[i]!));
}

/** The messages of one row of {@link TUPLE_FIELDS}: a frame may hold several Diameter messages. */
function messagesOfRow({ frame, cells }: Row): JudgedMessage[] {
  const [method, status, cseq, callId, cmd, req, hbh, e2e, type, seq] = cells;
  const out: JudgedMessage[] = [];
  if ((callId ?? []).length > 1) throw new Error(`frame ${frame}: several SIP messages in one frame`);
  if (callId?.length === 1) {
    const startLine = method?.[0] ?? status?.[0] ?? '?';
    out.push({ frame, tuple: `SIP ${startLine} ${cseq?.[0] ?? '?'} ${callId[0]!}` });
  }
  for (const [c, r, h, e] of zip(frame, 'Diameter', [cmd ?? [], req ?? [], hbh ?? [], e2e ?? []])) {
    out.push({ frame, tuple: `DIA ${c} ${r === FLAG_SET ? 'R' : 'A'} ${h} ${e}` });
  }
  for (const [t, s] of zip(frame, 'GTPv2', [type ?? [], seq ?? []]))
    out.push({ frame, tuple: `GTP ${t} ${s}` });
  return out;
}

/**
 * Every SIP, Diameter and GTPv2-C message of the frames `filter` selects in the judge's file, in frame
 * order. Frames are the unit of display filters: a frame bundling several messages (SCTP) could hold one of
 * another session, so such a frame fails the test rather than be guessed at (the samples have none).
 */
async function judgedMessages(judge: Sharkd, filter: string): Promise<JudgedMessage[]> {
  const rows = await judge.frames(`(${filter}) && (sip || diameter || gtpv2)`, TUPLE_FIELDS);
  return rows.flatMap((row) => {
    const msgs = messagesOfRow(row);
    if (msgs.length > 1) throw new Error(`${judge.file} frame ${row.frame}: ${msgs.length} messages`);
    return msgs;
  });
}

/**
 * Every packet of a collector file as one message tuple; a packet that Wireshark does not read as exactly
 * one SIP, Diameter or GTPv2-C message fails the test (the collector writes one message per packet).
 */
export async function collectedMessages(file: string): Promise<string[]> {
  const judge = new Sharkd(file);
  const rows = await judge.frames('frame', TUPLE_FIELDS).finally(() => judge.close());
  return rows.map((row) => {
    const msgs = messagesOfRow(row);
    if (msgs.length !== 1) throw new Error(`${file} packet ${row.frame}: ${msgs.length} messages`);
    return msgs[0]!.tuple;
  });
}

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
/** `0x0002a100 (172288)` → `0x0002a100`. */
const firstWord = (s: string) => s.split(' ')[0]!;

/**
 * The GTP tunnel a Create Session Request starts: the request and its response (same sequence number
 * between the same two addresses) and every message sent to a GTP-C TEID either side allocated in them
 * (F-TEIDs of a GTP-C interface type, TS 29.274 Table 8.22-1; TEID 0 is none yet, §5.5.2).
 */
async function gtpTunnel(judge: Sharkd, seq: string, src: string, dst: string): Promise<string> {
  const pair = `gtpv2.seq == ${seq} && ip.addr == ${src} && ip.addr == ${dst}`;
  const C = GTPV2_CREATE_SESSION;
  const created = `${pair} && (gtpv2.message_type == ${C.request} || gtpv2.message_type == ${C.response})`;
  const rows = await judge.frames(created, FTEID_FIELDS);
  const teids = rows.flatMap(({ frame, cells }) =>
    zip(frame, 'F-TEID', cells)
      .filter(([teid, type]) => type!.includes('GTP-C') && Number(firstWord(teid!)) !== 0)
      .map(([teid, , addr]) => `gtpv2.teid == ${firstWord(teid!)} && ip.dst == ${addr}`),
  );
  if (teids.length < 2)
    throw new Error(`${judge.file}: no GTP-C F-TEIDs either side of Create Session ${seq}`);
  return [pair, ...teids].map((c) => `(${c})`).join(' || ');
}

/** Display filters naming the sessions of the messages `identity` selects, with the first such frame. */
async function sessionsOf(judge: Sharkd, identity: string): Promise<Map<string, number>> {
  const rows = await judge.frames(identity, [...SESSION_FIELDS, 'gtpv2.message_type']);
  const sessions = new Map<string, number>();
  const add = (filter: string, first: number) => {
    if (!sessions.has(filter)) sessions.set(filter, first);
  };
  for (const { frame, cells } of rows) {
    const [callIds, sids, seqs, src, dst, types] = cells;
    for (const c of callIds ?? []) add(`sip.Call-ID == ${quote(c)}`, frame);
    for (const s of sids ?? []) add(`diameter.Session-Id == ${quote(s)}`, frame);
    if ((types ?? []).length === 0) continue;
    if (types?.length !== 1 || types[0] !== 'Create Session Request')
      throw new Error(
        `frame ${frame}: the identity is in a GTPv2-C message other than Create Session Request`,
      );
    const [seq, a, b] = [seqs?.[0], src?.[0], dst?.[0]];
    if (seq === undefined || a === undefined || b === undefined)
      throw new Error(`frame ${frame}: GTPv2-C over IPv4 only`);
    add(await gtpTunnel(judge, firstWord(seq), a, b), frame);
  }
  return sessions;
}

/**
 * The messages that belong to `identity` (a display filter selecting the messages that carry it): every
 * message of the sessions those messages are in (SIP Call-ID, Diameter Session-Id, GTP tunnel), from the
 * first message that carries the identity on (a probe cannot deliver what went by before it matched).
 */
export async function expectedMessages(judge: Sharkd, identity: string): Promise<JudgedMessage[]> {
  const sessions = await sessionsOf(judge, identity);
  if (sessions.size === 0) return [];
  const filter = [...sessions].map(([s, first]) => `((${s}) && frame.number >= ${first})`).join(' || ');
  return judgedMessages(judge, filter);
}
