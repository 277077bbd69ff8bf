/**
 * The world one generated record is drawn from: a customer, a user, a site, an application, a connection state and a
 * timeline just before "now", so that a record's fields agree with each other (the ZEN is in the client's country, a
 * connection that is not closed has no end time, start < end).
 */

export type Random = () => number;

export interface Site {
  readonly city: string;
  readonly country: string;
  /** Region part of a ZEN name (`US-NY-8179`) and of node names. */
  readonly region: string;
  readonly lat: number;
  readonly lon: number;
}

export interface App {
  readonly name: string;
  readonly group: string;
  readonly host: string;
  readonly port: number;
}

const SITES: readonly Site[] = [
  { city: 'San Jose', country: 'US', region: 'CA', lat: 37.3382, lon: -121.8863 },
  { city: 'New York', country: 'US', region: 'NY', lat: 40.7128, lon: -74.006 },
  { city: 'Chicago', country: 'US', region: 'IL', lat: 41.8781, lon: -87.6298 },
  { city: 'Toronto', country: 'CA', region: 'ON', lat: 43.6532, lon: -79.3832 },
  { city: 'London', country: 'GB', region: 'LDN', lat: 51.5072, lon: -0.1276 },
  { city: 'Frankfurt', country: 'DE', region: 'HE', lat: 50.1109, lon: 8.6821 },
  { city: 'Zürich', country: 'CH', region: 'ZH', lat: 47.3769, lon: 8.5417 },
  { city: 'Paris', country: 'FR', region: 'IDF', lat: 48.8566, lon: 2.3522 },
  { city: 'Singapore', country: 'SG', region: 'SG', lat: 1.3521, lon: 103.8198 },
  { city: 'Tokyo', country: 'JP', region: 'TYO', lat: 35.6762, lon: 139.6503 },
  { city: 'Sydney', country: 'AU', region: 'NSW', lat: -33.8688, lon: 151.2093 },
  { city: 'São Paulo', country: 'BR', region: 'SP', lat: -23.5558, lon: -46.6396 },
  { city: 'Bengaluru', country: 'IN', region: 'KA', lat: 12.9716, lon: 77.5946 },
];

const APPS: readonly App[] = [
  { name: 'Jira', group: 'Engineering Apps', host: 'jira', port: 443 },
  { name: 'GitLab', group: 'Engineering Apps', host: 'gitlab', port: 443 },
  { name: 'SAP ERP', group: 'Finance Apps', host: 'sap-erp', port: 3200 },
  { name: 'HR Portal', group: 'HR Apps', host: 'hr', port: 443 },
  { name: 'File Shares', group: 'Corporate Files', host: 'files01', port: 445 },
  { name: 'RDP Jump Hosts', group: 'Admin Access', host: 'jump01', port: 3389 },
  { name: 'Linux Servers SSH', group: 'Admin Access', host: 'bastion', port: 22 },
  { name: 'Postgres Prod', group: 'Databases', host: 'pg-prod', port: 5432 },
  { name: 'Intranet', group: 'All Employees', host: 'intranet', port: 443 },
];


const COMPANIES = ['Acme Corporation', 'Globex Industries', 'Initech', 'Umbrella Health', 'Northwind Traders', 'Contoso Pharma', 'Wayne Logistics'];
const FIRST_NAMES = ['jane', 'john', 'ana', 'wei', 'priya', 'lukas', 'fatima', 'kenji', 'olivia', 'müller'];
const LAST_NAMES = ['doe', 'silva', 'chen', 'patel', 'schmidt', 'haddad', 'tanaka', 'smith', 'novak'];

const DAY_MS = 86_400_000;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const HEX = '0123456789abcdef';

/** One record's world: every value of the record is drawn from it. */
export class Scene {
  /** LogTimestamp: whole seconds, a few seconds to two minutes before the base time. */
  readonly eventMs: number;
  /** The connection or session: start < end ≤ eventMs. */
  readonly start: number;
  readonly end: number;
  /** open, active or close: only a closed connection has an end time and a close reason. */
  readonly state: 'open' | 'active' | 'close';
  readonly customer: string;
  readonly domain: string;
  readonly user: string;
  readonly site: Site;
  readonly zenSite: Site;
  readonly app: App;
  private cursor: number;
  private bootCursor: number;

