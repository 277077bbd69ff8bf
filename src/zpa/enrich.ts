/**
 * Panther's standard fields, appended to every valid record: p_log_type, p_row_id, p_event_time, p_parse_time,
 * p_any_* indicator lists, plus where the record came from (sender address, Fluent tag, any text LSS put before the
 * JSON), how it deviates from its schema (p_deviations) and the configured static fields. The prefix (`p_`) is
 * configurable. Everything constant is rendered once.
 */
import { randomBytes } from 'node:crypto';
import type { RecordContext } from '../contract.js';
import { deviationsMember, type Deviation } from './deviations.js';
import type { LogSchema } from './schema.js';
import { INDICATOR_LISTS, type IndicatorSet } from './indicators.js';
import { IsoTime } from './iso-time.js';
import { jsonString } from './record-json.js';

export interface ZpaOptions {
  /** Prefix of the standard fields; default `p_`. */
  prefix?: string;
  /** Fields added verbatim (name as given) to every valid record, e.g. `{ environment: "prod" }`. */
  staticFields?: Record<string, string | number | boolean>;
}

export class Enricher {
  private readonly prefix: string;
  private readonly logTypeMembers = new Map<LogSchema, string>();
  private readonly staticMembers: string;
  private readonly indicatorKeys: string[];
  /** Unique per process start: row ids from replicas and restarts do not collide. */
  private readonly rowIdBase = randomBytes(8).toString('hex');
  private rowCounter = 0;
  /** The constant text around the per-record values: `,"p_row_id":"<base>`, `","p_event_time":"`, ... */
  private readonly rowIdStart: string;
  private readonly eventTimeStart: string;
  private readonly parseTimeStart: string;
  private lastParseMs = NaN;
  private lastParseIso = '';
  private lastEventMs = NaN;
  private lastEventIso = '';
  private lastTag: string | undefined;
  private lastAddress: string | undefined;
  private lastCtxMembers = '';
  private readonly parts: string[] = [];

  constructor(options: ZpaOptions = {}) {
    this.prefix = options.prefix ?? 'p_';
    this.indicatorKeys = INDICATOR_LISTS.map((l) => `,"${this.prefix}any_${l}":[`);
    this.rowIdStart = `,"${this.prefix}row_id":"${this.rowIdBase}`;
    this.eventTimeStart = `","${this.prefix}event_time":"`;
    this.parseTimeStart = `","${this.prefix}parse_time":"`;
    this.staticMembers = Object.entries(options.staticFields ?? {})
      .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
      .join('');
  }

  /** The standard fields as `,"p_…":…` members and the closing brace: what goes after the record's last member. */
  members(schema: LogSchema, eventMs: number, parseMs: number, indicators: IndicatorSet, ctx: RecordContext, linePrefix: string, deviations: readonly Deviation[]): string {
    const p = this.prefix;
    let logType = this.logTypeMembers.get(schema);
    if (logType === undefined) {
      logType = `,"${p}log_type":${JSON.stringify(schema.name)}`;
      this.logTypeMembers.set(schema, logType);
    }
    const parseIso = this.parseIso(parseMs);
    const eventIso = eventMs === parseMs ? parseIso : this.eventIso(eventMs);
    // Joined, not concatenated: the text waits with its record for the batch, and `+` would keep it as a tree of
    // a few dozen cons strings, about four times its size on the heap.
    const parts = this.parts;
    parts.length = 0;
    parts.push(logType, this.rowIdStart, (this.rowCounter++).toString(16), this.eventTimeStart, eventIso, this.parseTimeStart, parseIso, '"');
    const lists = indicators.lists;
    for (let i = 0; i < lists.length; i++) {
      const l = lists[i];
      if (l.length === 0) continue;
      parts.push(this.indicatorKeys[i]);
      for (let j = 0; j < l.length; j++) parts.push(j === 0 ? '' : ',', jsonString(l[j]));
      parts.push(']');
    }
    parts.push(this.ctxMembers(ctx));
    if (linePrefix !== '') parts.push(`,"${p}line_prefix":${JSON.stringify(linePrefix)}`);
    if (deviations.length !== 0) parts.push(deviationsMember(p, deviations));
    parts.push(this.staticMembers, '}');
    return parts.join('');
  }

  /** Records of one stream arrive in time order: consecutive ones often share their event time. */
  private eventIso(ms: number): string {
    if (ms !== this.lastEventMs) {
      this.lastEventMs = ms;
      this.lastEventIso = this.isoTime.format(ms);
    }
    return this.lastEventIso;
  }

  private parseIso(ms: number): string {
    if (ms !== this.lastParseMs) {
      this.lastParseMs = ms;
      this.lastParseIso = this.isoTime.format(ms);
    }
    return this.lastParseIso;
  }

  private readonly isoTime = new IsoTime();

  /** Records of one message share their context: render it once per message. */
  private ctxMembers(ctx: RecordContext): string {
    if (ctx.tag !== this.lastTag || ctx.address !== this.lastAddress) {
      this.lastTag = ctx.tag;
      this.lastAddress = ctx.address;
      this.lastCtxMembers = `,"${this.prefix}source_address":${JSON.stringify(ctx.address)},"${this.prefix}fluent_tag":${JSON.stringify(ctx.tag)}`;
    }
    return this.lastCtxMembers;
  }
}
