/**
 * `lix stm send`: sends a SIP message, or every UDP/TCP payload of a capture, as STM reports to a destination
 * URI. `lix stm decode`: prints the STM reports (EEP or GRE-PCAPng) found in a capture or received live.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { COLLECTOR_DEFAULTS, startCollector } from '../collector/collector.js';
import type { CollectedReport } from '../stm/report-decode.js';
import { newUuid } from '../lib/ids.js';
import { createLogger } from '../lib/logger.js';
import { findReports, type FoundReports } from '../collector/capture-scan.js';
import { EEP_PROTOCOL_TYPES } from '../stm/eep.js';
import { ipOfFrame, ipVersionOf, parseIpPacket, PACKET } from '../stm/packet.js';
import { readPackets } from '../stm/pcapng.js';
import type { StmReport } from '../stm/report.js';
import { createStmSender, type StmSender } from '../transport/stm-sender.js';
import { addTlsOptions, dtlsSummary, positiveNumber, tlsFromFlags } from './collector.js';
import { jsonOption, printRecord } from './output.js';

interface SendFlags {
  to: string;
  pcap?: string;
  sip?: string;
  xid?: string;
  ne: string;
  src: string;
  dst: string;
  tlsDir?: string;
  id?: string;
  cert?: string;
  key?: string;
  ca?: string;
  json?: boolean;
  wait: number;
}

/** Well-known ports → EEP protocol type (SIP otherwise). */
const PORT_PROTOCOL: Readonly<Record<number, number>> = {
  3868: EEP_PROTOCOL_TYPES.diameter,
  2123: EEP_PROTOCOL_TYPES.gtpv2c,
};

function protocolTypeOf(sport: number, dport: number): number {
  return PORT_PROTOCOL[dport] ?? PORT_PROTOCOL[sport] ?? EEP_PROTOCOL_TYPES.sip;
}

function hostPort(text: string, what: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!m) throw new Error(`${what} must be HOST:PORT, not ${text}`);
  return { host: m[1]!, port: Number(m[2]) };
}

const nowMicros = () => BigInt(Date.now()) * 1000n;

function sipReports(f: SendFlags, xid: string): StmReport[] {
  const src = hostPort(f.src, '--src');
  const dst = hostPort(f.dst, '--dst');
  return [
    {
      xid,
      neId: f.ne,
      timestampMicros: nowMicros(),
      ipVersion: ipVersionOf(src.host),
      ipProtocol: PACKET.udp,
      srcAddress: src.host,
      dstAddress: dst.host,
      srcPort: src.port,
      dstPort: dst.port,
      protocolType: EEP_PROTOCOL_TYPES.sip,
      payload: new Uint8Array(readFileSync(f.sip!)),
    },
  ];
}

/** One report per UDP/TCP packet with a payload; counts what was skipped and why. */
function pcapReports(file: string, xid: string, ne: string): { reports: StmReport[]; skipped: number } {
  const reports: StmReport[] = [];
  let skipped = 0;
  try {
    for (const p of readPackets(readFileSync(file))) {
      const ip = ipOfFrame(p.linkType, p.data);
      let parsed;
      try {
        parsed = ip && parseIpPacket(ip);
      } catch {
        parsed = undefined;
      }
      const l4 = parsed?.ipProtocol === PACKET.udp || parsed?.ipProtocol === PACKET.tcp;
      if (!parsed || !ip || !l4 || parsed.fragment || parsed.payload.length === 0) {
        skipped++;
        continue;
      }
      reports.push({
        xid,
        neId: ne,
        timestampMicros: p.timestampMicros,
        ipVersion: parsed.ipVersion,
        ipProtocol: parsed.ipProtocol,
        srcAddress: parsed.srcAddress,
        dstAddress: parsed.dstAddress,
        srcPort: parsed.srcPort,
        dstPort: parsed.dstPort,
        protocolType: protocolTypeOf(parsed.srcPort, parsed.dstPort),
        payload: parsed.payload,
        ipPacket: ip,
      });
    }
  } catch (e) {
    console.error(
      `lix stm send: ${file}: ${e instanceof Error ? e.message : String(e)} (sending what was read)`,
    );
  }
  return { reports, skipped };
}

