/**
 * An STM consumer for tests of delivery: a real TCP server on loopback that de-frames EEP (HEP3) reports and
 * keeps them in arrival order, with the connection each came on. It can stall (stop reading, so the sender's
 * socket and then its queue fill up) and resume.
 */
import { createServer, type Socket } from 'node:net';
import { decodeEep, EepDeframer } from '../../src/stm/eep.js';

export interface ConsumedReport {
  readonly xid: string | undefined;
  readonly payload: Uint8Array;
  readonly srcAddress: string | undefined;
  readonly dstAddress: string | undefined;
  /** EEP captured-protocol type (EEP_PROTOCOL_TYPES). */
  readonly protocolType: number | undefined;
  /** Which accepted connection carried it (0, 1, ... in accept order). */
  readonly connection: number;
}

export interface EepConsumer {
  readonly uri: string;
  readonly reports: ConsumedReport[];
  /** Connections accepted so far. */
  connections(): number;
  /** Stops reading every connection (and those accepted later) until {@link resume}. */
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startEepConsumer(): Promise<EepConsumer> {
  const reports: ConsumedReport[] = [];
  const sockets: Socket[] = [];
  let stalled = false;
  const server = createServer((socket) => {
    const connection = sockets.length;
    sockets.push(socket);
    if (stalled) socket.pause();
    const deframer = new EepDeframer();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const r of deframer.push(chunk)) {
        if (!r.ok) throw new Error(`consumer got a malformed EEP frame: ${r.error.message}`);
        const m = decodeEep(r.frame);
        reports.push({
          xid: m.correlationId,
          payload: m.payload ?? new Uint8Array(0),
          srcAddress: m.srcAddress,
          dstAddress: m.dstAddress,
          protocolType: m.protocolType,
          connection,
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    uri: `eep+tcp://127.0.0.1:${address.port}`,
    reports,
    connections: () => sockets.length,
    stall() {
      stalled = true;
      for (const s of sockets) s.pause();
    },
    resume() {
      stalled = false;
      for (const s of sockets) s.resume();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
