/**
 * Panther's standard fields, appended to every valid record: p_log_type, p_row_id, p_event_time, p_parse_time,
 * p_any_* indicator lists, plus where the record came from (sender address, Fluent tag, any text LSS put before the
 * JSON), how it deviates from its schema (p_deviations) and the configured static fields. The prefix (`p_`) is
 * configurable. Everything constant is rendered once.
 */
import { randomBytes } from 'node:crypto';
import type { RecordContext } from '../contract.js';
import type { ByteArena } from '../shared/byte-arena.js';
import { deviationsMember, type Deviation } from './deviations.js';
import type { LogSchema } from './schema.js';
import { INDICATOR_LISTS, type IndicatorSet } from './indicators.js';
import { IsoTime } from './iso-time.js';
import { escapesNothing } from './record-json.js';

export interface ZpaOptions {
  /** Prefix of the standard fields; default `p_`. */
  prefix?: string;
  /** Fields added verbatim (name as given) to every valid record, e.g. `{ environment: "prod" }`. */
  staticFields?: Record<string, string | number | boolean>;
}

/** See Enricher#fixed. */
export interface FixedFields {
  readonly start: Buffer;
  readonly eventTime: Buffer;
  readonly parseTime: Buffer;
}

export class Enricher {
  private readonly prefix: string;
  private readonly fixedFields = new Map<LogSchema, FixedFields>();
  private readonly staticMembers: Buffer;
  private readonly indicatorKeys: Buffer[];
  /** Unique per process start: row ids from replicas and restarts do not collide. */
  private readonly rowIdBase = randomBytes(8).toString('hex');
  private rowCounter = 0;
  /** The constant text around the per-record values: `","p_event_time":"`, `","p_parse_time":"`. */
  private readonly eventTimeStart: Buffer;
  private readonly parseTimeStart: Buffer;
  /** One per time: each keeps the date text of its own last day. */
  private readonly eventTime = new IsoTime();
  private readonly parseTime = new IsoTime();
  private lastTag: string | undefined;
  private lastAddress: string | undefined;
  private lastCtxMembers = Buffer.alloc(0);

  constructor(options: ZpaOptions = {}) {
    this.prefix = options.prefix ?? 'p_';
    this.indicatorKeys = INDICATOR_LISTS.map((l) => Buffer.from(`,"${this.prefix}any_${l}":[`));
    this.eventTimeStart = Buffer.from(`","${this.prefix}event_time":"`);
    this.parseTimeStart = Buffer.from(`","${this.prefix}parse_time":"`);
    this.staticMembers = Buffer.from(
      Object.entries(options.staticFields ?? {})
        .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
        .join(''),
    );
  }

  /**
   * Writes the standard fields as `,"p_…":…` members and the closing brace, what goes after the record's last member,
   * on in `arena`'s text begun: from bytes rendered once and the record's values, without a string of its own, since
   * it waits with its record for the batch.
   */
  write(arena: ByteArena, schema: LogSchema, eventMs: number, parseMs: number, indicators: IndicatorSet, ctx: RecordContext, linePrefix: string, deviations: readonly Deviation[]): void {
    const fixed = this.fixed(schema);
    arena.bytes(fixed.start);
    arena.hex(this.rowCounter++);
    arena.bytes(fixed.eventTime);
    this.eventTime.write(arena, eventMs);
    arena.bytes(fixed.parseTime);
    this.parseTime.write(arena, parseMs);
    arena.byte(0x22);
    this.writeRest(arena, indicators, ctx, linePrefix, deviations);
  }

  /**
   * The constant texts of the first standard fields of `schema`'s records: before the row counter (log type and row id
   * base), before the event time, before the parse time. The layout core writes those fields with them (then
   * `rowWritten` and `writeRest`), as `write` does.
   */
  fixed(schema: LogSchema): FixedFields {
    let fixed = this.fixedFields.get(schema);
    if (fixed === undefined) {
      const p = this.prefix;
      fixed = { start: Buffer.from(`,"${p}log_type":${JSON.stringify(schema.name)},"${p}row_id":"${this.rowIdBase}`), eventTime: this.eventTimeStart, parseTime: this.parseTimeStart };
      this.fixedFields.set(schema, fixed);
    }
    return fixed;
  }

  /** The row counter the next record's row id ends with. */
  get row(): number {
    return this.rowCounter;
  }

  /** A record's first standard fields were written with `row` (by the layout core). */
  rowWritten(): void {
    this.rowCounter++;
  }

  /** The standard fields after the parse time, and the closing brace. */
  writeRest(arena: ByteArena, indicators: IndicatorSet, ctx: RecordContext, linePrefix: string, deviations: readonly Deviation[]): void {
    const p = this.prefix;
    const { lists, counts } = indicators;
    // One value often fills several lists (a user's email is also their user name and actor id): written once,
    // then copied, by its offset in the text begun, which a move to a new slab keeps.
    let last: string | undefined;
    let lastFrom = 0;
    let lastTo = 0;
    for (let i = 0; i < counts.length; i++) {
      const count = counts[i];
      if (count === 0) continue;
      arena.bytes(this.indicatorKeys[i]);
      const l = lists[i];
      for (let j = 0; j < count; j++) {
        if (j !== 0) arena.byte(0x2c);
        const value = l[j];
        if (value === last) {
          arena.copy(arena.slab, arena.begun + lastFrom, arena.begun + lastTo);
          continue;
        }
        last = value;
        lastFrom = arena.pos - arena.begun;
        writeJsonString(arena, value);
        lastTo = arena.pos - arena.begun;
      }
      arena.byte(0x5d);
    }
    arena.bytes(this.ctxMembers(ctx));
    if (linePrefix !== '') arena.utf8(`,"${p}line_prefix":${JSON.stringify(linePrefix)}`);
    if (deviations.length !== 0) arena.utf8(deviationsMember(p, deviations));
    arena.bytes(this.staticMembers);
    arena.byte(0x7d);
  }

  /** Records of one message share their context: render it once per message. */
  private ctxMembers(ctx: RecordContext): Buffer {
    if (ctx.tag !== this.lastTag || ctx.address !== this.lastAddress) {
      this.lastTag = ctx.tag;
      this.lastAddress = ctx.address;
      this.lastCtxMembers = Buffer.from(`,"${this.prefix}source_address":${JSON.stringify(ctx.address)},"${this.prefix}fluent_tag":${JSON.stringify(ctx.tag)}`);
    }
    return this.lastCtxMembers;
  }
}

/** `value` as a JSON string token, as jsonString writes it: between quotes as it is when nothing in it needs escaping. */
function writeJsonString(arena: ByteArena, value: string): void {
  if (!escapesNothing(value)) return arena.utf8(JSON.stringify(value));
  arena.byte(0x22);
  arena.utf8(value);
  arena.byte(0x22);
}
