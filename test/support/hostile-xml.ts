/**
 * The hostile-XML corpus: inputs an attacker or a broken peer may send, each with the X1 error kind lix must
 * answer. Used by the codec tests and, over HTTPS, by the NE tests.
 */
import type { ErrorKind } from '../../src/x1/errors.js';

const NS = 'http://uri.etsi.org/03221/X1/2017/10';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export interface HostileCase {
  readonly name: string;
  readonly body: Uint8Array;
  readonly kind: ErrorKind;
  /** True when the whole container is refused (top-level error); false when one message fails. */
  readonly containerLevel: boolean;
  /** A fragment of the reason the error must mention. */
  readonly reason: RegExp;
}

export interface PingParts {
  readonly admf?: string;
  readonly ne?: string;
  readonly timestamp?: string;
  readonly version?: string;
  readonly tid?: string;
}

/** A valid PingRequest document with overridable header fields. */
export function pingXml(p: PingParts = {}): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<x1:X1Request xmlns:x1="${NS}" xmlns:xsi="${XSI}">\n` +
    `<x1:x1RequestMessage xsi:type="x1:PingRequest">\n` +
    `<x1:admfIdentifier>${p.admf ?? 'admf-1'}</x1:admfIdentifier>\n` +
    `<x1:neIdentifier>${p.ne ?? 'ne-1'}</x1:neIdentifier>\n` +
    `<x1:messageTimestamp>${p.timestamp ?? '2026-11-22T10:00:00.000000Z'}</x1:messageTimestamp>\n` +
    `<x1:version>${p.version ?? 'v1.23.1'}</x1:version>\n` +
    `<x1:x1TransactionId>${p.tid ?? '3741800e-971b-4aa9-85f4-466d2b1adc7f'}</x1:x1TransactionId>\n` +
    `</x1:x1RequestMessage>\n</x1:X1Request>\n`
  );
}

const enc = (s: string) => new TextEncoder().encode(s);
const ping = pingXml();
const pingBody = ping.replace(/^<\?xml[^>]*>\n/, '');

function withDoctype(doctype: string, body: string): string {
  return `<?xml version="1.0"?>\n${doctype}\n${body}`;
}

function nested(depth: number): string {
  return `<x1:X1Request xmlns:x1="${NS}">${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</x1:X1Request>`;
}

function manyAttributes(n: number): string {
  const attrs = Array.from({ length: n }, (_, i) => ` a${i}="v"`).join('');
  return `<x1:X1Request xmlns:x1="${NS}"${attrs}/>`;
}

export function hostileCases(): HostileCase[] {
  const c = (
    name: string,
    body: string | Uint8Array,
    kind: ErrorKind,
    containerLevel: boolean,
    reason: RegExp,
  ) => ({
    name,
    body: typeof body === 'string' ? enc(body) : body,
    kind,
    containerLevel,
    reason,
  });
  const bad = (name: string, body: string | Uint8Array, reason: RegExp) =>
    c(name, body, 'SchemaInvalid', true, reason);
  const laughs =
    '<!DOCTYPE lolz [<!ENTITY lol "lol">' +
    Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
    ).join('') +
    ']>';
  const quadratic = `<!DOCTYPE q [<!ENTITY x "${'x'.repeat(50_000)}">]>`;
  return [
    bad(
      'XXE file',
      withDoctype(
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        pingBody.replace('admf-1', '&x;'),
      ),
      /DOCTYPE/,
    ),
    bad(
      'XXE network',
      withDoctype(
        '<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:1/x">]>',
        pingBody.replace('admf-1', '&x;'),
      ),
      /DOCTYPE/,
    ),
    bad(
      'parameter-entity XXE',
      withDoctype('<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', pingBody),
      /DOCTYPE/,
    ),
    bad('billion laughs', withDoctype(laughs, pingBody.replace('admf-1', '&lol9;')), /DOCTYPE/),
    bad(
      'quadratic blow-up',
      withDoctype(quadratic, pingBody.replace('admf-1', '&x;'.repeat(10_000))),
      /DOCTYPE/,
    ),
    bad('undeclared entity', pingBody.replace('admf-1', '&x;'), /undefined entity/),
    bad('100,000-deep nesting', nested(100_000), /nesting deeper|larger than/),
    bad(
      '20 MB attribute',
      `<x1:X1Request xmlns:x1="${NS}" a="${'A'.repeat(20 * 2 ** 20)}"/>`,
      /larger than|longer than/,
    ),
    bad('100,000 attributes', manyAttributes(100_000), /attributes|larger than/),
    bad(
      'invalid UTF-8',
      Uint8Array.from([...enc(ping.slice(0, 200)), 0xff, 0xfe, ...enc(ping.slice(200))]),
      /UTF-8/,
    ),
    bad(
      'overlong UTF-8',
      Uint8Array.from([...enc(ping.slice(0, 200)), 0xc0, 0xaf, ...enc(ping.slice(200))]),
      /UTF-8/,
    ),
    bad('&#0;', pingBody.replace('admf-1', 'admf&#0;'), /not an XML character/),
    bad('raw control character', pingBody.replace('admf-1', 'admf\u0001'), /invalid character/),
    bad('whitespace before the XML declaration', ` ${ping}`, /XML declaration/),
    bad('two roots', `${ping}${pingBody}`, /more than one root/),
    bad('trailing garbage', `${ping}garbage`, /content after root/),
    bad(
      'unbound prefix',
      pingBody.replaceAll('x1:', 'y1:').replace(`xmlns:y1="${NS}"`, ''),
      /unbound prefix/,
    ),
    bad(
      'wrong namespace',
      ping.replace(NS, 'http://uri.etsi.org/03221/X1/2099/01'),
      /not in the X1 namespace/,
    ),
    bad('empty body', '', /no root/),
    bad('not XML at all', 'GET / HTTP/1.1\r\n\r\n', /content before root/),
    bad('__proto__ root', `<__proto__ xmlns="${NS}"/>`, /unknown root/),
    c(
      '__proto__ element',
      ping.replace('<x1:version>', '<x1:__proto__/><x1:version>'),
      'SchemaInvalid',
      false,
      /__proto__/,
    ),
    c(
      'constructor element',
      ping.replace('<x1:version>', '<x1:constructor>x</x1:constructor><x1:version>'),
      'SchemaInvalid',
      false,
      /constructor/,
    ),
    c(
      'upper-case UUID',
      pingXml({ tid: '3741800E-971B-4AA9-85F4-466D2B1ADC7F' }),
      'SchemaInvalid',
      false,
      /UUID/,
    ),
    c(
      'millisecond timestamp',
      pingXml({ timestamp: '2026-11-22T10:00:00.000Z' }),
      'SchemaInvalid',
      false,
      /timestamp/,
    ),
    c('version without v', pingXml({ version: '1.23.1' }), 'UnsupportedVersion', false, /version/),
    c('another major version', pingXml({ version: 'v2.0.0' }), 'UnsupportedVersion', false, /version/),
    c('no xsi:type', ping.replace(' xsi:type="x1:PingRequest"', ''), 'SchemaInvalid', false, /xsi:type/),
    c(
      'xsi:type with unbound prefix',
      ping.replace('x1:PingRequest', 'zz:PingRequest'),
      'SchemaInvalid',
      false,
      /does not resolve/,
    ),
    c(
      'unknown message type',
      ping.replace('x1:PingRequest', 'x1:FlyToTheMoonRequest'),
      'UnsupportedMessage',
      false,
      /unsupported/,
    ),
  ];
}
