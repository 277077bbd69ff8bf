/**
 * Plausible values for generated LSS records, chosen by the field's name and type: one small table of name patterns
 * → value kinds, no field lists. A record draws one scene (a customer, a user, a site, an application, a connection
 * state and a timeline just before "now"), so its fields agree with each other: the ZEN is in the client's country,
 * the server port is the application's, a connection that is not closed has no end time, start < end.
 */
import type { FieldType } from './schema.js';
import { compileTimeFormat } from './time.js';

export type Random = () => number;

interface Site {
  readonly city: string;
  readonly country: string;
  /** Region part of a ZEN name (`US-NY-8179`) and of node names. */
  readonly region: string;
  readonly lat: number;
  readonly lon: number;
}

interface App {
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
const POLICIES = ['Allow Employees to Internal Apps', 'Engineering - Dev Tools', 'Contractors - Jira Only', 'Admins - Jump Hosts', 'Finance - SAP Access', 'Block Unmanaged Devices', 'Default Deny'];
const IDPS = ['Okta', 'Microsoft Entra ID', 'Ping Identity', 'Google Workspace'];
const POSTURES = ['CrowdStrike ZTA Score', 'Disk Encryption', 'Domain Joined', 'Firewall Enabled', 'OS Up To Date', 'Client Certificate'];
const NETWORKS = ['Corp HQ LAN', 'Branch Office WiFi', 'Data Center'];
const CLOSE_REASONS = ['BRK_MT_CLOSED_FROM_CLIENT', 'BRK_MT_CLOSED_FROM_ASSISTANT', 'BRK_MT_TERMINATED_IDLE_TIMEOUT', 'BRK_MT_SETUP_FAIL_REJECTED_BY_POLICY'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'curl/8.5.0',
];
const URL_PATHS = ['/', '/login', '/api/v1/items?page=2', '/static/js/app.3f9c1b.js', '/dashboard', '/secure/Dashboard.jspa'];
const HTTP_STATUS = [200, 200, 200, 200, 204, 301, 302, 304, 400, 401, 403, 404, 500, 502, 503];
const PROCESSES = ['ncat', 'java', 'python3', 'nginx', 'postgres', 'sshd', 'node'];
const WAF_CATEGORIES = ['Cross-Site Scripting (XSS)', 'SQL Injection', 'Protocol Issues', 'Remote Code Execution', 'Local File Inclusion'];

const CTIME = compileTimeFormat('%a %b %e %H:%M:%S %Y');
const DAY_MS = 86_400_000;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const HEX = '0123456789abcdef';

/** What a field holds, told apart by how LSS prints it and the schema types it. */
export interface FieldShape {
  readonly key: string;
  /** Printed as a number (%d, %f) or typed bigint/float. */
  readonly numeric: boolean;
  readonly type: FieldType | undefined;
  /** ctime (`time`), ISO 8601 (`iso8601`) or not a printed timestamp. */
  readonly time: 'time' | 'iso8601' | undefined;
  readonly indicators: readonly string[];
  readonly required: boolean;
}

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

type Kind = (s: Scene, key: string) => string;

interface Rule {
  readonly name: RegExp;
  /** number: only where the field is numeric; text: only where it is not. */
  readonly only?: 'number' | 'text';
  readonly value: Kind;
}

const bytes = (max: number): Kind => (s) => String(Math.floor(s.random() ** 3 * max));
const count = (max: number): Kind => (s) => String(Math.floor(s.random() ** 2 * max));
const ephemeralPort: Kind = (s) => String(s.int(32768, 60999));
const serviceByType: Record<string, number> = { smb: 445, ldap: 389, krb: 88 };
/** Node kinds: name abbreviation and group noun. */
const NODES: Record<string, [string, string]> = {
  Connector: ['AC', 'App Connectors'],
  ServiceEdge: ['PSE', 'Service Edges'],
  PrivateSE: ['PSE', 'Service Edges'],
  PrivateCloudController: ['PCC', 'Cloud Controllers'],
};

/**
 * Field name pattern → value kind, first match wins. Timestamps and users come first: `UserID` is a user, not an id;
 * `HostStartTime` a time, not a host.
 */
const RULES: readonly Rule[] = [
  // Time: epoch microseconds (Web Inspection), epoch seconds of host and process starts.
  { name: /^Timestamp/, only: 'number', value: (s, key) => String(s.timeOf(key, true)! * 1000 + s.int(0, 999)) },
  { name: /(StartTime|UpTime)$/, only: 'number', value: (s) => String(s.nextBoot()) },
  // Who.
  { name: /^(Username|User|UserID|NameID|PRACredentialUserName)$/, only: 'text', value: (s) => s.user },
  { name: /^KRBUserPrincipal$/, value: (s) => `${s.user.split('@')[0]}@${s.domain.toUpperCase()}` },
  { name: /Realm$/, value: (s) => s.domain.toUpperCase() },
  { name: /^KRBServicePrincipal$/, value: (s) => `${s.pick(['cifs', 'HTTP', 'ldap', 'host'])}/${s.app.host}.${s.domain}@${s.domain.toUpperCase()}` },
  { name: /^Customer$/, value: (s) => s.customer },
  { name: /^ModifiedBy$|^(Object|Customer)ID$/, value: (s) => s.id() },
  { name: /^Idp$/, value: (s) => s.pick(IDPS) },
  { name: /^SAMLAttributes$/, value: (s) => `email:${s.user},department:${s.pick(['Engineering', 'Finance', 'Sales', 'IT'])}` },
  // Where.
  { name: /^ZENCountryCode$/, value: (s) => s.zenSite.country },
  { name: /CountryCode$/, value: (s) => s.site.country },
  { name: /^ZENLatitude$/, value: (s) => s.coordinate(s.zenSite.lat) },
  { name: /^ZENLongitude$/, value: (s) => s.coordinate(s.zenSite.lon) },
  { name: /Latitude$/, value: (s) => s.coordinate(s.site.lat) },
  { name: /Longitude$/, value: (s) => s.coordinate(s.site.lon) },
  { name: /City$/, value: (s) => s.site.city },
  { name: /^(Client|Connector)?ZEN$/, value: (s) => s.zen(s.zenSite) },
  // Network.
  { name: /^(Client|Connector)(Public)?Port$/, only: 'number', value: ephemeralPort },
  { name: /^SourcePorts$/, value: ephemeralPort },
  { name: /Port$/, only: 'number', value: (s) => String(serviceByType[s.logType.split('-')[0]] ?? s.app.port) },
  { name: /^AvailablePorts$/, value: (s) => String(s.int(28000, 28232)) },
  { name: /^Used(TCP|UDP)Ports/, value: count(200) },
  { name: /^(IP)?Protocol$/, only: 'number', value: (s) => String(s.random() < 0.85 ? 6 : 17) },
  { name: /^Transport$/, value: (s) => (s.random() < 0.85 ? 'TCP' : 'UDP') },
  { name: /Public|^XFF$/, only: 'text', value: (s) => s.publicIp() },
  { name: /^(Host|Destination|Domain|OriginDomain|ResourceName)$/, only: 'text', value: (s) => (s.random() < 0.15 ? s.privateIp() : `${s.app.host}.${s.domain}`) },
  { name: /^Hostname$/, value: (s) => `${s.pick(['DESKTOP', 'LAPTOP'])}-${s.token(7).toUpperCase().replace(/[^A-Z0-9]/g, 'X')}` },
  { name: /^CertificateCN$/, value: (s) => `${s.user.split('@')[0].replace(/\./g, '-')}.devices.${s.domain}` },
  { name: /^InterfaceDefRoute$/, value: (s) => s.pick(['eth0', 'ens160', 'ens5']) },
  // What.
  { name: /^(Policy|PolicyName)$/, only: 'text', value: (s) => s.pick(POLICIES) },
  { name: /^Application$/, only: 'text', value: (s) => s.app.name },
  { name: /^(AppGroup|ApplicationGroup)$/, only: 'text', value: (s) => s.app.group },
  { name: /^Server$/, value: (s) => (s.random() < 0.7 ? '0' : s.id()) },
  { name: /^(Connector|PrivateSE|ServiceEdge|PrivateCloudController)$/, value: (s, key) => `${s.site.region}-${NODES[key][0]}-${String(s.int(1, 12)).padStart(2, '0')}` },
  { name: /^(Connector|ServiceEdge|PrivateCloudController)Group$/, value: (s, key) => `${s.site.city} ${NODES[key.slice(0, -5)][1]}` },
  { name: /^ConnectionStatus$/, value: (s) => s.state },
  { name: /^InternalReason$/, value: (s) => (s.state === 'close' ? s.pick(CLOSE_REASONS) : 'OPEN_OR_ACTIVE_CONNECTION') },
  { name: /^SessionStatus$/, value: (s) => (s.state === 'close' ? 'ZPN_STATUS_DISCONNECTED' : 'ZPN_STATUS_AUTHENTICATED') },
  { name: /^SessionType$/, value: (s) => s.pick(['ZPN_ASSISTANT_BROKER_CONTROL', 'ZPN_ASSISTANT_BROKER_DATA', 'ZPN_TUNNEL_CONTROL']) },
  { name: /^ClientType$/, value: (s) => s.pick(['zpn_client_type_zapp', 'zpn_client_type_zapp', 'zpn_client_type_zapp', 'zpn_client_type_machine_tunnel', 'zpn_client_type_ip_anchoring', 'zpn_client_type_edge_connector']) },
  { name: /^Platform$/, value: (s) => (s.logType.startsWith('user-') ? s.pick(['windows', 'mac', 'linux', 'ios', 'android']) : s.pick(['el8', 'el9', 'docker'])) },
  { name: /^ProtocolVersion$/, value: (s) => ({ smb: '3.1.1', ldap: '3', krb: '5' })[s.logType.split('-')[0]] ?? s.pick(['HTTP/1.1', 'HTTP/2']) },
  { name: /Version$/, value: (s) => (s.logType.startsWith('user-') ? `4.${s.int(2, 5)}.0.${s.int(100, 400)}` : `24.${s.int(100, 360)}.${s.int(1, 9)}`) },
  { name: /^TrustedNetworks$/, value: (s) => `TN${s.int(1, 3)}_${s.site.region.toLowerCase()}` },
  { name: /^TrustedNetworksNames$/, value: (s) => s.pick(NETWORKS) },
  { name: /^Postures/, value: (s) => s.pick(POSTURES) },
  { name: /^FQDNRegistered$/, value: () => '0' },
  { name: /^FQDNRegisteredError$/, value: (s) => s.pick(['', 'CUSTOMER_NOT_ENABLED']) },
  { name: /^ClientToClient$/, value: () => '0' },
  { name: /MicroTenantID$/, value: (s) => (s.random() < 0.6 ? '0' : s.id()) },
  // Identifiers.
  { name: /^SessionID$/, value: (s) => s.token(20) },
  { name: /^RequestID$/, value: (s) => `${s.hex(8)}-${s.hex(4)}-4${s.hex(3)}-${s.pick(['8', '9', 'a', 'b'])}${s.hex(3)}-${s.hex(12)}` },
  { name: /^ConnectionID$/, value: (s) => `${s.token(20)},${s.token(20)}` },
  { name: /^CorsToken$/, value: (s) => s.token(32) },
  { name: /^(Agent|Resource|AppZone|Policy)ID$/, value: (s) => `${s.id().slice(0, 17)}-${s.hex(32)}` },
  { name: /^AgentName$/, value: (s) => `${s.app.host}.${s.domain}-${s.hex(32)}` },
  { name: /^AppZoneName$/, value: (s) => s.app.group },
  { name: /I[Dd]$|^(Application|ApplicationGroup|InspectionPolicy|InspectionProfile)$/, value: (s) => s.id() },
  // Audit.
  { name: /^AuditOperationType$/, value: (s) => s.pick(['Create', 'Update', 'Delete', 'Sign In', 'Sign Out']) },
  { name: /^ObjectType$/, value: (s) => s.pick(['Application Segment', 'Segment Group', 'Server Group', 'Access Policy', 'App Connector Group', 'Authentication']) },
  { name: /^ObjectName$/, value: (s) => s.app.name },
  // HTTP.
  { name: /^Method$/, value: (s) => s.pick(['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']) },
  { name: /^URL$/, value: (s) => s.pick(URL_PATHS) },
  { name: /^Origin$/, value: (s) => `https://${s.app.host}.${s.domain}` },
  { name: /^UserAgent$/, value: (s) => s.pick(USER_AGENTS) },
  { name: /^StatusCode$/, value: (s) => String(s.pick(HTTP_STATUS)) },
  { name: /^Protocol$/, value: (s) => s.pick(['HTTPS', 'HTTPS', 'HTTP']) },
  { name: /^ContentType$/, value: (s) => s.pick(['text/html; charset=utf-8', 'application/json', 'text/css', '']) },
  { name: /^ContentEncoding$/, value: (s) => s.pick(['gzip', 'br', '']) },
  { name: /^TransferEncoding$/, value: (s) => s.pick(['chunked', '']) },
  { name: /^HTTPError$/, value: () => 'success' },
  // Inspection.
  { name: /^InspectionControls$/, value: (s) => String(s.int(920100, 949110)) },
  { name: /^InspectionControlTypes$/, value: (s) => s.pick(['PREDEFINED', 'CUSTOM', 'THREATLABZ']) },
  { name: /^InspectionControlCategories$/, value: (s) => s.pick(WAF_CATEGORIES) },
  { name: /^Actions$/, value: (s) => s.pick(['PASS', 'BLOCK', 'REDIRECT']) },
  { name: /^Severities$/, value: (s) => s.pick(['CRITICAL', 'ERROR', 'WARNING', 'NOTICE']) },
  { name: /^Descriptions$/, value: (s) => `${s.pick(WAF_CATEGORIES)} attack detected` },
  { name: /Classi?fication$/, value: (s) => s.logType.split('-')[0].toUpperCase() },
  { name: /^ProtocolInspectionError$|^ConnectionReason$/, value: () => '' },
  { name: /Encryption$/, only: 'text', value: (s) => s.pick(['aes256-cts-hmac-sha1-96', 'aes128-cts-hmac-sha1-96', 'rc4-hmac']) },
  { name: /ErrorCode$/, value: (s) => s.pick(['', '', 'KDC_ERR_PREAUTH_FAILED', 'KDC_ERR_C_PRINCIPAL_UNKNOWN']) },
  { name: /^ParanoiaLevel$/, value: (s) => String(s.int(1, 4)) },
  // Microsegmentation.
  { name: /^Direction$/, value: (s) => s.pick(['INBOUND', 'OUTBOUND']) },
  { name: /^EnforcementAction$/, value: (s) => s.pick(['ALLOW', 'ALLOW', 'BLOCK']) },
  { name: /^EnforcementReason$/, value: (s) => s.pick(['RULE', 'DEFAULT']) },
  { name: /^EnforcementDisposition$/, value: (s) => s.pick(['CONNECTED', 'REJECTED']) },
  { name: /^AppName$/, value: (s) => s.pick(PROCESSES) },
  { name: /^AppExecutablePath$/, value: (s) => `/usr/bin/${s.pick(PROCESSES)}` },
  // Counters and gauges.
  { name: /Utilization$/, value: (s) => String(s.int(0, 100)) },
  { name: /^DoubleEncryption$|^SSLInspection$|Present$|^ClientAuditUpdate$/, value: (s) => String(s.int(0, 1)) },
  { name: /^AvailableDiskBytes$/, value: (s) => String(s.int(20, 900) * 1_000_000_000) },
  { name: /Bytes/, value: bytes(5_000_000_000) },
  { name: /Size$/, value: bytes(200_000) },
  { name: /^Packets/, value: count(50_000_000) },
  { name: /^(Errors|Discards)/, value: count(50) },
  { name: /MaximumFileDescriptors$/, value: (s) => String(s.pick([65536, 512000, 1048576])) },
  { name: /FileDescriptors$/, value: count(5000) },
  { name: /^NumOfInterfaces$/, value: (s) => String(s.int(1, 4)) },
  { name: /Time$|^TotalTime/, only: 'number', value: count(200_000) },
  { name: /Count$|Connections|Requests|Queries|Enum|^SMBRPC$|Index$/, value: count(1000) },
];

const PRA = /^PRA/;

export type ValueOf = (s: Scene) => string;

/**
 * How to draw a field's plausible value (text before LSS quoting), resolved once per field; undefined when no rule
 * knows the name (the caller falls back on the type). PRA fields stay empty: a record is not a Privileged Remote
 * Access session.
 */
export function plausibleValue(shape: FieldShape): ValueOf | undefined {
  const key = shape.key;
  if (shape.time !== undefined || shape.type === 'timestamp') {
    const print = shape.time === 'time' ? (ms: number) => CTIME.canonical!(ms) : (ms: number) => new Date(ms).toISOString();
    return (s) => {
      const ms = s.timeOf(key, shape.required);
      return ms === undefined ? '' : print(ms);
    };
  }
  if (PRA.test(key)) {
    const empty = shape.numeric ? '0' : '';
    return () => empty;
  }
  const kind = shape.numeric ? 'number' : 'text';
  const rule = RULES.find((r) => (r.only === undefined || r.only === kind) && r.name.test(key));
  if (rule !== undefined) return (s) => rule.value(s, key);
  // Public addresses are matched above by name; every other address is inside the customer's network.
  if (shape.indicators.includes('ip')) return (s) => s.privateIp();
  if (shape.indicators.some((i) => i === 'email' || i === 'username' || i === 'actor_id')) return (s) => s.user;
  if (shape.indicators.some((i) => i === 'hostname' || i === 'domain')) return (s) => `${s.app.host}.${s.domain}`;
  return undefined;
}
