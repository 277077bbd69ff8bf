/**
 * The SIEMs' ingestion APIs as their documentation describes them, on 127.0.0.1: each checks auth, body shape and
 * size limits and answers as the real service does (its status codes and error bodies), stores what it accepts, and
 * lists what it refused and why. Faults (429 with Retry-After, 5xx) can be queued for the next well-formed requests.
 * A test that sends what the real service would refuse sees it here as a refusal, and so fails.
 */
import { HttpTarget, type ReceivedRequest, type Reply } from './http-target.js';
import type { IssuedTokens } from './siem-tokens.js';

export interface Refusal {
  status: number;
  why: string;
  url: string;
}

/** What every service double shares: the target, refusals, faults to answer instead of storing, and the answer. */
abstract class Service {
  readonly refusals: Refusal[] = [];
  /** Answers for the next well-formed requests, in place of storing them (throttling, outages). */
  readonly faults: Reply[] = [];

  protected constructor(readonly target: HttpTarget) {
    target.respond = (request) => {
      const refusal = this.check(request);
      if (refusal !== undefined) {
        this.refusals.push({ status: refusal.status, why: refusal.why, url: request.url });
        return { status: refusal.status, body: refusal.body };
      }
      const fault = this.faults.shift();
      if (fault !== undefined) return fault;
      return this.store(request);
    };
  }

  /** Why the real service would refuse this request (status, reason, its error body), or undefined. */
  protected abstract check(request: ReceivedRequest): { status: number; why: string; body: string } | undefined;
  /** Keeps what the request carries; the service's success answer. */
  protected abstract store(request: ReceivedRequest): Reply;

  stop(): Promise<void> {
    return this.target.stop();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Sentinel's Logs Ingestion API for one DCR and stream (learn.microsoft.com, "Logs Ingestion API in Azure Monitor"). */
export class SentinelService extends Service {
  static readonly MAX_CALL_BYTES = 1_000_000;
  /** Rows stored, as the stream declaration's columns. */
  readonly rows: Record<string, unknown>[] = [];
  /** Properties that are not a column of the stream: the real API drops them. */
  readonly dropped = new Set<string>();

  private constructor(
    target: HttpTarget,
    private readonly tokens: IssuedTokens,
    readonly dcr: string,
    readonly stream: string,
    private readonly columns: Record<string, 'datetime' | 'string' | 'dynamic'>,
  ) {
    super(target);
  }

  static async start(tokens: IssuedTokens, columns: Record<string, 'datetime' | 'string' | 'dynamic'> = { TimeGenerated: 'datetime', Message: 'string' }, stream = 'Custom-ZPA_CL'): Promise<SentinelService> {
    return new SentinelService(await HttpTarget.create(), tokens, 'dcr-0123456789abcdef0123456789abcdef', stream, columns);
  }

  protected check(request: ReceivedRequest) {
    const error = (status: number, code: string, why: string) => ({ status, why, body: JSON.stringify({ error: { code, message: why } }) });
    const url = new URL(request.url, 'http://x');
    if (request.method !== 'POST' || url.pathname !== `/dataCollectionRules/${this.dcr}/streams/${this.stream}`) return error(404, 'NotFound', `no stream at ${url.pathname}`);
    if (url.searchParams.get('api-version') !== '2023-01-01') return error(400, 'InvalidApiVersion', `api-version ${url.searchParams.get('api-version')}`);
    if (!this.tokens.valid(request.headers.authorization)) return error(401, 'InvalidToken', 'the bearer token is missing, invalid or expired');
    if (request.headers['content-type'] !== 'application/json') return error(415, 'UnsupportedMediaType', `content-type ${request.headers['content-type']}`);
    if (request.raw.length > SentinelService.MAX_CALL_BYTES || Buffer.byteLength(request.text) > SentinelService.MAX_CALL_BYTES) {
      return error(413, 'ContentLengthLimitExceeded', `${request.raw.length} bytes sent, ${Buffer.byteLength(request.text)} uncompressed: over 1 MB`);
    }
    const body = parseJson(request.text);
    if (!Array.isArray(body)) return error(400, 'InvalidPayload', 'the body must be a JSON array');
    for (const [i, row] of body.entries()) {
      if (!isObject(row)) return error(400, 'InvalidPayload', `element ${i} is not an object`);
      for (const [name, value] of Object.entries(row)) {
        if (!/^[A-Za-z][A-Za-z0-9_]{0,44}$/.test(name) || ['_ResourceId', 'id', '_SubscriptionId', 'TenantId', 'Type', 'UniqueId', 'Title'].includes(name)) {
          return error(400, 'InvalidColumnName', `element ${i}: column name ${name}`);
        }
        const type = this.columns[name];
        if (type === 'datetime' && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) return error(400, 'InvalidPayload', `element ${i}: ${name} is not a datetime`);
        if (type === 'string' && typeof value !== 'string') return error(400, 'InvalidPayload', `element ${i}: ${name} is not a string`);
      }
    }
    return undefined;
  }

  protected store(request: ReceivedRequest): Reply {
    for (const row of JSON.parse(request.text) as Record<string, unknown>[]) {
      const kept: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(row)) {
        if (name in this.columns) kept[name] = value;
        else this.dropped.add(name);
      }
      this.rows.push(kept);
    }
    return { status: 204 };
  }
}

/** Google SecOps' ImportLogs (v1beta) or the legacy `unstructuredlogentries:batchCreate`, for one instance. */
export class SecopsService extends Service {
  /** Each log stored: its log type label and text (base64-decoded for ImportLogs). */
  readonly logs: { label: string; text: string; entryTime?: string; namespace?: string; forwarder?: string }[] = [];
  /** Log type labels the instance has parsers for. */
  labels = new Set(['ZSCALER_ZPA', 'ZSCALER_ZPA_AUDIT']);

