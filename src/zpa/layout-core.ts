/**
 * The layout core: the fast path's one pass over a JSON line's bytes (layout-core.c, compiled to WebAssembly), for a
 * layout whose every member it can read. The processor's TypeScript path stays the reference: the core answers only
 * for a line that path accepts without a deviation, with the same text, and declines the rest, which that path reads.
 */
import { isAsciiText, latin1Text } from './byte-line.js';
import type { FixedFields } from './enrich.js';
import type { FastLayout } from './layout.js';
import type { FieldSpec } from './schema.js';
import { LAYOUT_CORE_WASM } from './layout-core-wasm.js';

/** Member ops and flags, as layout-core.c names them. */
const OP = { any: 0, string: 1, bigint: 2, float: 3, boolean: 4, rfc3339: 5, ctime: 6, json: 7, strings: 8 } as const;
const F_REQUIRED = 1;
const F_INDICATOR = 2;
/** Program words per member. */
const WORDS = 5;
/** The core's answer about a line (`LayoutCore#state`): four words, then three per edit of a record kept as a view. */
const STATE_WORDS = 4 + 3 * 4;
/** Kinds of such an edit: null, the value between quotes, the value without its quotes (ASCII: numbers, booleans). */
const E_NULL = 1;
const E_QUOTE = 2;
/** The one strftime format the core reads, ctime as ZPA's schemas spell it. */
const CTIME = '%a %b %e %H:%M:%S %Y';

/** Lines longer than this take the TypeScript path: the core's memory is sized once. */
const MAX_LINE = 64 * 1024;
/** The request's bytes are copied into the core's memory this many at a time, from the line asked for on. */
const WINDOW = 256 * 1024;
const MAX_MEMBERS = 1024;
const PROGRAM_BYTES = 64 * 1024;

/** A layout as the core reads it: its program, and the members whose results the processor takes up. */
export class CoreProgram {
  constructor(
    /** Header words, per-member words, then the pieces' and the tail's bytes (layout-core.c). */
    readonly code: Uint8Array,
    readonly fields: readonly (FieldSpec | undefined)[],
    /** Members with indicators to note, in member order. */
    readonly noted: readonly number[],
  ) {}
}

/** The core's program for `fast`, or undefined when a member's field or a piece is beyond it. */
export function coreProgram(fast: Omit<FastLayout, 'core'>): CoreProgram | undefined {
  const { pieces, fields, tail } = fast;
  const count = pieces.length;
  if (count === 0 || count > MAX_MEMBERS || !isAsciiText(tail) || !pieces.every(isAsciiText)) return undefined;
  const ops: number[] = [];
  const noted: number[] = [];
  for (let m = 0; m < count; m++) {
    const field = fields[m];
    const op = field === undefined ? OP.any : opOf(field);
    if (op === undefined) return undefined;
    ops.push(op);
    if (indicates(field)) noted.push(m);
  }
  const header = (3 + WORDS * count) * 4;
  const size = header + pieces.reduce((n, p) => n + p.length, 0) + tail.length;
  if (size > PROGRAM_BYTES) return undefined;
  const code = new Uint8Array(size);
  const words = new Int32Array(code.buffer, 0, header / 4);
  let at = header;
  const put = (text: string): number => {
    for (let i = 0; i < text.length; i++) code[at + i] = text.charCodeAt(i);
    at += text.length;
    return at - text.length;
  };
  words[0] = count;
  for (let m = 0; m < count; m++) {
    const field = fields[m];
    const w = 3 + WORDS * m;
    words[w] = put(pieces[m]);
    words[w + 1] = pieces[m].length;
    words[w + 2] = ops[m];
    words[w + 3] = (field?.required === true ? F_REQUIRED : 0) | (indicates(field) ? F_INDICATOR : 0);
    // The first event-time field in schema order that is set gives the event time.
    words[w + 4] = field?.isEventTime === true ? field.index : -1;
  }
  words[1] = put(tail);
  words[2] = tail.length;
  return new CoreProgram(code, fields, noted);
}

