/**
 * One documented adaptation of the schema set before libxml2 compiles it (docs/x1.md "Where libxml2 is
 * stricter than XSD").
 *
 * TS 103 280 types SIP and TEL URIs as `xs:anyURI` restricted by a pattern that allows `[` and `]`
 * (`sip:user@[2001:db8::1]`, an IPv6 literal). XSD 1.0 (§3.2.17) defines anyURI's lexical space through an
 * escaping procedure that makes any character sequence acceptable, and XSD 1.1 says so outright; libxml2
 * instead parses the value as an RFC 3986 URI and refuses brackets outside an authority (and `%` not followed
 * by two hex digits), so it refused valid targets. A restriction of anyURI that carries a pattern facet is
 * therefore compiled on `xs:token` instead: the same white-space handling (anyURI's is `collapse`, fixed),
 * no lexical check of its own (as the standard says), and every facet of the restriction (the pattern
 * included) still enforced by libxml2. Restrictions without a pattern keep anyURI as they are.
 */

/** A restriction of anyURI whose body holds a pattern facet (prefixes as the schema spells them). */
const PATTERNED_ANY_URI =
  /(<([A-Za-z_][\w.-]*):restriction\s+base\s*=\s*["'])([A-Za-z_][\w.-]*):anyURI(["']\s*>)((?:(?!<\/\2:restriction\s*>)[\s\S])*?<\2:pattern\b)/g;

export interface AdaptedSchema {
  readonly text: string;
  /** How many restrictions were rebased (0: the text is unchanged). */
  readonly rebased: number;
}

/** Rebases every pattern-restricted anyURI of one XSD text on `xs:token` (same prefix). */
export function rebasePatternedAnyUri(xsd: string): AdaptedSchema {
  let rebased = 0;
  const text = xsd.replace(
    PATTERNED_ANY_URI,
    (_m, open: string, _el: string, prefix: string, close: string, body: string) => {
      rebased++;
      return `${open}${prefix}:token${close}${body}`;
    },
  );
  return { text, rebased };
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

/** The schema files with {@link rebasePatternedAnyUri} applied; files it does not change are kept as given. */
export function adaptSchemaFiles(files: ReadonlyMap<string, Uint8Array>): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [name, bytes] of files) {
    const r = rebasePatternedAnyUri(decoder.decode(bytes));
    out.set(name, r.rebased > 0 ? encoder.encode(r.text) : bytes);
  }
  return out;
}