  private constructor(
    target: HttpTarget,
    private readonly tokens: IssuedTokens,
    readonly api: 'import' | 'legacy',
    readonly project: string,
    readonly region: string,
    readonly customerId: string,
  ) {
    super(target);
  }

  static async start(tokens: IssuedTokens, api: 'import' | 'legacy' = 'import'): Promise<SecopsService> {
    return new SecopsService(await HttpTarget.create(), tokens, api, 'secops-project', 'europe', 'c0ffee00-1234-4abc-8def-0123456789ab');
  }

  get maxBytes(): number {
    return this.api === 'import' ? 4_000_000 : 1_000_000;
  }

  protected check(request: ReceivedRequest) {
    const error = (status: number, code: string, why: string) => ({ status, why, body: JSON.stringify({ error: { code: status, message: why, status: code } }) });
    if (!this.tokens.valid(request.headers.authorization)) return error(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    if (request.headers['content-type'] !== 'application/json') return error(400, 'INVALID_ARGUMENT', `content-type ${request.headers['content-type']}`);
    if (request.raw.length > this.maxBytes) return error(413, 'PAYLOAD_TOO_LARGE', `${request.raw.length} bytes: over ${this.maxBytes}`);
    const body = parseJson(request.text);
    if (!isObject(body)) return error(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    return this.api === 'import' ? this.checkImport(request.url, body, error) : this.checkLegacy(request.url, body, error);
  }

  private checkImport(url: string, body: Record<string, unknown>, error: (status: number, code: string, why: string) => { status: number; why: string; body: string }) {
    const path = new RegExp(`^/v1beta/projects/${this.project}/locations/${this.region}/instances/${this.customerId}/logTypes/([^/]+)/logs:import$`).exec(url);
    if (path === null) return error(404, 'NOT_FOUND', `no ImportLogs method at ${url}`);
    if (!this.labels.has(path[1])) return error(400, 'INVALID_ARGUMENT', `Log type ${path[1]} not found.`);
    const source = body.inlineSource;
    if (!isObject(source) || !Array.isArray(source.logs) || source.logs.length === 0) return error(400, 'INVALID_ARGUMENT', 'inlineSource.logs is required');
    if (source.forwarder !== undefined && !(typeof source.forwarder === 'string' && source.forwarder.startsWith(`projects/${this.project}/locations/${this.region}/instances/${this.customerId}/forwarders/`))) {
      return error(400, 'INVALID_ARGUMENT', `forwarder ${String(source.forwarder)}`);
    }
    for (const log of source.logs) {
      if (!isObject(log) || typeof log.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(log.data) || log.data.length % 4 !== 0) return error(400, 'INVALID_ARGUMENT', 'logs[].data must be base64 bytes');
      if (log.logEntryTime !== undefined && (typeof log.logEntryTime !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(log.logEntryTime))) return error(400, 'INVALID_ARGUMENT', `logEntryTime ${String(log.logEntryTime)}`);
    }
    return undefined;
  }

  private checkLegacy(url: string, body: Record<string, unknown>, error: (status: number, code: string, why: string) => { status: number; why: string; body: string }) {
    if (url !== '/v2/unstructuredlogentries:batchCreate') return error(404, 'NOT_FOUND', `no batchCreate at ${url}`);
    if (body.customerId !== this.customerId) return error(400, 'INVALID_ARGUMENT', `customerId ${String(body.customerId)}`);
    if (typeof body.logType !== 'string' || !this.labels.has(body.logType)) return error(400, 'INVALID_ARGUMENT', `logType ${String(body.logType)}`);
    if (!Array.isArray(body.entries) || body.entries.length === 0) return error(400, 'INVALID_ARGUMENT', 'entries is required');
    for (const entry of body.entries) if (!isObject(entry) || typeof entry.logText !== 'string') return error(400, 'INVALID_ARGUMENT', 'entries[].logText must be a string');
    return undefined;
  }

  protected store(request: ReceivedRequest): Reply {
    const body = JSON.parse(request.text) as Record<string, unknown>;
    if (this.api === 'import') {
      const label = /logTypes\/([^/]+)\//.exec(request.url)![1];
      const source = body.inlineSource as { logs: { data: string; logEntryTime?: string; environmentNamespace?: string }[]; forwarder?: string };
      for (const log of source.logs) this.logs.push({ label, text: Buffer.from(log.data, 'base64').toString('utf8'), entryTime: log.logEntryTime, namespace: log.environmentNamespace, forwarder: source.forwarder });
    } else {
      for (const entry of body.entries as { logText: string }[]) this.logs.push({ label: body.logType as string, text: entry.logText, namespace: body.namespace as string | undefined });
    }
    return { status: 200, body: '{}' };
  }
}

/** Datadog's logs intake v2 (docs.datadoghq.com, "Send logs"): DD-API-KEY, a JSON array, 1000 entries, 5 MB, 1 MB a log. */
export class DatadogService extends Service {
  readonly entries: Record<string, unknown>[] = [];

  private constructor(
    target: HttpTarget,
    private readonly apiKey: string,
  ) {
    super(target);
  }

  static async start(apiKey = 'dd-api-key'): Promise<DatadogService> {
    return new DatadogService(await HttpTarget.create(), apiKey);
  }

  protected check(request: ReceivedRequest) {
    const error = (status: number, why: string) => ({ status, why, body: JSON.stringify({ errors: [{ status: String(status), title: why }] }) });
    if (request.method !== 'POST' || request.url !== '/api/v2/logs') return error(404, `no intake at ${request.url}`);
    if (request.headers['dd-api-key'] !== this.apiKey) return error(403, 'Forbidden');
    if (Buffer.byteLength(request.text) > 5_000_000) return error(413, 'Payload too large: over 5 MB uncompressed');
    const body = parseJson(request.text);
    if (!Array.isArray(body)) return error(400, 'the body must be a JSON array of logs');
    if (body.length > 1000) return error(400, `${body.length} entries: at most 1000`);
    for (const entry of body) if (!isObject(entry) || Buffer.byteLength(JSON.stringify(entry)) > 1_000_000) return error(400, 'an entry is not an object or is over 1 MB');
    return undefined;
  }

  protected store(request: ReceivedRequest): Reply {
    this.entries.push(...(JSON.parse(request.text) as Record<string, unknown>[]));
    return { status: 202, body: '{}' };
  }
}

/** Splunk's HTTP Event Collector `/services/collector/event` (docs.splunk.com, "Format events for HTTP Event Collector"). */
export class SplunkHecService extends Service {
  readonly events: Record<string, unknown>[] = [];

  private constructor(
    target: HttpTarget,
    private readonly token: string,
    /** The indexes the token may write to; the first is its default. */
    private readonly indexes: readonly string[],
  ) {
    super(target);
  }

  static async start(token = 'hec-token', indexes: readonly string[] = ['main', 'zscaler']): Promise<SplunkHecService> {
    return new SplunkHecService(await HttpTarget.create(), token, indexes);
  }

  protected check(request: ReceivedRequest) {
    const error = (status: number, code: number, text: string, invalid?: number) => ({
      status,
      why: `${text}${invalid === undefined ? '' : ` (event ${invalid})`}`,
      body: JSON.stringify({ text, code, ...(invalid === undefined ? {} : { 'invalid-event-number': invalid }) }),
    });
    if (request.url !== '/services/collector/event') return error(404, 404, `no collector at ${request.url}`);
    if (request.headers.authorization === undefined) return error(401, 2, 'Token is required');
    if (request.headers.authorization !== `Splunk ${this.token}`) return error(403, 4, 'Invalid token');
    const events = concatenatedJson(request.text);
    if (events === undefined) return error(400, 6, 'Invalid data format');
    for (const [i, event] of events.entries()) {
      if (!isObject(event)) return error(400, 6, 'Invalid data format', i);
      if (event.event === undefined || event.event === '' || event.event === null) return error(400, 12, 'Event field is required', i);
      if (event.time !== undefined && !(typeof event.time === 'number' || /^\d+(\.\d+)?$/.test(String(event.time)))) return error(400, 6, 'Invalid data format', i);
      if (event.index !== undefined && !this.indexes.includes(String(event.index))) return error(400, 7, 'Incorrect index', i);
      for (const key of ['host', 'source', 'sourcetype']) if (event[key] !== undefined && typeof event[key] !== 'string') return error(400, 6, 'Invalid data format', i);
    }
    return undefined;
  }

  protected store(request: ReceivedRequest): Reply {
    for (const event of concatenatedJson(request.text)!) this.events.push({ index: this.indexes[0], ...(event as Record<string, unknown>) });
    return { status: 200, body: '{"text":"Success","code":0}' };
  }
}

/** JSON texts one after another (HEC's batch format), or undefined when the text is not that. */
function concatenatedJson(text: string): unknown[] | undefined {
  const values: unknown[] = [];
  let start = 0;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (--depth === 0) {
        const value = parseJson(text.slice(start, i + 1));
        if (value === undefined) return undefined;
        values.push(value);
        start = i + 1;
      }
    } else if (depth === 0 && !/\s/.test(c)) return undefined;
  }
  return depth === 0 && inString === false ? values : undefined;
}

/**
 * Elasticsearch's `_bulk` (elastic.co, "Bulk API"), with the `logs-*-*` index template's data streams (which take only
 * `create`, and need `@timestamp`) and the Zscaler ZPA integration's ingest pipeline on `logs-zscaler_zpa.*`: it
 * renames `message` to `event.original` and parses it as JSON (a failure is noted in `error.message`, as its
 * `on_failure` does).
 */
export class ElasticService extends Service {
  /** Documents stored, by index, with their `_id`. */
  readonly docs = new Map<string, { id: string | undefined; doc: Record<string, unknown> }[]>();
  /** Documents the ZPA pipeline could not read (their `message` is not a JSON object). */
  readonly pipelineFailures: string[] = [];
  private readonly ids = new Set<string>();

