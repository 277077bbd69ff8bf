/**
 * Where each SIEM's own ZPA content looks for each LSS log type: the names native output writes. Checked against the
 * vendors' public integration sources (docs/sinks.md cites each):
 * - Datadog: DataDog/integrations-core `zscaler_private_access` (the log pipeline
 *   `assets/logs/zscaler-private-access.yaml`, its README's Log Stream Content per type with `"EventType": "..."`,
 *   `manifest.json` `"source": "zscaler-private-access"`);
 * - Splunk: Zscaler's "Private Applications and Splunk Deployment Guide" (help.zscaler.com), the sourcetypes the
 *   Zscaler App and Add-on expect, in the index `zscaler`;
 * - Elastic: elastic/integrations `packages/zscaler_zpa` (its five data streams and their ingest pipelines);
 * - Google SecOps: the default parser pages `zscaler-zpa` (label `ZSCALER_ZPA`) and `zscaler-zpa-audit`
 *   (`ZSCALER_ZPA_AUDIT`) of docs.cloud.google.com/chronicle;
 * - Microsoft Sentinel reads every type from one table (`ZPA_CL`): see the sentinel preset.
 */
import { z } from 'zod';
import { DEAD_LETTER_LOG_TYPE } from '../../contract.js';

export interface ZpaContent {
  /** Datadog pipeline's `EventType` (its service), where it has one. */
  readonly datadog?: string;
  /** The Zscaler Splunk App's sourcetype, where it has one. */
  readonly splunk?: string;
  /** The Elastic integration's data stream (`logs-zscaler_zpa.<stream>-<namespace>`), where it has one. */
  readonly elastic?: string;
  /** The Google SecOps parser's log type label. */
  readonly secops: string;
}

/** By schema name (`p_log_type`). A log type not listed here has no ZPA content in any of them. */
export const ZPA_CONTENT: ReadonlyMap<string, ZpaContent> = new Map<string, ZpaContent>([
  ['Zscaler.ZPA.UserActivity', { datadog: 'user-activity', splunk: 'zscalerlss-zpa-app', elastic: 'user_activity', secops: 'ZSCALER_ZPA' }],
  ['Zscaler.ZPA.UserStatus', { datadog: 'user-status', splunk: 'zscalerlss-zpa-auth', elastic: 'user_status', secops: 'ZSCALER_ZPA' }],
  ['Zscaler.ZPA.AppConnectorStatus', { datadog: 'app-connector-status', splunk: 'zscalerlss-zpa-connector', elastic: 'app_connector_status', secops: 'ZSCALER_ZPA' }],
  ['Zscaler.ZPA.AppConnectorMetrics', { datadog: 'app-connector-metrics', secops: 'ZSCALER_ZPA' }],
  // Datadog's audit sub-pipeline is `audit-logs`, plural.
  ['Zscaler.ZPA.AuditLog', { datadog: 'audit-logs', splunk: 'zscalerlss-zpa-audit', elastic: 'audit', secops: 'ZSCALER_ZPA_AUDIT' }],
  ['Zscaler.ZPA.BrowserAccess', { datadog: 'browser-access', splunk: 'zscalerlss-zpa-bba', elastic: 'browser_access', secops: 'ZSCALER_ZPA' }],
  ['Zscaler.ZPA.PrivateServiceEdgeStatus', { datadog: 'private-service-edge-status', splunk: 'zscalerlss-zpa-pse', secops: 'ZSCALER_ZPA' }],
  ['Zscaler.ZPA.PrivateServiceEdgeMetrics', { datadog: 'private-service-edge-metrics', secops: 'ZSCALER_ZPA' }],
  ['Zscaler.ZPA.AppProtection', { datadog: 'app-protection', splunk: 'zscalerlss-zpa-web-inspection', secops: 'ZSCALER_ZPA' }],
  ['Zscaler.ZPA.PrivateCloudControllerStatus', { datadog: 'private-cloud-controller-status', secops: 'ZSCALER_ZPA' }],
  ['Zscaler.ZPA.PrivateCloudControllerMetrics', { datadog: 'private-cloud-controller-metrics', secops: 'ZSCALER_ZPA' }],
  // Datadog's is `microsegmentation`, not the log type's id.
  ['Zscaler.ZPA.MicrosegmentationFlow', { datadog: 'microsegmentation', secops: 'ZSCALER_ZPA' }],
  ['Zscaler.ZPA.SMBInspection', { secops: 'ZSCALER_ZPA' }],
  ['Zscaler.ZPA.LDAPInspection', { secops: 'ZSCALER_ZPA' }],
  ['Zscaler.ZPA.KRBInspection', { secops: 'ZSCALER_ZPA' }],
  ['Zscaler.ZPA.UserStatusOneID', { secops: 'ZSCALER_ZPA' }],
]);

/** The SecOps label of records of no ZPA log type (dead letters): the ZPA parser's, like every type it does not name. */
export const SECOPS_FALLBACK_LABEL = 'ZSCALER_ZPA';

/** The log types the relay knows, plus its dead letters': what a per-log-type map's keys may be. */
const KNOWN_LOG_TYPES: readonly string[] = [...ZPA_CONTENT.keys(), DEAD_LETTER_LOG_TYPE];

/** A map from log type (schema name, as in `log_types`) to a non-empty text, its keys checked against the known ones. */
export const byLogType = z
  .record(z.string(), z.string().min(1))
  .superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      if (!KNOWN_LOG_TYPES.includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: `not a log type; expected one of ${KNOWN_LOG_TYPES.join(', ')}` });
    }
  })
  .default({});
