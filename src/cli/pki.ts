import type { Command } from 'commander';
import { initPki, PkiError, type InitPkiResult, type PkiFileEntry } from '../transport/pki.js';
import { jsonOption } from './output.js';

/** Options of `lix pki init` as commander hands them over. */
interface InitOptions {
  dir: string;
  admf: string;
  ne: string[];
  collector: string[];
  days?: number;
  altName: string[];
  force?: boolean;
  json?: boolean;
}

function list(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--days must be a positive integer, not ${value}`);
  return n;
}

function describe(e: PkiFileEntry): string {
  const s = e.summary;
  return `${e.status.padEnd(7)} ${e.certFile} (key ${e.keyFile})\n        subject ${s.subject}; issuer ${s.issuer}; expires ${s.notAfter.toISOString()}`;
}

function print(r: InitPkiResult, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(r));
    return;
  }
  console.log(`PKI in ${r.dir}`);
  console.log(describe(r.ca));
  for (const e of r.identities) console.log(describe(e));
  console.log(`${describe(r.untrusted)}\n        (issued by a CA that nobody trusts: for refusal tests)`);
}

/** `lix pki ...`: the lab PKI (a CA and certificates whose Subject carries UID = the X1 identifier). */
export function registerPkiCommands(program: Command): void {
  const pki = program.command('pki').description('lab PKI for X1 mutual TLS');
  pki
    .command('init')
    .description(
      'make a lab CA and a certificate per identity (Subject UID and CN = the identity, serverAuth + clientAuth, ' +
        'SAN localhost/127.0.0.1/::1); existing files are kept unless --force; keys are written with mode 0600',
    )
    .requiredOption('--dir <dir>', 'directory to write into (created if missing)')
    .requiredOption('--admf <id>', 'ADMF identifier')
    .requiredOption('--ne <ids>', 'NE identifier(s), comma-separated or repeated', list)
    .option(
      '--collector <ids>',
      'collector identity(ies) for eep+tls/eep+dtls (what a destination names in ?identity=), comma-separated or repeated',
      list,
      [],
    )
    .option('--days <n>', 'validity in days (default 365)', positiveInt)
    .option('--alt-name <names>', 'extra subjectAltName DNS names or IP addresses', list, [])
    .option('--force', 'replace existing files (a new CA: every certificate is issued again)')
    .addOption(jsonOption())
    .action(async (opts: InitOptions) => {
      try {
        const result = await initPki({
          dir: opts.dir,
          admf: opts.admf,
          nes: opts.ne,
          collectors: opts.collector,
          altNames: opts.altName,
          ...(opts.days !== undefined && { days: opts.days }),
          ...(opts.force && { force: true }),
        });
        print(result, opts.json ?? false);
      } catch (e) {
        if (!(e instanceof PkiError)) throw e;
        console.error(`lix pki init: ${e.message}`);
        process.exitCode = 1;
      }
    });
}