  private constructor(
    target: HttpTarget,
    private readonly apiKey: string,
  ) {
    super(target);
  }

  static async start(apiKey = 'ZW5jb2RlZA=='): Promise<ElasticService> {
    return new ElasticService(await HttpTarget.create(), apiKey);
  }

  protected check(request: ReceivedRequest) {
    const error = (status: number, type: string, reason: string) => ({ status, why: `${type}: ${reason}`, body: JSON.stringify({ error: { type, reason }, status }) });
    if (request.url !== '/_bulk') return error(404, 'no_handler', `no handler for ${request.url}`);
    if (request.headers.authorization !== `ApiKey ${this.apiKey}`) return error(401, 'security_exception', 'unable to authenticate');
    if (request.headers['content-type'] !== 'application/x-ndjson' && request.headers['content-type'] !== 'application/json') return error(406, 'media_type', String(request.headers['content-type']));
    if (!request.text.endsWith('\n')) return error(400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]');
    const lines = request.text.slice(0, -1).split('\n');
    if (lines.length % 2 !== 0) return error(400, 'illegal_argument_exception', 'an action without its document');
    for (let i = 0; i < lines.length; i += 2) {
      const action = parseJson(lines[i]);
      if (!isObject(action) || Object.keys(action).length !== 1 || !['create', 'index'].includes(Object.keys(action)[0])) return error(400, 'illegal_argument_exception', `Malformed action/metadata line [${i + 1}]`);
      if (!isObject(parseJson(lines[i + 1]))) return error(400, 'x_content_parse_exception', `document ${i / 2} is not a JSON object`);
    }
    return undefined;
  }

