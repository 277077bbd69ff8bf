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

export class Enricher {
  private readonly prefix: string;
  private readonly logTypeMembers = new Map<LogSchema, Buffer>();
  private readonly staticMembers: Buffer;
  private readonly indicatorKeys: Buffer[];
  /** Unique per process start: row ids from replicas and restarts do not collide. */
  private readonly rowIdBase = randomBytes(8).toString('hex');
  private rowCounter = 0;
  /** The constant text around the per-record values: `,"p_row_id":"<base>`, `","p_event_time":"`, ... */
  private readonly rowIdStart: Buffer;
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
    this.rowIdStart = Buffer.from(`,"${this.prefix}row_id":"${this.rowIdBase}`);
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
    const p = this.prefix;
    let logType = this.logTypeMembers.get(schema);
    if (logType === undefined) {
      logType = Buffer.from(`,"${p}log_type":${JSON.stringify(schema.name)}`);
      this.logTypeMembers.set(schema, logType);
    }
    arena.bytes(logType);
    arena.bytes(this.rowIdStart);
    arena.hex(this.rowCounter++);
    arena.bytes(this.eventTimeStart);
    this.eventTime.write(arena, eventMs);
    arena.bytes(this.parseTimeStart);
    this.parseTime.write(arena, parseMs);
    arena.byte(0x22);
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
