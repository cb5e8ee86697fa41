import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { readSchemaDir } from '../lib/schema-dir.js';
import { X1Codec } from '../x1/codec.js';
import { codeFor, X1Error, type ErrorKind, type ErrorProfile } from '../x1/errors.js';
import { SchemaSet } from '../x1/schema.js';
import { jsonOption } from './output.js';
import { registerX1ClientCommands } from './x1-client.js';

/** One file's verdict, as printed by `lix x1 check`. */
export interface CheckVerdict {
  readonly file: string;
  readonly valid: boolean;
  readonly root?: string;
  readonly messages: readonly string[];
  readonly errors: readonly { message?: number; kind: ErrorKind; code: number; reason: string }[];
}

/** Checks one X1 document with the codec (strict decoder, plus the schema when the codec has one). */
export function checkDocument(
  codec: X1Codec,
  profile: ErrorProfile,
  file: string,
  bytes: Uint8Array,
): CheckVerdict {
  const err = (kind: ErrorKind, reason: string, message?: number) => ({
    ...(message !== undefined && { message }),
    kind,
    code: codeFor(profile, kind),
    reason,
  });
  try {
    const doc = codec.decode(bytes);
    if (doc.root === 'X1TopLevelErrorResponse')
      return { file, valid: true, root: doc.root, messages: [], errors: [] };
    const messages = doc.results.map((r) => (r.ok ? r.message.type : (r.xsiType ?? '(no xsi:type)')));
    const errors = doc.results.flatMap((r) =>
      r.ok ? [] : [err(r.error.kind, r.error.message, r.index + 1)],
    );
    return { file, valid: errors.length === 0, root: doc.root, messages, errors };
  } catch (e) {
    if (!(e instanceof X1Error)) throw e;
    return { file, valid: false, messages: [], errors: [err(e.kind, e.message)] };
  }
}

function printVerdict(v: CheckVerdict): void {
  if (v.valid) {
    console.log(`${v.file}: valid ${v.root}${v.messages.length ? ` [${v.messages.join(', ')}]` : ''}`);
    return;
  }
  for (const e of v.errors) console.log(`${v.file}: invalid ${e.kind} (code ${e.code}): ${e.reason}`);
}

/** `lix x1 ...`: commands that work on X1 messages. */
export function registerX1Commands(program: Command): void {
  const x1 = program.command('x1').description('X1 message tools');
  registerX1ClientCommands(x1);
  x1.command('check')
    .description(
      'check X1 documents: strict decoding always, full XSD validation with --schemas; prints "valid" with the ' +
        'message types, or "invalid" with the error kind, its code in the profile and the reason; exit 0 when all are valid',
    )
    .argument('<files...>', 'X1 XML files ("-" reads standard input)')
    .option(
      '--schemas <dir>',
      'directory holding the ETSI XSDs and x1-validate.xsd (enables full validation)',
    )
    .option('--schema-entry <file>', 'schema file that imports the others', 'x1-validate.xsd')
    .addOption(
      new Option('--profile <profile>', 'error-code profile').choices(['etsi', 'draft']).default('etsi'),
    )
    .addOption(jsonOption())
    .action(
      (
        files: string[],
        opts: { schemas?: string; schemaEntry: string; profile: ErrorProfile; json?: boolean },
      ) => {
        const schema = opts.schemas
          ? SchemaSet.compile(readSchemaDir(opts.schemas), opts.schemaEntry)
          : undefined;
        const codec = new X1Codec({ schema, limits: { maxBytes: 256 * 2 ** 20, maxElements: 50_000_000 } });
        let allValid = true;
        for (const file of files) {
          let bytes: Uint8Array;
          try {
            bytes = readFileSync(file === '-' ? 0 : file);
          } catch (e) {
            console.error(`${file}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
            allValid = false;
            continue;
          }
          const v = checkDocument(codec, opts.profile, file === '-' ? '(stdin)' : file, bytes);
          allValid &&= v.valid;
          if (opts.json) console.log(JSON.stringify(v));
          else printVerdict(v);
        }
        process.exitCode = allValid ? 0 : 1;
      },
    );
}