  protected store(request: ReceivedRequest): Reply {
    const lines = request.text.slice(0, -1).split('\n');
    const items: Record<string, unknown>[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i]) as Record<string, { _index: string; _id?: string }>;
      const [op, meta] = Object.entries(action)[0];
      const doc = JSON.parse(lines[i + 1]) as Record<string, unknown>;
      const item = (status: number, error?: { type: string; reason: string }) => {
        errors ||= error !== undefined;
        items.push({ [op]: { _index: meta._index, _id: meta._id, status, ...(error ? { error } : {}) } });
      };
      const dataStream = /^logs-[^-]+-[^-]+$/.test(meta._index);
      if (dataStream && op !== 'create') item(400, { type: 'illegal_argument_exception', reason: 'only write ops with an op_type of create are allowed in data streams' });
      else if (dataStream && doc['@timestamp'] === undefined) item(400, { type: 'illegal_argument_exception', reason: 'data stream timestamp field [@timestamp] is missing' });
      else if (meta._id !== undefined && this.ids.has(`${meta._index}/${meta._id}`)) item(409, { type: 'version_conflict_engine_exception', reason: 'document already exists' });
      else {
        if (meta._id !== undefined) this.ids.add(`${meta._index}/${meta._id}`);
        if (meta._index.startsWith('logs-zscaler_zpa.')) this.zpaPipeline(doc);
        const stored = this.docs.get(meta._index) ?? [];
        stored.push({ id: meta._id, doc });
        this.docs.set(meta._index, stored);
        item(201);
      }
    }
    return { status: 200, body: JSON.stringify({ errors, took: 1, items }) };
  }

  /** The integration pipeline's first steps: `message` → `event.original`, read as JSON. */
  private zpaPipeline(doc: Record<string, unknown>): void {
    const original = doc.message;
    delete doc.message;
    doc['event.original'] = original;
    const json = typeof original === 'string' ? parseJson(original) : undefined;
    if (isObject(json)) doc.json = json;
    else this.pipelineFailures.push(String(original));
  }
}

