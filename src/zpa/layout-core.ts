/**
 * The layout core: the fast path's one pass over a JSON line's bytes (layout-core.c, compiled to WebAssembly), for a
 * layout whose every member it can read. The processor's TypeScript path stays the reference: the core answers only
 * for a line that path accepts without a deviation, with the same text, and declines the rest, which that path reads.
 */
import type { FastLayout } from './layout.js';
import type { FieldSpec } from './schema.js';
import { LAYOUT_CORE_WASM } from './layout-core-wasm.js';

/** Member ops and flags, as layout-core.c names them. */
const OP = { any: 0, string: 1, bigint: 2, float: 3, boolean: 4, rfc3339: 5, ctime: 6, json: 7 } as const;
const F_REQUIRED = 1;
const F_INDICATOR = 2;
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
    /** Members with an event time or indicators to note, in member order. */
    readonly noted: readonly number[],
  ) {}
}

/** The core's program for `fast`, or undefined when a member's field or a piece is beyond it. */
export function coreProgram(fast: Omit<FastLayout, 'core'>): CoreProgram | undefined {
  const { pieces, fields, tail } = fast;
  const count = pieces.length;
  if (count === 0 || count > MAX_MEMBERS || !isAscii(tail) || !pieces.every(isAscii)) return undefined;
  const ops: number[] = [];
  const noted: number[] = [];
  for (let m = 0; m < count; m++) {
    const field = fields[m];
    const op = field === undefined ? OP.any : opOf(field);
    if (op === undefined) return undefined;
    ops.push(op);
    if (field !== undefined && (field.isEventTime || (field.type === 'string' && field.indicators.length !== 0))) noted.push(m);
  }
  const header = (3 + 4 * count) * 4;
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
    words[3 + 4 * m] = put(pieces[m]);
    words[4 + 4 * m] = pieces[m].length;
    words[5 + 4 * m] = ops[m];
    words[6 + 4 * m] = field === undefined ? 0 : (field.required ? F_REQUIRED : 0) | (field.type === 'string' && field.indicators.length !== 0 ? F_INDICATOR : 0);
  }
  words[1] = put(tail);
  words[2] = tail.length;
  return new CoreProgram(code, fields, noted);
}

function opOf(field: FieldSpec): number | undefined {
  switch (field.type) {
    case 'string':
    case 'bigint':
    case 'float':
    case 'boolean':
    case 'json':
      return OP[field.type];
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

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return false;
  return true;
}

/** As much of the WebAssembly API as the core needs: its types live in TypeScript's DOM library, which is not ours. */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
};

interface CoreExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  __heap_base: { value: number };
  read_line(program: number, line: number, n: number, out: number, times: number, ranges: number, state: number): number;
}

/**
 * One instance of the core, with its memory laid out once: the program loaded last, the line, the record written,
 * and per member its time and its indicator value's range.
 */
export class LayoutCore {
  /** Per member after `read`: epoch ms of a time value, else -1. */
  readonly times: Float64Array;
  /** Per member after `read`: `[start, end)` of its indicator value in the line, else -1, -1. */
  readonly ranges: Int32Array;
  /**
   * After `read`: [0] is 1 when the line holds non-ASCII characters (valid UTF-8: the core declines any other); [1]
   * counts the record's edits (0: the record is the line up to its closing brace).
   */
  readonly state: Int32Array;
  private readonly exports: CoreExports;
  private readonly memory: Uint8Array;
  private readonly programAt: number;
  private readonly lineAt: number;
  private readonly timesAt: number;
  private readonly rangesAt: number;
  private readonly stateAt: number;
  private readonly outputAt: number;
  private loaded: CoreProgram | undefined;
  /** The bytes `windowOf[windowStart, windowEnd)` are in memory at `lineAt`, followed by a 0 byte. */
  private windowOf: Buffer | undefined;
  private windowStart = 0;
  private windowEnd = 0;
  /** Per length, the output as a Buffer of exactly that length: copied whole into a record, it needs no view per copy. */
  private readonly outputs: Buffer[] = [];

  constructor() {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(LAYOUT_CORE_WASM), {});
    const exports = instance.exports as unknown as CoreExports;
    this.exports = exports;
    const base = (exports.__heap_base.value + 7) & ~7;
    this.programAt = base;
    this.timesAt = base + PROGRAM_BYTES;
    this.rangesAt = this.timesAt + 8 * MAX_MEMBERS;
    this.stateAt = this.rangesAt + 8 * MAX_MEMBERS;
    this.lineAt = this.stateAt + 8;
    this.outputAt = this.lineAt + WINDOW + 8;
    // The record is at most the line with two quotes per member.
    const end = this.outputAt + MAX_LINE + 2 * MAX_MEMBERS;
    const memory = exports.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
    this.memory = new Uint8Array(memory.buffer);
    this.times = new Float64Array(memory.buffer, this.timesAt, MAX_MEMBERS);
    this.ranges = new Int32Array(memory.buffer, this.rangesAt, 2 * MAX_MEMBERS);
    this.state = new Int32Array(memory.buffer, this.stateAt, 2);
  }

  /**
   * Reads the line `buf[start, end)` against `program`: the length of the record written (up to its closing brace,
   * not included), or -1 when the core declines it. The bytes must not change while the processor reads them (as for
   * any record kept as a view of them): the lines after this one are copied into the core's memory with it.
   */
  read(program: CoreProgram, buf: Buffer, start: number, end: number): number {
    if (end - start > MAX_LINE) return -1;
    const memory = this.memory;
    if (program !== this.loaded) {
      memory.set(program.code, this.programAt);
      this.loaded = program;
    }
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
    const n = this.exports.read_line(this.programAt, at, end - start, this.outputAt, this.timesAt, this.rangesAt, this.stateAt);
    memory[after] = next;
    return n;
  }

  /** The record `read` wrote (`length` bytes), as a Buffer of the core's memory, valid until the next `read`. */
  output(length: number): Buffer {
    let output = this.outputs[length];
    if (output === undefined) {
      output = Buffer.from(this.memory.buffer, this.outputAt, length);
      this.outputs[length] = output;
    }
    return output;
  }
}
