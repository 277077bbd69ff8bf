/**
 * Tells which log type a record is: by Fluent Bit tag (`zpa.<id>`), else by which keys it carries. Records hold no
 * log-type field, but each LSS type has its own key set, so the schema that best explains the record's keys wins,
 * if the overlap is convincing.
 */
import type { LogSchema, SchemaSet } from './schema.js';

const TAG_PREFIX = 'zpa.';
/** An unrelated object must not be forced into a type: it needs a few keys of the schema, and mostly its keys. */
const MIN_COMMON_KEYS = 3;
const MIN_KNOWN_SHARE = 0.5;

export class Classifier {
  /** The indexes of the schemas that have a field of this name. */
  private readonly schemasByKey = new Map<string, number[]>();
  private readonly counts: Int32Array;

  constructor(private readonly set: SchemaSet) {
    set.schemas.forEach((schema, i) => {
      for (const f of schema.fields) {
        const list = this.schemasByKey.get(f.name);
        if (list === undefined) this.schemasByKey.set(f.name, [i]);
        else list.push(i);
      }
    });
    this.counts = new Int32Array(set.schemas.length);
  }

  /** The schema a `zpa.<id>` tag names; undefined for any other tag (then classify by keys). */
  byTag(tag: string): LogSchema | undefined {
    return tag.startsWith(TAG_PREFIX) ? this.set.byId.get(tag.slice(TAG_PREFIX.length)) : undefined;
  }

  /** Call `countKey` for each record key, then `best(keyCount)`. */
  reset(): void {
    this.counts.fill(0);
  }

  countKey(key: string): void {
    const list = this.schemasByKey.get(key);
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
}