/** A Panther HTTP log source, stream type "Lines" (docs.panther.com, "HTTP Source"): a shared secret, 1 MB a request, headers included. */
export class PantherService extends Service {
  readonly records: Record<string, unknown>[] = [];

  private constructor(
    target: HttpTarget,
    private readonly secret: string,
  ) {
    super(target);
  }

  static async start(secret = 'panther-secret'): Promise<PantherService> {
    return new PantherService(await HttpTarget.create(), secret);
  }

  protected check(request: ReceivedRequest) {
    const error = (status: number, why: string) => ({ status, why, body: JSON.stringify({ message: why }) });
    if (request.headers['x-panther-secret'] !== this.secret) return error(401, 'Unauthorized');
    const headerBytes = Object.entries(request.headers).reduce((sum, [name, value]) => sum + name.length + String(value).length + 4, 0);
    if (request.raw.length + headerBytes > 1_000_000) return error(413, `request of ${request.raw.length + headerBytes} bytes with headers: over 1 MB`);
    const lines = request.text.split('\n').filter(Boolean);
    if (lines.some((line) => !isObject(parseJson(line)))) return error(400, 'a line is not a JSON object');
    return undefined;
  }

  protected store(request: ReceivedRequest): Reply {
    for (const line of request.text.split('\n').filter(Boolean)) this.records.push(JSON.parse(line) as Record<string, unknown>);
    return { status: 200 };
  }
}

