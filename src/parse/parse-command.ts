/**
 * `zpa-relay parse`: LSS lines from files or stdin through the relay's own processor, as the relay would treat them
 * (the configuration's zpa section, plus an optional log type and template), so that a user can check a template
 * before pointing LSS at the relay. Prints per line its log type, the enriched record and its deviations, or its
 * dead-letter reason; then the totals. Exits 1 when a line would be a dead letter.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { compiledTemplates, ConfigError, type Config } from '../config/config.js';
import { isFailure, type Outcome } from '../contract.js';
import { LSS_FORMATS, loadSchemas, loadTemplates, ZpaProcessor, type LssFormat } from '../zpa/index.js';

export const PARSE_USAGE = `Usage: zpa-relay parse [--type ID] [--template FILE|TEXT] [--format json|csv|tsv] [--config FILE] [FILE...]

Reads LSS lines (stdin when no FILE is given) and shows what the relay makes of each: its log type, the enriched
record as the SIEM would receive it, how it deviates from its schema, or why it would be a dead letter. Totals at
the end; the exit status is 1 when any line would be a dead letter.

  --type ID          the log type, as Fluent Bit's tag zpa.ID would say (e.g. user-activity); default: by the keys
  --template X       the Log Stream Content string as the ZPA portal shows it, or a file holding it
  --format F         the template's format (default: json when it starts with "{", tsv when it holds a tab, else csv)
  -c, --config FILE  the relay's configuration (its zpa section: templates, validation, field_prefix, ...)
`;

export interface ParseOptions {
  config: Config;
  type?: string;
  template?: string;
  format?: string;
  files: string[];
  out(text: string): void;
}

export async function parseCommand(options: ParseOptions): Promise<number> {
  const { config, out } = options;
  const schemas = loadSchemas(config.zpa.schemas_dir);
  if (options.type !== undefined && !schemas.byId.has(options.type)) throw new ConfigError(`--type: unknown log type "${options.type}" (one of ${[...schemas.byId.keys()].join(', ')})`);
  const tag = options.type === undefined ? 'parse' : `zpa.${options.type}`;
  const zpa = { ...config.zpa, templates: { ...config.zpa.templates } };
  if (options.template !== undefined) {
    const content = existsSync(options.template) ? readFileSync(options.template, 'utf8') : options.template;
    const format = options.format ?? (content.trimStart().startsWith('{') ? 'json' : content.includes('\t') || content.includes('\\t') ? 'tsv' : 'csv');
    if (!LSS_FORMATS.includes(format as LssFormat)) throw new ConfigError(`--format: expected json, csv or tsv, got "${format}"`);
    zpa.templates[tag] = { format: format as LssFormat, content, log_type: options.type };
  }
  const defaults = loadTemplates();
  const templates = compiledTemplates({ ...config, zpa }, undefined, schemas, defaults);
  const processor = new ZpaProcessor(schemas, { prefix: zpa.field_prefix, staticFields: zpa.static_fields, validation: zpa.validation, templates }, defaults);
  const ctx = { tag, address: '127.0.0.1', source: 'zpa-relay parse' };
  const totals = { lines: 0, clean: 0, deviating: 0, dead: 0, byType: new Map<string, number>(), deviations: new Map<string, number>() };
  for (const file of options.files.length > 0 ? options.files : ['-']) {
    const input = createInterface({ input: file === '-' ? process.stdin : createReadStream(file), crlfDelay: Infinity });
    let number = 0;
    for await (const line of input) {
      number++;
      if (line.trim() === '') continue;
      totals.lines++;
      report(processor.processLine(line, ctx, Date.now()), `${file === '-' ? 'stdin' : file}:${number}`, zpa.field_prefix, totals, out);
    }
  }
  out(`\n${totals.lines} lines: ${totals.clean + totals.deviating} delivered (${totals.clean} clean, ${totals.deviating} with deviations), ${totals.dead} dead-lettered`);
  for (const [logType, n] of [...totals.byType].sort()) out(`  ${logType.padEnd(42)} ${String(n).padStart(6)}`);
  for (const [kind, n] of [...totals.deviations].sort()) out(`  deviation ${kind.padEnd(32)} ${String(n).padStart(6)}`);
  return totals.dead > 0 ? 1 : 0;
}

interface Totals {
  clean: number;
  deviating: number;
  dead: number;
  byType: Map<string, number>;
  deviations: Map<string, number>;
}

function report(outcome: Outcome, where: string, prefix: string, totals: Totals, out: (text: string) => void): void {
  if (isFailure(outcome)) {
    totals.dead++;
    out(`${where}: dead letter [${outcome.reason}]${outcome.logType ? ` ${outcome.logType}` : ''}: ${outcome.detail}`);
    return;
  }
  totals.byType.set(outcome.logType, (totals.byType.get(outcome.logType) ?? 0) + 1);
  const json = outcome.text.json;
  const deviations = (JSON.parse(json) as Record<string, { field: string; expected: string; got: string; kind: string }[] | undefined>)[`${prefix}deviations`] ?? [];
  if (deviations.length === 0) totals.clean++;
  else totals.deviating++;
  out(`${where}: ${outcome.logType}${deviations.length === 0 ? '' : ` (${deviations.length} deviation${deviations.length === 1 ? '' : 's'})`}`);
  out(json);
  for (const d of deviations) {
    totals.deviations.set(d.kind, (totals.deviations.get(d.kind) ?? 0) + 1);
    out(`  [${d.kind}] ${d.field}: expected ${d.expected}, got ${d.got}`);
  }
}