/** A string field with indicators: the core notes where its value lies. */
function indicates(field: FieldSpec | undefined): boolean {
  return field !== undefined && field.type === 'string' && field.indicators.length !== 0;
}

function opOf(field: FieldSpec): number | undefined {
  switch (field.type) {
    case 'string':
    case 'bigint':
    case 'float':
    case 'boolean':
    case 'json':
      return OP[field.type];
    case 'array':
      // Lists of strings: those of ZPA's schemas.
      return field.element?.type === 'string' ? OP.strings : undefined;
    case 'timestamp': {
      // Read in place in the first format, as FieldCheck does: the core knows two of them.
      const first = field.timeFormats[0];
      if (first?.format === 'rfc3339') return OP.rfc3339;
      return first?.format === CTIME ? OP.ctime : undefined;
    }
    default:
      return undefined;
  }
}

/** As much of the WebAssembly API as the core needs: its types live in TypeScript's DOM library, which is not ours. */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

interface CoreExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  __heap_base: { value: number };
  read_line(program: number, line: number, n: number, out: number, ranges: number, state: number, parts: number, row: number, parseMs: number, event: number): number;
}

/** The compiled core, shared by the processors of a thread; each has an instance of its own. */
let compiled: object | undefined;

/** The largest standard-field texts the core writes after a record: the enricher's, with a long log type name. */
const PARTS_BYTES = 4096;
/** Room after a record for the first standard fields: the constant texts, a row counter and two times. */
const FIXED_BYTES = PARTS_BYTES + 64;

/**
 * One instance of the core, with its memory laid out once: the program and standard-field texts loaded last, a window
 * of the request's bytes, the record written, per member its indicator value's range, its event time and what the core
 * says of the line.
 */
export class LayoutCore {
  /** Per member after `read`: `[start, end)` of its indicator value in the line, else -1, -1. */
  readonly ranges: Int32Array;
  /**
   * After `read`: [0] is 1 when the line holds non-ASCII characters (valid UTF-8: the core declines any other); [1]
   * counts the values coerced; [2] is 1 when `output` holds the first standard fields (the record had an event time),
   * after [3] bytes of the record's own text (0: the record stays a view of the line, see `viewEdits`).
   */
  readonly state: Int32Array;
  /** After `read`: the record's event time, epoch ms (-1: none). */
  readonly event: Float64Array;
  private readonly exports: CoreExports;
  private readonly memory: Uint8Array;
  private readonly programAt: number;
  private readonly partsAt: number;
  private readonly lineAt: number;
  private readonly rangesAt: number;
  private readonly stateAt: number;
  private readonly eventAt: number;
  private readonly outputAt: number;
  private loaded: CoreProgram | undefined;
  private loadedParts: FixedFields | undefined;
  /** The bytes `windowOf[windowStart, windowEnd)` are in memory at `lineAt`. */
  private windowOf: Buffer | undefined;
  private windowStart = 0;
  private windowEnd = 0;
  /** Per length, the output as a Buffer of exactly that length: copied whole into a record, it needs no view per copy. */
  private readonly outputs: Buffer[] = [];

  constructor() {
    compiled ??= new WebAssembly.Module(LAYOUT_CORE_WASM);
    const exports = new WebAssembly.Instance(compiled, {}).exports as CoreExports;
    this.exports = exports;
    let at = (exports.__heap_base.value + 7) & ~7;
    const region = (bytes: number): number => {
      at += bytes;
      return at - bytes;
    };
    this.programAt = region(PROGRAM_BYTES);
    this.partsAt = region(PARTS_BYTES);
    this.rangesAt = region(8 * MAX_MEMBERS);
    this.stateAt = region(4 * STATE_WORDS);
    this.eventAt = region(8);
    this.lineAt = region(WINDOW + 8);
    // The record is at most the line with two quotes per member, then the first standard fields.
    this.outputAt = region(MAX_LINE + 2 * MAX_MEMBERS + FIXED_BYTES);
    const memory = exports.memory;
    if (at > memory.buffer.byteLength) memory.grow(Math.ceil((at - memory.buffer.byteLength) / 65536));
    this.memory = new Uint8Array(memory.buffer);
    this.ranges = new Int32Array(memory.buffer, this.rangesAt, 2 * MAX_MEMBERS);
    this.state = new Int32Array(memory.buffer, this.stateAt, STATE_WORDS);
    this.event = new Float64Array(memory.buffer, this.eventAt, 1);
  }

