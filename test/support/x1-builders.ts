/** Small builders of X1 requests for tests. */
import { randomUUID } from 'node:crypto';
import { encodeRequest } from '../../src/x1/encode.js';
import type {
  DestinationDetails,
  MessageHeader,
  TargetIdentifier,
  TaskDetails,
  X1Request,
} from '../../src/x1/model.js';

export const ADMF = 'admf-1';
export const NE = 'ne-1';

export function header(over: Partial<MessageHeader> = {}): MessageHeader {
  return {
    admfIdentifier: ADMF,
    neIdentifier: NE,
    messageTimestamp: '2026-11-22T10:00:00.000000Z',
    version: 'v1.23.1',
    x1TransactionId: randomUUID(),
    ...over,
  };
}

export const uuid = (): string => randomUUID();

export function task(xid: string, dids: string[], over: Partial<TaskDetails> = {}): TaskDetails {
  const targets: TargetIdentifier[] = [{ kind: 'sipUri', value: 'sip:alice@example.net' }];
  return {
    xId: xid,
    targetIdentifiers: targets,
    deliveryType: 'X2Only',
    listOfDIDs: { dIds: dids, dSIds: [] },
    taskDetailsExtensions: [],
    ...over,
  };
}

export function destination(did: string, over: Partial<DestinationDetails> = {}): DestinationDetails {
  return {
    dId: did,
    friendlyName: 'collector',
    deliveryType: 'X2Only',
    deliveryAddress: { kind: 'uri', value: 'eep+udp://127.0.0.1:9060' },
    destinationDetailsExtensions: [],
    ...over,
  };
}

type Body<T extends X1Request['type']> = Omit<Extract<X1Request, { type: T }>, 'type' | 'header'>;

/** One request message of the given type. */
export function req<T extends X1Request['type']>(
  type: T,
  body: Body<T>,
  h: Partial<MessageHeader> = {},
): X1Request {
  return { type, header: header(h), ...body } as X1Request;
}

export function xml(...messages: X1Request[]): Buffer {
  return Buffer.from(encodeRequest(messages));
}
