/**
 * Collects a record's indicator values into Panther's p_any_* lists: deduplicated, with unset placeholders skipped
 * and values checked for their kind (an `ip` indicator that does not hold an IP address adds nothing).
 */
import { isIP } from 'node:net';
import type { Indicator } from './schema.js';

/** Values LSS writes for "unset": never indicators. */
const PLACEHOLDERS = new Set(['', '0', 'unset', '-']);

export const INDICATOR_LISTS = ['ip_addresses', 'domain_names', 'emails', 'usernames', 'actor_ids'] as const;
export type IndicatorList = (typeof INDICATOR_LISTS)[number];

export class IndicatorSet {
  /** One list per p_any_* field, in INDICATOR_LISTS order (reused between records). */
  readonly lists: string[][] = INDICATOR_LISTS.map(() => []);

  clear(): void {
    for (const l of this.lists) l.length = 0;
  }

  add(indicator: Indicator, value: string): void {
    if (PLACEHOLDERS.has(value)) return;
    switch (indicator) {
      case 'ip':
        if (isIP(value) !== 0) this.push(0, value);
        break;
      case 'hostname':
        if (isIP(value) !== 0) this.push(0, value);
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
    if (!l.includes(value)) l.push(value);
  }
}

function isDomain(v: string): boolean {
  return v.length <= 253 && /^[^\s/@:]+$/.test(v);
}

function isEmail(v: string): boolean {
  const at = v.indexOf('@');
  return at > 0 && at < v.length - 1 && at === v.lastIndexOf('@') && !/\s/.test(v);
}
