/** Splunk HTTP Event Collector: event envelopes, the invalid-event answer, and indexer acknowledgement. */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { duration, secret } from '../../shared/units.js';
import { httpSinkSchema, outputKey } from '../http-config.js';
import { joinFrames, wholeFrame } from '../framing.js';
import type { BatchItem, ConfirmTarget, ItemResults, Preset } from '../preset.js';
import { epochSecondsText } from './fields.js';
import { byLogType, ZPA_CONTENT } from './zpa-content.js';

/**
 * `type: splunk_hec` — Splunk HTTP Event Collector, `url` = the full endpoint, e.g.
 * `https://splunk:8088/services/collector/event`. Each record becomes an event envelope
 * `{"time":<epoch s.ms>,"host":…,"source":…,"sourcetype":…,"index":…,"event":<record>}`, concatenated in the body;
 * `Authorization: Splunk <token>`. Defaults: host = the sending Fluent Bit (record source), source = the Fluent Bit
 * tag, sourcetype = the ZPA log type, index = the token's default (omitted). Batch 1 MiB sent / 10 000 events / 1 s,
 * gzip. `channel` sets `X-Splunk-Request-Channel`.
 *
 * A 400 naming an `invalid-event-number` in a batch dead-letters that one event and sends the others again (Splunk
 * may have indexed those before it, so the resend counts as a duplicate risk), instead of losing the whole batch.
 *
 * `indexer_ack: {}` (for tokens with indexer acknowledgement on) makes "delivered" mean "indexed": after the 2xx the
 * relay polls `…/services/collector/ack` on the same channel (a random one unless `channel` is set) every
 * `poll_interval` (default 1 s) until the ackId is true; if `timeout` (default 60 s) passes first, the batch is sent
 * again (counted as a duplicate risk, since Splunk may index it late).
 *
 * `output: native` (default) is what the Zscaler Splunk App and Add-on read (Zscaler's "Private Applications and
 * Splunk Deployment Guide"): the index `zscaler` ("The Zscaler Splunk App requires data to be in the Zscaler Index
 * named zscaler") and Zscaler's sourcetype per log type: `zscalerlss-zpa-app` (User Activity), `-auth` (User Status),
 * `-connector` (App Connector Status), `-audit` (Audit), `-bba` (Browser Access), `-pse` (Private Service Edge
 * Status), `-web-inspection` (AppProtection). The event is the record as JSON with LSS's own field names, which the
 * App's JSON field extractions read. Log types the guide names no sourcetype for keep their schema name as
 * sourcetype, in the same index. `enriched`: sourcetype = the schema name, the token's default index. `sourcetype`
 * and `index` set one for every log type; `sourcetypes` and `indexes` set them per log type, over all of these.
 */
export const splunkHecSinkConfigSchema = httpSinkSchema(
  'splunk_hec',
  { maxBytes: 1024 * 1024, maxEvents: 10_000, maxWaitMs: 1000, compressions: ['gzip', 'none'], compression: 'gzip' },
  {
    token: secret,
    host: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    output: outputKey(['native', 'enriched', 'ocsf'], 'native'),
    sourcetype: z.string().min(1).optional(),
    index: z.string().min(1).optional(),
    sourcetypes: byLogType,
    indexes: byLogType,
    channel: z.uuid().optional(),
    indexer_ack: z
      .object({ poll_interval: duration.default(1000), timeout: duration.default(60_000) })
      .strict()
      .optional(),
  },
);
type SplunkHecConfig = z.output<typeof splunkHecSinkConfigSchema>;

/** The Zscaler Splunk App's index. */
export const SPLUNK_ZSCALER_INDEX = 'zscaler';

/** The `"sourcetype":…` member, and the `,"index":…` one (empty for the token's default), per log type. */
function sourcetypeAndIndex(config: SplunkHecConfig): (logType: string) => string {
  const native = config.output === 'native';
  const members = new Map<string, string>();
  return (logType) => {
    let text = members.get(logType);
    if (text === undefined) {
      const sourcetype = config.sourcetypes[logType] ?? config.sourcetype ?? (native ? ZPA_CONTENT.get(logType)?.splunk : undefined) ?? logType;
      const index = config.indexes[logType] ?? config.index ?? (native ? SPLUNK_ZSCALER_INDEX : undefined);
      text = `"sourcetype":${JSON.stringify(sourcetype)}${index === undefined ? '' : `,"index":${JSON.stringify(index)}`}`;
      members.set(logType, text);
    }
    return text;
  };
}

export function splunkHecPreset(config: SplunkHecConfig): Preset {
  const fixed = (value: string | undefined) => (value === undefined ? undefined : JSON.stringify(value));
  const host = fixed(config.host);
  const source = fixed(config.source);
  const placement = sourcetypeAndIndex(config);
  const channel = config.channel ?? (config.indexer_ack ? randomUUID() : undefined);
  const ack = config.indexer_ack;
  const ackPath = new URL(config.url).pathname.replace(/\/services\/collector(\/.*)?$/, '') + '/services/collector/ack';
  return {
    contentType: 'application/json',
    headers: {
      authorization: `Splunk ${config.token}`,
      ...(channel ? { 'x-splunk-request-channel': channel } : {}),
    },
    results: (status, text, items) => invalidEventResults(status, text, items),
    confirm: ack && ((text, target) => waitForIndexing(text, target, ackPath, ack.poll_interval, ack.timeout)),
    frame: (record) =>
      wholeFrame(
        `{"time":${epochSecondsText(record.eventTimeMs)},"host":${host ?? JSON.stringify(record.source)},` +
          `"source":${source ?? JSON.stringify(record.tag)},${placement(record.logType)},"event":`,
        record.text,
        '}',
      ),
    body: (items) => joinFrames(items, '', '', '', 'after'),
  };
}

/** Poll the ack endpoint for the ackId a HEC 2xx returned; true once Splunk reports it indexed. */
async function waitForIndexing(responseText: string, target: ConfirmTarget, ackPath: string, pollMs: number, timeoutMs: number): Promise<boolean> {
  const ackId = (JSON.parse(responseText) as { ackId?: number }).ackId;
  if (ackId === undefined) throw new Error(`indexer_ack is set but HEC returned no ackId (is acknowledgement on for this token?): ${responseText.slice(0, 200)}`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await target.sleep(pollMs);
    const answer = await target.post(ackPath, `{"acks":[${ackId}]}`);
    if (answer.status >= 200 && answer.status < 300 && (JSON.parse(answer.text) as { acks?: Record<string, boolean> }).acks?.[ackId] === true) return true;
  }
  return false;
}

/** HEC's 400 for a batch with one bad event: `{"text":"Invalid data format","code":6,"invalid-event-number":N}`. */
function invalidEventResults(status: number, text: string, items: readonly BatchItem[]): ItemResults | undefined {
  if (status !== 400 || items.length < 2) return undefined;
  let answer: { text?: string; code?: number; 'invalid-event-number'?: number };
  try {
    answer = JSON.parse(text);
  } catch {
    return undefined;
  }
  const invalid = answer['invalid-event-number'];
  if (!Number.isInteger(invalid) || invalid! < 0 || invalid! >= items.length) return undefined;
  return {
    delivered: [],
    alreadyPresent: [],
    failed: [{ item: items[invalid!], status, detail: `HEC: ${answer.text ?? 'invalid event'} (code ${answer.code})` }],
    retry: items.filter((_, index) => index !== invalid).map((item) => ({ item, status })),
    retryMayDuplicate: true,
  };
}
