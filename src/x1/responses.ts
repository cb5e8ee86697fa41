/**
 * Building X1 responses (TS 103 221-1 clause 6.1.2, 6.4): headers that echo the request's identifiers and
 * transaction ID, error responses from {@link X1Error} kinds through the configured profile, and the
 * top-level error. Used by both responders, the NE's and the ADMF's report receiver.
 */
import { formatTimestamp } from './simple-types.js';
import type { X1Error } from './errors.js';
import { codeFor, type ErrorKind, type ErrorProfile } from './errors.js';
import type {
  ErrorResponse,
  MessageHeader,
  OkResponse,
  OkResponseType,
  OkValue,
  RequestMessageType,
  TopLevelErrorResponse,
} from './model.js';

/** Used when a failed message carried no readable transaction ID (the schema needs one). */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Who answers: the identifiers that fill a header the request did not carry, the schema version and the
 * error-code profile. At the ADMF `neId` is empty (it answers many NEs; a readable request header is echoed).
 */
export interface ResponderIdentity {
  readonly neId: string;
  readonly admfId: string;
  readonly version: string;
  readonly profile: ErrorProfile;
  nowMicros(): bigint;
}

export function responseHeader(me: ResponderIdentity, req: Partial<MessageHeader>): MessageHeader {
  return {
    admfIdentifier: req.admfIdentifier ?? me.admfId,
    neIdentifier: req.neIdentifier ?? me.neId,
    messageTimestamp: formatTimestamp(me.nowMicros()),
    version: me.version,
    x1TransactionId: req.x1TransactionId ?? NIL_UUID,
  };
}

export function okResponse(
  me: ResponderIdentity,
  req: MessageHeader,
  type: OkResponseType,
  oK: OkValue,
): OkResponse {
  return { type, header: responseHeader(me, req), oK };
}

export function errorResponse(
  me: ResponderIdentity,
  req: Partial<MessageHeader>,
  requestMessageType: RequestMessageType | undefined,
  kind: ErrorKind,
  description: string,
): ErrorResponse {
  return {
    type: 'ErrorResponse',
    header: responseHeader(me, req),
    requestMessageType: requestMessageType ?? 'ExtendedRequestMessageType',
    errorInformation: { errorCode: codeFor(me.profile, kind), errorDescription: description },
  };
}

export function errorFrom(
  me: ResponderIdentity,
  req: Partial<MessageHeader>,
  requestMessageType: RequestMessageType | undefined,
  err: X1Error,
): ErrorResponse {
  return errorResponse(me, req, requestMessageType, err.kind, err.message);
}

export function topLevelError(me: ResponderIdentity): TopLevelErrorResponse {
  return {
    admfIdentifier: me.admfId,
    neIdentifier: me.neId,
    messageTimestamp: formatTimestamp(me.nowMicros()),
    version: me.version,
  };
}