  constructor(
    readonly random: Random,
    readonly logType: string,
    baseMs: number,
  ) {
    this.eventMs = Math.floor((baseMs - random() ** 2 * 120_000) / 1000) * 1000;
    this.end = this.eventMs - this.int(0, 999);
    this.start = this.end - 5000 - Math.floor(random() ** 2 * 600_000);
    this.cursor = this.start;
    this.bootCursor = this.start - this.int(100, 400) * DAY_MS;
    this.state = this.pick(['open', 'active', 'close'] as const);
    this.customer = this.pick(COMPANIES);
    this.domain = `${this.customer.split(' ')[0].toLowerCase()}.example.com`;
    this.user = `${this.pick(FIRST_NAMES)}.${this.pick(LAST_NAMES)}@${this.domain}`;
    this.site = this.pick(SITES);
    this.zenSite = random() < 0.85 ? this.site : this.pick(SITES);
    this.app = this.pick(APPS);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)];
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  /** The next step of the connection, in the order the template lists its timestamps. */
  nextEarly(): number {
    this.cursor += this.int(1, 40);
    return this.cursor;
  }

  /** Last packets: in the two seconds before the end. */
  late(): number {
    return this.end - this.int(0, 2000);
  }

  /** Host and process start times (epoch seconds): days to months before the connection, in template order. */
  nextBoot(): number {
    this.bootCursor += Math.floor((this.start - this.bootCursor) * (0.1 + this.random() * 0.4));
    return Math.floor(this.bootCursor / 1000);
  }

  token(length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(this.random() * ALPHABET.length)];
    return s;
  }

  hex(length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += HEX[Math.floor(this.random() * 16)];
    return s;
  }

  /** A ZPA object id: 18 digits, above 2^53 (`145254438888544148`). */
  id(): string {
    return `14${this.int(4000000, 5999999)}${String(this.int(0, 999_999_999)).padStart(9, '0')}`;
  }

  privateIp(): string {
    switch (this.int(0, 2)) {
      case 0:
        return `10.${this.int(0, 255)}.${this.int(0, 255)}.${this.int(1, 254)}`;
      case 1:
        return `172.${this.int(16, 31)}.${this.int(0, 255)}.${this.int(1, 254)}`;
      default:
        return `192.168.${this.int(0, 255)}.${this.int(1, 254)}`;
    }
  }

  /** Documentation ranges (RFC 5737, RFC 3849): public-looking addresses that belong to nobody. */
  publicIp(): string {
    if (this.random() < 0.1) return `2001:db8:${this.hex(4)}::${this.int(1, 65535).toString(16)}`;
    return `${this.pick(['192.0.2', '198.51.100', '203.0.113'])}.${this.int(1, 254)}`;
  }

  zen(site: Site): string {
    return `${site.country}-${site.region}-${this.int(1000, 9999)}`;
  }

  coordinate(value: number): string {
    return (value + (this.random() - 0.5) * 0.2).toFixed(6);
  }

  /** A point of the scene's timeline for a timestamp field, by its name; undefined: unset (the connection is open). */
  timeOf(key: string, required: boolean): number | undefined {
    switch (timePhase(key)) {
      case 'event':
        return this.eventMs;
      case 'end':
        return this.end;
      case 'closing':
        return this.state === 'close' || required ? this.end : undefined;
      case 'late':
        return this.late();
      default:
        return this.nextEarly();
    }
  }
}

type Phase = 'event' | 'end' | 'closing' | 'late' | 'early';
const phases = new Map<string, Phase>();

/** Where a timestamp falls in its record, by name: Modified at the end, End only once closed, Last* near the end. */
function timePhase(key: string): Phase {
  let phase = phases.get(key);
  if (phase === undefined) {
    phase = key === 'LogTimestamp' ? 'event' : /^Modified/.test(key) ? 'end' : /End$|UnAuthentication$/.test(key) ? 'closing' : /Last/.test(key) ? 'late' : 'early';
    phases.set(key, phase);
  }
  return phase;
}
