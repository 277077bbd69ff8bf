/**
 * `zpa-relay demo --preset TYPE`: the request body a preset sends for one record of every log type, built by the
 * preset's own framing from records the processor read on its byte path. Nothing is sent anywhere.
 */
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, configSchema } from '../config/config.js';
import type { Delivery } from '../contract.js';
import { OcsfTransformer } from '../ocsf/index.js';
import { presetFor, sinkConfigSchema, targetUrl } from '../sinks/config.js';
import { itemOf } from '../sinks/framing.js';
import { ocsfDelivery } from '../sinks/ocsf-output.js';
import { sampleRecords } from './sample-records.js';

/** A configuration of each HTTP preset good enough to build its bodies: placeholder endpoints and credentials. */
function exampleSink(type: string): Record<string, unknown> {
  switch (type) {
    case 'splunk_hec':
      return { url: 'https://splunk.example.com:8088/services/collector/event', token: '<token>' };
    case 'elastic_bulk':
      return { url: 'https://elasticsearch.example.com:9200' };
    case 'datadog':
      return { url: 'https://http-intake.logs.datadoghq.com/api/v2/logs', api_key: '<api key>' };
    case 'loki':
      return { url: 'http://loki.example.com:3100/loki/api/v1/push' };
    case 'sentinel':
      return { url: 'https://zpa-dce.westeurope-1.ingest.monitor.azure.com', dcr_immutable_id: `dcr-${'0'.repeat(32)}`, tenant_id: '<tenant>', client_id: '<client>', client_secret: '<secret>' };
    case 'google_secops': {
      // A throwaway key: the bodies do not depend on it, and nothing is sent.
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const key = { type: 'service_account', client_email: 'zpa-relay@project.iam.gserviceaccount.com', private_key_id: 'demo', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }) };
      return { region: 'europe', project: '<project>', customer_id: '00000000-0000-4000-8000-000000000000', credentials: JSON.stringify(key) };
    }
    default:
      return { url: 'https://siem.example.com/ingest' };
  }
}

/** The HTTP presets, by `type`. */
export const DEMO_PRESETS = sinkConfigSchema.options.map((option) => option.shape.type.value).filter((type) => type !== 'file');

export async function showPresetBodies(type: string, output: string | undefined, out: (text: string) => void): Promise<void> {
  if (!DEMO_PRESETS.includes(type as never)) throw new ConfigError(`--preset: no HTTP preset "${type}"; one of ${DEMO_PRESETS.join(', ')}`);
  const parsed = sinkConfigSchema.safeParse({ type, ...exampleSink(type), ...(output === undefined ? {} : { output }) });
  if (!parsed.success) throw new ConfigError(`--output: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  const config = parsed.data;
  if (config.type === 'file') return;
  const preset = presetFor(config);
  const url = new URL(targetUrl(config));
  const toOcsf = config.output === 'ocsf' ? OcsfTransformer.load({ prefix: configSchema.parse({}).zpa.field_prefix }) : undefined;
  const settlement = { settle() {}, fail() {}, abandoned: false };
  out(`${type} (output: ${config.output}): the request body for one record of each log type, as sent (before compression).`);
  try {
    for (const { id, record } of sampleRecords()) {
      let sent: Delivery | Error = record;
      if (toOcsf !== undefined) sent = ocsfDelivery(record, (r) => toOcsf.toOcsf(r));
      if (sent instanceof Error) {
        out(`\n# ${id} (${record.logType}): dead-lettered as "ocsf": ${sent.message}`);
        continue;
      }
      const item = itemOf(preset, sent, settlement);
      const path = preset.path?.([item]) ?? url.pathname + url.search;
      out(`\n# ${id} (${record.logType}) → POST ${url.origin}${path}  Content-Type: ${preset.contentType}`);
      out(preset.body([item]).toString('utf8').replace(/\n$/, ''));
    }
  } finally {
    await preset.close?.();
  }
}