async function send(f: SendFlags): Promise<void> {
  if (!f.pcap === !f.sip) throw new Error('give exactly one of --pcap FILE and --sip FILE');
  const xid = f.xid ?? newUuid();
  const tls = tlsFromFlags(f);
  const { reports, skipped } = f.sip
    ? { reports: sipReports(f, xid), skipped: 0 }
    : pcapReports(f.pcap!, xid, f.ne);
  const logger = createLogger({ name: 'stm-send', level: process.env.LIX_LOG_LEVEL ?? 'warn' });
  const sender: StmSender = createStmSender(f.to, { logger, ...(tls && { tls }) });
  for (const r of reports) sender.send(r);
  // The senders' timers do not hold the process (the NE's must not); while this command waits for delivery,
  // something must, or a refused handshake would leave nothing alive and the process would end with status 0.
  const hold = setInterval(() => undefined, 60_000);
  const drained = await (sender.drain?.(f.wait * 1000) ?? Promise.resolve(true)).finally(() =>
    clearInterval(hold),
  );
  await sender.close();
  const c = sender.counters;
  if (f.json) {
    const { sent, queued, dropped, tooLarge, errors } = c;
    printRecord({ xid, reports: reports.length, sent, queued, dropped, tooLarge, errors, skipped }, true);
  } else
    console.log(
      `xid ${xid}: ${reports.length} report(s), sent ${c.sent}, queued ${c.queued}, dropped ${c.dropped}, ` +
        `too large ${c.tooLarge}, errors ${c.errors}, skipped packets ${skipped}`,
    );
  if (!drained || c.sent < reports.length) process.exitCode = 1;
}

/** One report as a text line or a JSON object. */
export function describeReport(r: CollectedReport, json: boolean): string {
  const first = r.packets[0];
  let pkt;
  try {
    pkt =
      first && ipOfFrame(first.linkType, first.data)
        ? parseIpPacket(ipOfFrame(first.linkType, first.data)!)
        : undefined;
  } catch {
    pkt = undefined;
  }
  const e = r.eep;
  const src = e?.srcAddress ?? pkt?.srcAddress;
  const dst = e?.dstAddress ?? pkt?.dstAddress;
  const sport = e?.srcPort ?? pkt?.srcPort;
  const dport = e?.dstPort ?? pkt?.dstPort;
  const payload = e?.payload ?? pkt?.payload ?? new Uint8Array(0);
  const time = new Date(Number(r.timestampMicros / 1000n)).toISOString();
  if (json) {
    return JSON.stringify({
      time,
      encoding: r.encoding,
      protocolId: e?.protocolId,
      from: r.remote,
      src,
      srcPort: sport,
      dst,
      dstPort: dport,
      ipProtocol: e?.ipProtocol ?? pkt?.ipProtocol,
      protocolType: e?.protocolType,
      captureAgentId: e?.captureAgentId,
      xid: r.xid,
      ne: r.neId,
      sequence: r.sequence,
      eventType: e?.eventType,
      payloadLength: payload.length,
      payload: Buffer.from(payload).toString('utf8'),
    });
  }
  const firstLine = Buffer.from(payload.subarray(0, 120)).toString('latin1').split(/\r?\n/)[0];
  return (
    `${time} ${e?.protocolId ?? 'GRE-PCAPng'} ${src}:${sport} -> ${dst}:${dport} ` +
    `type=${e?.protocolType ?? '-'} xid=${r.xid ?? '-'} ne=${r.neId ?? '-'} seq=${r.sequence ?? '-'} ` +
    `len=${payload.length} | ${firstLine}`
  );
}

function printFound(found: FoundReports, json: boolean): void {
  for (const r of found.reports) console.log(describeReport(r, json));
  const summary = `${found.reports.length} report(s), ${found.malformed} malformed, ${found.packets} packet(s) read`;
  if (json) console.error(summary);
  else console.log(summary);
  if (found.error) console.error(`capture damaged: ${found.error}`);
}

