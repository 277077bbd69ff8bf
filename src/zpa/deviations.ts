/**
 * How a delivered record differs from what its schema and Zscaler's default template say: one entry per difference,
 * written into the record's one standard field (`p_deviations`) and counted by kind. Forms Zscaler's own default
 * templates print (quoted counters, `""` for unset, a one-value list printed as a string, a ctime day with one space)
 * are not deviations; they are written in the schema's form silently.
 */
import { jsonString } from './record-json.js';

export type DeviationKind =
  /** A required field is absent (or `""`). */
  | 'missing_required'
  /** A value the schema's type cannot hold, kept as it came. */
  | 'wrong_type'
  /** A timestamp in another rendering than the schema's (ISO 8601 where ctime belongs, an epoch number, ...). */
  | 'time_format'
  /** A number in a form printf prints and JSON lacks, or a float where an integer belongs. */
  | 'number_format'
  /** Unquoted text where the default template quotes the value (`%s` for `%j`). */
  | 'bare_value'
  /** A single value where a list belongs, or a list where a single value belongs. */
  | 'list_shape'
  /** A key that matches a schema field only without regard to case, or by its LSS variable name; renamed. */
  | 'key_name'
  /** No event time in the record: the Fluent Bit entry's time was used. */
  | 'event_time'
  /** The record's keys (or its EventType) name another log type than its Fluent Bit tag. */
  | 'log_type'
  /** A JSON syntax error that was read past (bad string, comma for a colon, record cut short). */
  | 'malformed'
  /** Text that could not be read as a member of the record. */
  | 'unparsed_text';

export interface Deviation {
  /** The schema's field name (or `(record)` for the record as a whole). */
  readonly field: string;
  readonly expected: string;
  readonly got: string;
  readonly kind: DeviationKind;
}

/** What the strict policy's dead letter says of the first deviation: `field X: expected Y, got Z`. */
export function deviationDetail(d: Deviation): string {
  return d.kind === 'missing_required' && d.got === 'missing' ? `field ${d.field}: required, missing` : `field ${d.field}: expected ${d.expected}, got ${d.got}`;
}

/** The `,"p_deviations":[...]` member of a record's standard fields. */
export function deviationsMember(prefix: string, deviations: readonly Deviation[]): string {
  let out = `,"${prefix}deviations":[`;
  for (let i = 0; i < deviations.length; i++) {
    const d = deviations[i];
    out += `${i === 0 ? '' : ','}{"field":${jsonString(d.field)},"expected":${jsonString(d.expected)},"got":${jsonString(d.got)},"kind":"${d.kind}"}`;
  }
  return out + ']';
}
