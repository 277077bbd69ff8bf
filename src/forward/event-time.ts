/**
 * Fluent's EventTime: seconds and nanoseconds since the epoch, carried on the wire as msgpack ext type 0
 * (uint32 BE seconds, uint32 BE nanoseconds). Integer and float times from older senders map onto it too.
 */
export class EventTime {
  constructor(
    readonly seconds: number,
    readonly nanoseconds: number,
  ) {}

  static fromNumber(time: number): EventTime {
    const seconds = Math.floor(time);
    return new EventTime(seconds, Math.round((time - seconds) * 1e9));
  }

  /** Decodes the 8-byte ext payload; returns undefined when it is not 8 bytes. */
  static fromExt(data: Uint8Array): EventTime | undefined {
    if (data.length !== 8) return undefined;
    const view = new DataView(data.buffer, data.byteOffset, 8);
    return new EventTime(view.getUint32(0), view.getUint32(4));
  }

  toMillis(): number {
    return this.seconds * 1000 + Math.floor(this.nanoseconds / 1e6);
  }

  /** RFC 3339 in UTC with nanosecond precision, e.g. 2026-11-23T03:50:40.710575297Z. */
  toISOString(): string {
    const base = new Date(this.seconds * 1000).toISOString().slice(0, 19);
    return `${base}.${String(this.nanoseconds).padStart(9, '0')}Z`;
  }
}
