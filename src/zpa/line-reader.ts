/**
 * How a line that is not plain JSON from its first character becomes a record: through its stream's own template,
 * the user's CSV/TSV templates of its log type, Zscaler's default CSV/TSV templates (by the label before the
 * `zpa-lss:` marker), or as the JSON after a prefix (a syslog header). The processor checks whatever this reads.
 */
import type { StreamTemplate, ConfiguredTemplates } from './configured-templates.js';
import type { LogSchema, SchemaSet } from './schema.js';
import { readDefaultDelimited, TemplateReader } from './template-line.js';
import { MARKER, type LssTemplate, type TemplateSet } from './templates.js';

export type LineReading =
  /** JSON in the line itself, from `start`, after `prefix`. */
  | { kind: 'json'; start: number; prefix: string }
  /** JSON object text a template reading wrote, of `schema` when the template says. */
  | { kind: 'text'; json: string; header: string; schema: LogSchema | undefined }
  | { kind: 'unparsable'; detail: string };

export class LineReader {
  private readonly defaultReaders = new Map<LssTemplate, TemplateReader>();

  constructor(
    private readonly schemas: SchemaSet,
    private readonly defaults: TemplateSet,
    private readonly configured: ConfiguredTemplates,
  ) {}

  /**
   * `brace`: where the line's first `{` is (-1: none); `tagged`: the log type its tag names; `template`: its stream's
   * template, when that is not read as plain JSON. A JSON line on a CSV/TSV template's stream must fit it type for
   * type, or it is read as the JSON it says it is; a line that fits no template is read as if it had none.
   */
  read(line: string, brace: number, tagged: LogSchema | undefined, template: StreamTemplate | undefined, dateMs: number): LineReading {
    let why: string | undefined;
    if (template !== undefined) {
      const read = template.reader.read(line, dateMs, brace !== 0 || template.template.format === 'json');
      if (read.ok) return { kind: 'text', json: read.json, header: read.header, schema: template.schema };
      if (brace === 0) return { kind: 'json', start: 0, prefix: '' };
      why = `the line does not fit the template ${template.key}: ${read.error}`;
    }
    // The CSV/TSV marker comes before any brace (Audit CSV values hold JSON): look only there.
    const marker = MARKER.exec(brace < 0 ? line : line.slice(0, brace));
    if (marker !== null || brace < 0) {
      for (const t of this.configured.delimited()) {
        if (tagged !== undefined && t.schema !== tagged) continue;
        const read = t.reader.read(line, dateMs, true);
        if (read.ok) return { kind: 'text', json: read.json, header: read.header, schema: t.schema };
      }
    }
    if (marker !== null) {
      const read = readDefaultDelimited(line, marker.index, this.defaults, tagged?.id, (t) => this.defaultReader(t), dateMs);
      if (read.ok) return { kind: 'text', json: read.json, header: read.header, schema: this.schemas.byId.get(read.template.logType) };
      return { kind: 'unparsable', detail: why === undefined ? read.error : `${why}; ${read.error}` };
    }
    if (brace >= 0) return { kind: 'json', start: brace, prefix: line.slice(0, brace) };
    return { kind: 'unparsable', detail: why ?? 'no JSON object and no LSS CSV/TSV prefix in the line' };
  }

  private defaultReader(template: LssTemplate): TemplateReader {
    let reader = this.defaultReaders.get(template);
    if (reader === undefined) {
      reader = new TemplateReader(template, this.schemas.byId.get(template.logType), this.defaults.separatorFields[template.format === 'tsv' ? 'tsv' : 'csv']);
      this.defaultReaders.set(template, reader);
    }
    return reader;
  }
}
