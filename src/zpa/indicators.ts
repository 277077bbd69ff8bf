/**
 * Collects a record's indicator values into Panther's p_any_* lists: deduplicated, with unset placeholders skipped
 * and values checked for their kind (an `ip` indicator that does not hold an IP address adds nothing).
 */
import { isIP } from 'node:net';
import type { Indicator } from './schema.js';

/** Values LSS writes for "unset": never indicators. */
const PLACEHOLDERS = new Set(['', '0', 'unset', '-']);
const PLACEHOLDER_MAX_LENGTH = Math.max(...[...PLACEHOLDERS].map((p) => p.length));

export const INDICATOR_LISTS = ['ip_addresses', 'domain_names', 'emails', 'usernames', 'actor_ids'] as const;
export type IndicatorList = (typeof INDICATOR_LISTS)[number];

export class IndicatorSet {
  /**
   * One list per p_any_* field, in INDICATOR_LISTS order, of `counts[i]` values: reused between records, and not
   * truncated, which would free their storage for every record to grow again.
   */
  readonly lists: string[][] = INDICATOR_LISTS.map(() => []);
  readonly counts: number[] = INDICATOR_LISTS.map(() => 0);

  clear(): void {
    const counts = this.counts;
    for (let i = 0; i < counts.length; i++) counts[i] = 0;
  }

  add(indicator: Indicator, value: string): void {
    // The length test first: hashing every value for the set costs more than the set saves.
    if (value.length <= PLACEHOLDER_MAX_LENGTH && PLACEHOLDERS.has(value)) return;
    switch (indicator) {
      case 'ip':
        if (ipVersion(value) !== 0) this.push(0, value);
        break;
      case 'hostname':
        if (ipVersion(value) !== 0) this.push(0, value);
        else if (isDomain(value)) this.push(1, value.toLowerCase());
        break;
      case 'domain':
        if (isDomain(value)) this.push(1, value.toLowerCase());
        break;
      case 'email':
        if (isEmail(value)) this.push(2, value);
        break;
      case 'username':
        this.push(3, value);
        break;
      case 'actor_id':
        this.push(4, value);
        break;
    }
  }

  private push(list: number, value: string): void {
    const l = this.lists[list];
    const count = this.counts[list];
    for (let i = 0; i < count; i++) if (l[i] === value) return;
    l[count] = value;
    this.counts[list] = count + 1;
  }
}

function isDomain(v: string): boolean {
  return v.length <= 253 && /^[^\s/@:]+$/.test(v);
}

function isEmail(v: string): boolean {
  const at = v.indexOf('@');
  return at > 0 && at < v.length - 1 && at === v.lastIndexOf('@') && !/\s/.test(v);
}

/**
 * node:net isIP(v) (4, 6 or 0), with its IPv4 regular expression done by hand: an IPv6 address always has a colon,
 * so most values are decided here and only those with a colon go to isIP.
 */
export function ipVersion(v: string): number {
  if (isDottedQuad(v)) return 4;
  return v.indexOf(':') < 0 ? 0 : isIP(v);
}

/** Exactly node:net's IPv4 pattern: four decimal parts 0-255, no leading zeros, nothing else. */
function isDottedQuad(v: string): boolean {
  const n = v.length;
  if (n < 7 || n > 15) return false;
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (v.charCodeAt(i) !== 46 /* . */) return false;
      i++;
    }
    const start = i;
    let value = 0;
    for (let d = v.charCodeAt(i) - 48; i < n && d >= 0 && d <= 9 && i - start < 3; d = v.charCodeAt(++i) - 48) value = value * 10 + d;
    const len = i - start;
    if (len === 0 || value > 255 || (len > 1 && v.charCodeAt(start) === 48)) return false;
  }
  return i === n;
}
