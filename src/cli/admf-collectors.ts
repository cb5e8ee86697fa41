/**
 * The collectors of `lix admf` (docs/admf.md "Collectors"): `collectors` in the configuration file, or
 * `--collector NAME=URL` (repeatable) with `--collector-token-file FILE` on the command line (which then
 * replace the file's list). Each collector's token file is read at start, mode 0600 or refused, as the
 * ADMF's own token file.
 */
import type { Command } from 'commander';
import type { AdmfConfig } from '../admf/config.js';
import type { CollectorLink } from '../api/routes.js';
import type { FlagSpec } from './daemon-flags.js';
import { readTokenFile } from './token-file.js';

/** The flags as the configuration sees them (`--collector` sets the key `collectors`). */
export const ADMF_COLLECTOR_FLAGS: readonly FlagSpec[] = [
  {
    flags: '--collector <name=url>',
    description:
      "a collector whose HTTP API the ADMF forwards to, e.g. lab=http://127.0.0.1:8482 (repeatable; replaces the file's collectors)",
    key: 'collectors',
  },
  {
    flags: '--collector-token-file <file>',
    description: "file holding the --collector collectors' API token (mode 0600)",
  },
];

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Adds the flags to `lix admf`. */
export function addCollectorFlags(cmd: Command): Command {
  const [c, t] = ADMF_COLLECTOR_FLAGS;
  return cmd.option(c!.flags, c!.description, collect).option(t!.flags, t!.description);
}

/**
 * The flags with `--collector NAME=URL` entries turned into configuration entries; throws one line for an
 * entry without `=` or without `--collector-token-file`.
 */
export function collectorFlagInput(flags: Record<string, unknown>): Record<string, unknown> {
  const list = flags.collector as string[] | undefined;
  const file = flags.collectorTokenFile as string | undefined;
  if (list === undefined) {
    if (file !== undefined) throw new Error('--collector-token-file goes with --collector NAME=URL');
    return flags;
  }
  if (file === undefined)
    throw new Error('--collector needs --collector-token-file FILE (the collector API token)');
  const collector = list.map((spec) => {
    const eq = spec.indexOf('=');
    if (eq < 1) throw new Error(`--collector "${spec}": use NAME=URL, e.g. lab=http://127.0.0.1:8482`);
    return { name: spec.slice(0, eq), url: spec.slice(eq + 1), tokenFile: file };
  });
  return { ...flags, collector };
}

/** The configured collectors with their tokens; throws a TokenFileError for a bad token file. */
export function collectorLinks(config: Pick<AdmfConfig, 'collectors'>): CollectorLink[] {
  return config.collectors.map((c) => ({
    name: c.name,
    url: c.url,
    token: readTokenFile(c.tokenFile, `collector ${c.name} tokenFile`, { strict: true }),
  }));
}
