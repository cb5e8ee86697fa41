/**
 * Reading the ADMF REST API token from a file, with the file's mode checked as ssh checks a private key: a
 * token file that the group or others may read is refused by the ADMF (`lix admf`) and warned about by the
 * operator commands (`lix admf task ... --token-file`).
 */
import { readFileSync, statSync } from 'node:fs';
import { LixError } from '../lib/errors.js';

/** Mode bits that let anyone but the owner read, write or run the file. */
export const TOKEN_FILE_OPEN_BITS = 0o077;

/** A token file problem: the message is one line naming the file (and, for its mode, the fix). */
/** A token file that cannot be read, or that others can read (`kind` says which). */
export class TokenFileError extends LixError<'Unreadable' | 'TooOpen'> {}

/** `0644`-style octal of a file's permission bits. */
const octal = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/**
 * Why `file` (named to the user as `source`, e.g. `--api-token-file /etc/lix/token`) is too open, or
 * undefined when only its owner may use it. Throws {@link TokenFileError} when it cannot be read.
 */
export function tokenFileModeProblem(file: string, source: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new TokenFileError('Unreadable', `${source}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  if ((mode & TOKEN_FILE_OPEN_BITS) === 0) return undefined;
  return `${source}: ${file} has mode ${octal(mode)}: the group or others can read the API token; run: chmod 600 ${file}`;
}

/** The token in `file`: its first line, trimmed. Throws {@link TokenFileError} when it cannot be read. */
export function readToken(file: string, source = file): string {
  try {
    return readFileSync(file, 'utf8').split('\n', 1)[0]!.trim();
  } catch (err) {
    throw new TokenFileError('Unreadable', `${source}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/**
 * The token in `file` for a daemon or a client. `strict` (the ADMF) refuses a group- or world-readable file
 * with {@link TokenFileError}; otherwise (a client) the problem is passed to `warn` and the token is read.
 */
export function readTokenFile(
  file: string,
  source: string,
  o: { readonly strict: boolean; readonly warn?: (line: string) => void },
): string {
  const problem = tokenFileModeProblem(file, source);
  if (problem !== undefined) {
    if (o.strict) throw new TokenFileError('TooOpen', problem);
    o.warn?.(`warning: ${problem}`);
  }
  return readToken(file, source);
}
