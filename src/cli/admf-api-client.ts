/**
 * The operator commands' side of `lix admf ne|destination|task|...`: the REST API connection options (`--api`,
 * `--token`, `--token-file`, `--ca` and their environment variables) and a client built from them, with the
 * API's errors printed as one line.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ADMF_DEFAULTS } from '../admf/config.js';
import { ApiClient, ApiError } from '../api/client.js';
import { jsonOption } from './output.js';
import { readTokenFile, TokenFileError } from './token-file.js';

interface ClientFlags {
  api?: string;
  token?: string;
  tokenFile?: string;
  ca?: string;
  json?: boolean;
}

/** The CA that issues an HTTPS API's certificate (`--ca`, $LIX_ADMF_CA), read for the client. */
function apiCa(f: ClientFlags): Buffer | undefined {
  const file = f.ca ?? process.env.LIX_ADMF_CA;
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    const source = f.ca !== undefined ? '--ca' : 'LIX_ADMF_CA';
    throw new ApiError(0, undefined, `${source}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function clientOf(f: ClientFlags): ApiClient {
  const baseUrl =
    f.api ?? process.env.LIX_ADMF_API ?? `http://${ADMF_DEFAULTS.apiHost}:${ADMF_DEFAULTS.apiPort}`;
  const source = f.tokenFile !== undefined ? '--token-file' : 'LIX_ADMF_TOKEN_FILE';
  const file = f.tokenFile ?? process.env.LIX_ADMF_TOKEN_FILE;
  // A client only warns about an open token file: the ADMF that trusts the token refuses it.
  const fromFile = (path: string) => {
    try {
      return readTokenFile(path, source, { strict: false, warn: (line) => console.error(line) });
    } catch (err) {
      if (err instanceof TokenFileError) throw new ApiError(0, undefined, err.message);
      throw err;
    }
  };
  const token = f.token ?? process.env.LIX_ADMF_TOKEN ?? (file ? fromFile(file) : undefined);
  if (!token)
    throw new ApiError(
      0,
      undefined,
      'an API token is required: --token, --token-file, LIX_ADMF_TOKEN or LIX_ADMF_TOKEN_FILE',
    );
  const ca = apiCa(f);
  return new ApiClient({ baseUrl, token, ...(ca && { ca }) });
}

/**
 * Adds the API connection options and `--json` (output.ts) to a command and runs `fn` with a client,
 * printing the API's errors as one line (exit status 1).
 */
export function apiCommand(
  cmd: Command,
  fn: (c: ApiClient, args: unknown[], opts: Record<string, unknown>) => Promise<void>,
): Command {
  // A command that declared --json itself keeps it (commander refuses the same flag twice).
  if (!cmd.options.some((o) => o.long === '--json')) cmd.addOption(jsonOption());
  return cmd
    .option(
      '--api <url>',
      `ADMF REST API (default $LIX_ADMF_API or http://${ADMF_DEFAULTS.apiHost}:${ADMF_DEFAULTS.apiPort})`,
    )
    .option('--token <token>', 'API token (default $LIX_ADMF_TOKEN)')
    .option('--token-file <file>', 'file holding the API token (default $LIX_ADMF_TOKEN_FILE)')
    .option('--ca <file>', "CA certificate that issues an https API's certificate (default $LIX_ADMF_CA)")
    .action(async (...all: unknown[]) => {
      const command = all.at(-1) as Command;
      const opts = command.opts<ClientFlags & Record<string, unknown>>();
      try {
        await fn(clientOf(opts), all.slice(0, -2), opts);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        console.error(`lix admf: ${err.message}`);
        process.exitCode = 1;
      }
    });
}