/** Grafana Loki's push API, JSON (grafana.com, "Loki HTTP API"): streams of labels and `[<ns string>, <line>]` values. */
export class LokiService extends Service {
  readonly lines: { labels: Record<string, string>; ns: string; line: string }[] = [];

  private constructor(target: HttpTarget) {
    super(target);
  }

  static async start(): Promise<LokiService> {
    return new LokiService(await HttpTarget.create());
  }

  protected check(request: ReceivedRequest) {
    const error = (why: string) => ({ status: 400, why, body: why });
    if (request.url !== '/loki/api/v1/push') return { status: 404, why: `no push at ${request.url}`, body: '404 page not found' };
    const body = parseJson(request.text);
    if (!isObject(body) || !Array.isArray(body.streams)) return error('the body must be {"streams": [...]}');
    for (const stream of body.streams) {
      if (!isObject(stream) || !isObject(stream.stream) || !Array.isArray(stream.values)) return error('a stream needs "stream" labels and "values"');
      if (Object.entries(stream.stream).some(([name, value]) => !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || typeof value !== 'string')) return error('invalid label');
      for (const value of stream.values) {
        if (!Array.isArray(value) || typeof value[0] !== 'string' || !/^\d+$/.test(value[0]) || typeof value[1] !== 'string') return error('a value must be ["<unix epoch ns>", "<line>"]');
      }
    }
    return undefined;
  }

  protected store(request: ReceivedRequest): Reply {
    for (const stream of (JSON.parse(request.text) as { streams: { stream: Record<string, string>; values: [string, string][] }[] }).streams) {
      for (const [ns, line] of stream.values) this.lines.push({ labels: stream.stream, ns, line });
    }
    return { status: 204 };
  }
}

/** A Sumo Logic hosted HTTP Logs source (help.sumologic.com, "Upload Logs to an HTTP Source"): one log per line, the URL is the credential. */
export class SumoService extends Service {
  readonly logs: { line: string; category: string | undefined }[] = [];

  private constructor(target: HttpTarget) {
    super(target);
  }

  static async start(): Promise<SumoService> {
    return new SumoService(await HttpTarget.create());
  }

  /** The source's unique URL (its token in the path). */
  get url(): string {
    return this.target.url('/receiver/v1/http/ZaVnC4dhaV3T0k3n');
  }

  protected check(request: ReceivedRequest) {
    if (request.url !== '/receiver/v1/http/ZaVnC4dhaV3T0k3n') return { status: 401, why: 'unknown source', body: '' };
    return undefined;
  }

  protected store(request: ReceivedRequest): Reply {
    const category = request.headers['x-sumo-category'] as string | undefined;
    for (const line of request.text.split('\n').filter(Boolean)) this.logs.push({ line, category });
    return { status: 200 };
  }
}
