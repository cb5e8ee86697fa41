/**
 * Times as an operator reads them: the stores keep epoch milliseconds; the REST API and the CLI show
 * ISO 8601 (UTC, milliseconds).
 */

/** A key that holds a time in epoch milliseconds in lix's records (`at`, `createdAt`, `lastReportAt`, ...). */
const TIME_KEY = /^(?:at|[a-z][A-Za-z]*At)$/;

/** A copy of `v` with every time key's epoch-ms number written as an ISO 8601 string. */
export function isoTimes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(isoTimes);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k,
      TIME_KEY.test(k) && typeof x === 'number' && Number.isFinite(x)
        ? new Date(x).toISOString()
        : isoTimes(x),
    ]),
  );
}