  /**
   * Reads the line `buf[start, end)` against `program`: the length of what it wrote to `output` (the record up to its
   * closing brace, unless unedited, then the first standard fields with `fixed`, the row counter `row` and the parse
   * time `parseMs` when it has an event time), or -1 when the core declines the line. The bytes must not change while
   * the processor reads them (as for any record kept as a view of them): the lines after this one are copied into the
   * core's memory with it.
   */
  read(program: CoreProgram, fixed: FixedFields, row: number, parseMs: number, buf: Buffer, start: number, end: number): number {
    if (end - start > MAX_LINE) return -1;
    const memory = this.memory;
    if (program !== this.loaded) {
      memory.set(program.code, this.programAt);
      this.loaded = program;
    }
    if (fixed !== this.loadedParts && !this.loadParts(fixed)) return -1;
    if (buf !== this.windowOf || start < this.windowStart || end > this.windowEnd) {
      const to = Math.min(buf.length, start + WINDOW);
      buf.copy(memory, this.lineAt, start, to);
      this.windowOf = buf;
      this.windowStart = start;
      this.windowEnd = to;
    }
    // The core reads the line up to a 0 byte after it: the next line's first byte, put back after.
    const at = this.lineAt + start - this.windowStart;
    const after = at + end - start;
    const next = memory[after];
    memory[after] = 0;
    const n = this.exports.read_line(this.programAt, at, end - start, this.outputAt, this.rangesAt, this.stateAt, this.partsAt, row, parseMs, this.eventAt);
    memory[after] = next;
    return n;
  }

  /** `length` bytes `read` wrote, as a Buffer of the core's memory, valid until the next `read`. */
  output(length: number): Buffer {
    let output = this.outputs[length];
    if (output === undefined) {
      output = Buffer.from(this.memory.buffer, this.outputAt, length);
      this.outputs[length] = output;
    }
    return output;
  }

  /**
   * The edits of a record that stays a view of its line `buf[at, …)` (`read` wrote none of its own text but coerced
   * values), as RecordText.view takes them: absolute offsets and the texts written instead.
   */
  viewEdits(buf: Buffer, at: number): (number | string)[] {
    const state = this.state;
    const edits: (number | string)[] = [];
    for (let k = 0; k < state[1]; k++) {
      const from = at + state[4 + 3 * k];
      const to = at + state[5 + 3 * k];
      const kind = state[6 + 3 * k];
      edits.push(from, to, kind === E_NULL ? 'null' : kind === E_QUOTE ? '"' + latin1Text(buf, from, to) + '"' : latin1Text(buf, from + 1, to - 1));
    }
    return edits;
  }

  /** Loads the standard-field texts: offsets and lengths (six words), then the three texts. False: too long for it. */
  private loadParts(fixed: FixedFields): boolean {
    const texts = [fixed.start, fixed.eventTime, fixed.parseTime];
    let offset = 24;
    if (offset + texts.reduce((n, t) => n + t.length, 0) > PARTS_BYTES) return false;
    const words = new Int32Array(this.memory.buffer, this.partsAt, 6);
    texts.forEach((text, k) => {
      words[k] = offset;
      words[3 + k] = text.length;
      this.memory.set(text, this.partsAt + offset);
      offset += text.length;
    });
    this.loadedParts = fixed;
    return true;
  }
}
