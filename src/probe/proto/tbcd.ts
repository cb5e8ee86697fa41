/**
 * TBCD strings (TS 29.002 §17.7.8 `TBCD-STRING`, used by TS 29.274 §8.3/§8.10/§8.11 and TS 29.272 §7.3.2):
 * two digits per octet, the first in the low nibble, `1111` filling the last high nibble of an odd count.
 */

const TBCD = { filler: 0x0f, maxDigit: 9, nibbleBits: 4, lowNibble: 0x0f, asciiZero: 0x30 } as const;

/**
 * The decimal digits of a TBCD string, or undefined when a nibble other than the final filler is not a
 * digit (`*`, `#`, `a`-`c` have no place in IMSI, MSISDN or IMEI).
 */
export function decodeTbcd(b: Uint8Array, start = 0, end = b.length): string | undefined {
  let out = '';
  for (let i = start; i < end; i++) {
    const octet = b[i]!;
    const lo = octet & TBCD.lowNibble;
    const hi = octet >> TBCD.nibbleBits;
    if (lo > TBCD.maxDigit) return undefined;
    out += String.fromCharCode(TBCD.asciiZero + lo);
    if (hi === TBCD.filler && i === end - 1) break;
    if (hi > TBCD.maxDigit) return undefined;
    out += String.fromCharCode(TBCD.asciiZero + hi);
  }
  return out;
}