interface DecodeFlags {
  pcap?: string;
  listen?: string;
  json?: boolean;
  grePort: string;
  tlsDir?: string;
  id?: string;
  cert?: string;
  key?: string;
  ca?: string;
  allowProducer?: string[];
}

async function decodeLive(uri: string, f: DecodeFlags): Promise<void> {
  const json = f.json ?? false;
  const logger = createLogger({ name: 'stm-decode', level: process.env.LIX_LOG_LEVEL ?? 'warn' });
  const tls = tlsFromFlags(f);
  if (/^(eep|gre-pcapng)\+(tls|dtls):/i.test(uri) && !tls)
    throw new Error(`${uri} needs the TLS options (--tls-dir DIR --id ID, or --cert/--key/--ca)`);
  const c = await startCollector({
    listen: [uri],
    logger,
    ...(tls && { tls }),
    ...(f.allowProducer && { allowProducers: f.allowProducer }),
    onReport: (r) => console.log(describeReport(r, json)),
  });
  for (const u of c.listeners) console.error(`listening on ${u.text}`);
  const stop = async () => {
    await c.stop();
    const s = c.stats();
    const t = s.totals;
    console.error(`${t.decoded} report(s), ${t.malformed} malformed, ${t.lost} lost, ${t.refused} refused`);
    if (s.dtls) console.error(dtlsSummary(s.dtls));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

export function registerStmCommands(program: Command): void {
  const stm = program.command('stm').description('send and decode STM reports (EEP/HEP3, GRE-PCAPng)');
  const sendCmd = stm
    .command('send')
    .description('send a SIP message, or every UDP/TCP payload of a pcap/pcapng capture, as STM reports')
    .requiredOption(
      '--to <uri>',
      'destination: eep+udp|eep+tcp|eep+tls|eep+dtls|eep+sctp://HOST:PORT[?identity=ID][&mtu=N], ' +
        'gre-pcapng+udp://HOST, gre-pcapng+dtls://HOST:PORT',
    )
    .option('--pcap <file>', 'capture (pcap or pcapng; Ethernet, Linux SLL/SLL2 or raw IP)')
    .option('--sip <file>', 'a SIP message (sent as captured UDP between --src and --dst)')
    .option('--xid <uuid>', 'XID (correlation ID) of the reports (default: a new UUID)')
    .option('--ne <id>', 'NE identifier (node name)', 'lix-cli')
    .option('--src <host:port>', '--sip: captured source', '192.0.2.1:5060')
    .option('--dst <host:port>', '--sip: captured destination', '192.0.2.2:5060');
  addTlsOptions(sendCmd, 'producer')
    .option(
      '--wait <seconds>',
      'stream transports: how long to wait for delivery',
      positiveNumber('--wait'),
      10,
    )
    .addOption(jsonOption())
    .action(async (f: SendFlags) => {
      try {
        await send(f);
      } catch (e) {
        console.error(`lix stm send: ${e instanceof Error ? e.message : String(e)}`);
        process.exitCode = 2;
      }
    });
  const decodeCmd = stm
    .command('decode')
    .description('print STM reports found in a capture of UDP/TCP traffic, or received live on a listen URI')
    .option('--pcap <file>', 'capture to read (pcap or pcapng)')
    .option(
      '--listen <uri>',
      'listen URI (e.g. eep+udp://127.0.0.1:9060, eep+dtls://127.0.0.1:9061 with the TLS options); runs until SIGINT',
    )
    .option('--gre-port <port>', 'UDP port of GRE-PCAPng in a capture', String(COLLECTOR_DEFAULTS.grePort));
  addTlsOptions(decodeCmd, 'consumer')
    .addOption(jsonOption())
    .action(async (f: DecodeFlags) => {
      try {
        if (!f.pcap === !f.listen) throw new Error('give exactly one of --pcap FILE and --listen URI');
        if (f.listen) return await decodeLive(f.listen, f);
        printFound(findReports(readFileSync(f.pcap!), Number(f.grePort)), f.json ?? false);
      } catch (e) {
        console.error(`lix stm decode: ${e instanceof Error ? e.message : String(e)}`);
        process.exitCode = 2;
      }
    });
}
