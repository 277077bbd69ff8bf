/**
 * Panther's standard fields, appended to every valid record: p_log_type, p_row_id, p_event_time, p_parse_time,
 * p_any_* indicator lists, plus where the record came from (sender address, Fluent tag, any text LSS put before the
 * JSON) and the configured static fields. The prefix (`p_`) is configurable. Everything constant is rendered once.
 */
import { randomBytes } from 'node:crypto';
import type { LogSchema } from './schema.js';
import { INDICATOR_LISTS, type IndicatorSet } from './indicators.js';

export interface ZpaOptions {
  /** Prefix of the standard fields; default `p_`. */
  prefix?: string;
  /** Fields added verbatim (name as given) to every valid record, e.g. `{ environment: "prod" }`. */
  staticFields?: Record<string, string | number | boolean>;
}

export interface RecordContext {
  tag: string;
  /** The sender, "ip:port". */
  source: string;
}

export class Enricher {
  private readonly prefix: string;
  private readonly logTypeMembers = new Map<LogSchema, string>();
  private readonly staticMembers: string;
  private readonly indicatorKeys: string[];
  /** Unique per process start: row ids from replicas and restarts do not collide. */
  private readonly rowIdBase = randomBytes(8).toString('hex');
  private rowCounter = 0;
  private lastParseMs = NaN;
  private lastParseIso = '';
  private lastEventMs = NaN;
  private lastEventIso = '';
  private lastTag: string | undefined;
  private lastSource: string | undefined;
  private lastCtxMembers = '';

  constructor(options: ZpaOptions = {}) {
    this.prefix = options.prefix ?? 'p_';
    this.indicatorKeys = INDICATOR_LISTS.map((l) => `,"${this.prefix}any_${l}":[`);
    this.staticMembers = Object.entries(options.staticFields ?? {})
      .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
      .join('');
  }

  /** The standard fields as `,"p_…":…` members, to splice before the record's closing brace. */
  members(schema: LogSchema, eventMs: number, parseMs: number, indicators: IndicatorSet, ctx: RecordContext, linePrefix: string): string {
    const p = this.prefix;
    let logType = this.logTypeMembers.get(schema);
    if (logType === undefined) {
      logType = `,"${p}log_type":${JSON.stringify(schema.name)}`;
      this.logTypeMembers.set(schema, logType);
    }
    const parseIso = this.parseIso(parseMs);
    const eventIso = eventMs === parseMs ? parseIso : this.eventIso(eventMs);
    let out = `${logType},"${p}row_id":"${this.rowIdBase}${(this.rowCounter++).toString(16)}","${p}event_time":"${eventIso}","${p}parse_time":"${parseIso}"`;
    const lists = indicators.lists;
    for (let i = 0; i < lists.length; i++) {
      const l = lists[i];
      if (l.length === 0) continue;
      out += this.indicatorKeys[i];
      for (let j = 0; j < l.length; j++) out += (j === 0 ? '' : ',') + JSON.stringify(l[j]);
      out += ']';
    }
    out += this.ctxMembers(ctx);
    if (linePrefix !== '') out += `,"${p}line_prefix":${JSON.stringify(linePrefix)}`;
    return out + this.staticMembers;
  }

  /** Records of one stream arrive in time order: consecutive ones often share their event time. */
  private eventIso(ms: number): string {
    if (ms !== this.lastEventMs) {
      this.lastEventMs = ms;
      this.lastEventIso = new Date(ms).toISOString();
    }
    return this.lastEventIso;
  }

  private parseIso(ms: number): string {
    if (ms !== this.lastParseMs) {
      this.lastParseMs = ms;
      this.lastParseIso = new Date(ms).toISOString();
    }
    return this.lastParseIso;
  }

  /** Records of one message share their context: render it once per message. */
  private ctxMembers(ctx: RecordContext): string {
    if (ctx.tag !== this.lastTag || ctx.source !== this.lastSource) {
      this.lastTag = ctx.tag;
      this.lastSource = ctx.source;
      this.lastCtxMembers = `,"${this.prefix}source_address":${JSON.stringify(ctx.source)},"${this.prefix}fluent_tag":${JSON.stringify(ctx.tag)}`;
    }
    return this.lastCtxMembers;
  }
}
