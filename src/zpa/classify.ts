/**
 * Tells which log type a record is. Records carry no log-type field in Zscaler's templates, but users' templates may
 * add one (`"EventType":"user-activity"`, as Datadog's setup guide does), Fluent Bit tags each LSS stream
 * (`zpa.<id>`), and each LSS type has its own key set: the schema that best explains the record's keys wins, if the
 * overlap is convincing. Keys count without regard to case, and by their LSS variable names too (`modifiedByUser`).
 */
import type { LogSchema, SchemaSet } from './schema.js';

const TAG_PREFIX = 'zpa.';
/** An unrelated object must not be forced into a type: it needs a few keys of the schema, and mostly its keys. */
export const MIN_COMMON_KEYS = 3;
const MIN_KNOWN_SHARE = 0.5;
/** An EventType value names a log type when one's id starts with it, or it starts with the id (`audit-logs`). */
const MIN_PREFIX = 5;

export class Classifier {
  /** The indexes of the schemas that have a field of this lower-case name (or an LSS variable of it). */
  private readonly schemasByKey = new Map<string, number[]>();
  private readonly counts: Int32Array;
  private readonly eventTypes = new Map<string, LogSchema | undefined>();

  /** `variables(id)`: the LSS variable names of a log type's fields, which also count as its keys. */
  constructor(
    private readonly set: SchemaSet,
    variables: (logType: string) => readonly string[] = () => [],
  ) {
    set.schemas.forEach((schema, i) => {
      for (const name of new Set([...schema.fields.map((f) => f.name), ...variables(schema.id)].map((n) => n.toLowerCase()))) {
        const list = this.schemasByKey.get(name);
        if (list === undefined) this.schemasByKey.set(name, [i]);
        else list.push(i);
      }
    });
    this.counts = new Int32Array(set.schemas.length);
  }

  /** The schema a `zpa.<id>` tag names; undefined for any other tag (then classify by keys). */
  byTag(tag: string): LogSchema | undefined {
    return tag.startsWith(TAG_PREFIX) ? this.set.byId.get(tag.slice(TAG_PREFIX.length)) : undefined;
  }

  /** The schema an `EventType` value names: its id, its name, or either spelled another way (`Audit-Logs`). */
  byEventType(value: string): LogSchema | undefined {
    const norm = normalise(value);
    if (this.eventTypes.has(norm)) return this.eventTypes.get(norm);
    const names = (s: LogSchema) => [normalise(s.id), normalise(s.name), normalise(s.name.split('.').pop() ?? '')];
    let found = this.set.schemas.find((s) => names(s).includes(norm));
    if (found === undefined && norm.length >= MIN_PREFIX) {
      const near = this.set.schemas.filter((s) => names(s).some((n) => n.startsWith(norm) || norm.startsWith(n)));
      found = near.length === 1 ? near[0] : undefined;
    }
    this.eventTypes.set(norm, found);
    return found;
  }

  /** Call `countKey` for each record key, then `best(keyCount)`. */
  reset(): void {
    this.counts.fill(0);
  }

  countKey(key: string): void {
    const list = this.schemasByKey.get(key.toLowerCase());
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) this.counts[list[i]]++;
  }

  /**
   * The schema that explains most of the record's keys (each key it does not know counts half against it), ties
   * going to the closer key set (Jaccard). LSS templates can be customised to fewer fields, so a subset of a
   * schema's keys still classifies; a record whose keys are mostly unknown to every schema does not.
   */
  best(keyCount: number): LogSchema | undefined {
    let best: LogSchema | undefined;
    let bestScore = -Infinity;
    let bestSimilarity = 0;
    this.set.schemas.forEach((schema, i) => {
      const common = this.counts[i];
      if (common < MIN_COMMON_KEYS || common / keyCount < MIN_KNOWN_SHARE) return;
      const score = common - (keyCount - common) / 2;
      const similarity = common / (keyCount + schema.fields.length - common);
      if (score > bestScore || (score === bestScore && similarity > bestSimilarity)) {
        best = schema;
        bestScore = score;
        bestSimilarity = similarity;
      }
    });
    return best;
  }

  /**
   * Why no log type fits the counted keys: the keys looked for, and the closest types (after `best` found none).
   */
  unclassified(keys: readonly string[], keyCount: number): string {
    const closest = this.set.schemas
      .map((schema, i) => ({ schema, common: this.counts[i] }))
      .filter((c) => c.common > 0)
      .sort((a, b) => b.common - a.common)
      .slice(0, 3)
      .map(({ schema, common }) => `${schema.id} (${common} of its ${schema.fields.length} fields)`);
    return (
      `no log type matches the keys ${describeKeys(keys, keyCount)}: looked for an EventType member naming a log type, ` +
      `and for at least ${MIN_COMMON_KEYS} of one log type's field names (any case) making up half the keys; ` +
      (closest.length === 0 ? 'no key is a field of any log type' : `closest: ${closest.join(', ')}`)
    );
  }
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function describeKeys(keys: readonly string[], count: number): string {
  const shown = keys.slice(0, Math.min(count, 6)).join(', ');
  return count > 6 ? `${shown}, … (${count} keys)` : `${shown || '(none)'}`;
}
