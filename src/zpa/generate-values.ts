/**
 * Plausible values for generated LSS records, chosen by the field's name and type: one small table of name patterns
 * → value kinds, no field lists, each value drawn from the record's scene (generate-scene.ts).
 */
import type { Scene } from './generate-scene.js';
import type { FieldType } from './schema.js';
import { compileTimeFormat } from './time.js';

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
