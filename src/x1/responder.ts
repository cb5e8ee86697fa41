/**
 * The one X1 responder loop (TS 103 221-1 clause 6.1): decode a request container, answer a container that
 * cannot be read with the top-level error, and every message on its own: a message that failed to decode
 * gets its error response, a decoded one passes the peer's identity check and goes to its handler, and any
 * failure there becomes that message's error response. The NE (requests from the ADMF) and the ADMF
 * (reports from NEs) differ only in the hooks. No I/O here: the hooks do it.
 */
import type { X1Codec } from './codec.js';
import type { MessageResult } from './decode.js';
import { encodeResponse, encodeTopLevelError } from './encode.js';
import {
  collectChunks,
  encodeResponseChunks,
  hasStreamed,
  type Piece,
  type ResponseMessageOut,
  type StreamedResponseMessage,
} from './encode-stream.js';
import { X1Error } from './errors.js';
import { requestMessageTypeOf, type X1Request } from './model.js';
import { errorFrom, errorResponse, topLevelError, type ResponderIdentity } from './responses.js';

/** A message that failed to decode, with what could be read of it. */
export type RefusedMessage = Extract<MessageResult<X1Request>, { ok: false }>;

/** An answer to one message: a response, one already encoded, or one written in pieces (bulk answers). */
export type MessageAnswer = ResponseMessageOut;

/** What goes back to the peer: one string, or pieces when an answer is written in pieces. */
export type ResponseBody = string | AsyncIterable<Piece>;

export interface X1ResponderHooks<S> {
  readonly codec: X1Codec;
  readonly me: ResponderIdentity;
  /** State shared by the messages of one container (e.g. the NE's TIME1 deadline). */
  begin(): S;
  /** Throws an {@link X1Error} when the message's identifiers do not fit the peer or this responder. */
  checkIdentity(m: X1Request, peer: string | undefined): void | Promise<void>;
  /** Handles one decoded message whose identity passed. */
  dispatch(m: X1Request, peer: string | undefined, state: S): Promise<MessageAnswer>;
  /** The container could not be read, or is not a request container. */
  containerRefused(why: string, root: string | undefined, peer: string | undefined): void;
  /** One message failed to decode (it is answered with its error). */
  messageRefused(r: RefusedMessage): void;
  /**
   * The identity check or the handler failed (an {@link X1Error} is answered with its kind; anything else
   * with GenericFailure and `internalError`, the text that tells the peer where to look).
   */
  messageFailed(m: X1Request, err: unknown): void | Promise<void>;
  readonly internalError: string;
}

/** One answered message, for metrics: its request type, `ok` or `error`, and how long it took. */
export type RequestObserver = (type: string, outcome: 'ok' | 'error', seconds: number) => void;

/** Answers X1 request bodies through the given hooks. */
export class X1Responder<S> {
  /** Told of every message answered (`container` for a container refused whole). */
  observer: RequestObserver | undefined;

  constructor(private readonly h: X1ResponderHooks<S>) {}

  /** Answers one HTTP body as one string. Never throws: every failure becomes an X1 error response. */
  async respond(body: Uint8Array, peer: string | undefined): Promise<string> {
    const out = await this.respondInPieces(body, peer);
    return typeof out === 'string' ? out : collectChunks(out);
  }

  /**
   * Answers one HTTP body; bulk answers come in pieces (the caller reads them all, or calls `return()` on the
   * iterator, so that their snapshots are released). Never throws.
   */
  async respondInPieces(body: Uint8Array, peer: string | undefined): Promise<ResponseBody> {
    const { h } = this;
    const state = h.begin();
    let doc;
    try {
      doc = h.codec.decode(body);
    } catch (err) {
      h.containerRefused(err instanceof Error ? err.message : String(err), undefined, peer);
      this.observer?.('container', 'error', 0);
      return encodeTopLevelError(topLevelError(h.me));
    }
    if (doc.root !== 'X1Request') {
      h.containerRefused('not a request container', doc.root, peer);
      this.observer?.('container', 'error', 0);
      return encodeTopLevelError(topLevelError(h.me));
    }
    const out: MessageAnswer[] = [];
    for (const r of doc.results) {
      if (r.ok) {
        const started = performance.now();
        const answer = await this.one(r.message, peer, state);
        const outcome = 'type' in answer && answer.type === 'ErrorResponse' ? 'error' : 'ok';
        this.observer?.(r.message.type, outcome, (performance.now() - started) / 1000);
        out.push(answer);
      } else {
        h.messageRefused(r);
        // Not its xsi:type: a label the peer chooses would let it grow the series without bound.
        this.observer?.('undecodable', 'error', 0);
        out.push(errorFrom(h.me, r.header, r.requestMessageType, r.error));
      }
    }
    if (!hasStreamed(out)) return encodeResponse(out as Exclude<MessageAnswer, StreamedResponseMessage>[]);
    return encodeResponseChunks(out);
  }

  private async one(m: X1Request, peer: string | undefined, state: S): Promise<MessageAnswer> {
    const { h } = this;
    try {
      await h.checkIdentity(m, peer);
      return await h.dispatch(m, peer, state);
    } catch (err) {
      await h.messageFailed(m, err);
      const rmt = requestMessageTypeOf(m.type);
      return err instanceof X1Error
        ? errorFrom(h.me, m.header, rmt, err)
        : errorResponse(h.me, m.header, rmt, 'GenericFailure', h.internalError);
    }
  }
}
