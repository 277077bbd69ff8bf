/**
 * Works out a layout (layout.ts) for a record whose keys the processor has not seen before in its stream: its log
 * type (an EventType member naming one, else its tag's, unless the keys fit another type better; strict validation
 * keeps the tag's), each key's field, and the deviations that follow from the keys alone.
 */
import type { Classifier } from './classify.js';
import type { Deviation } from './deviations.js';
import { Kind, type Members } from './json-scan.js';
import { keyFields, learnLayout, type Layout } from './layout.js';
import type { LogSchema } from './schema.js';
import type { TemplateSet } from './templates.js';

export class LayoutLearner {
  private readonly keys: string[] = [];

  constructor(
    private readonly classifier: Classifier,
    private readonly defaults: TemplateSet,
    private readonly strict: boolean,
  ) {}

  /**
   * The layout of a record with keys not seen before (`tagged`: the log type its tag `tag` names): its log type,
   * its keys' fields, what that makes it deviate by; or why no log type fits.
   */
  learn(text: string, start: number, close: number, m: Members, tagged: LogSchema | undefined, tag: string): Layout | string {
    const keys = this.keys;
    const count = m.count;
    let eventTypeAt = -1;
    for (let i = 0; i < count; i++) {
      const raw = text.slice(m.keyStart[i], m.keyEnd[i]);
      keys[i] = m.keyEscaped[i] ? (JSON.parse('"' + raw + '"') as string) : raw;
      if (m.kind[i] === Kind.String && keys[i].toLowerCase() === 'eventtype') eventTypeAt = i;
    }
    const named = eventTypeAt < 0 ? undefined : this.classifier.byEventType(JSON.parse(text.slice(m.valueStart[eventTypeAt], m.valueEnd[eventTypeAt])) as string);
    const variableKey = (id: string, key: string) => this.defaults.keyOfVariable(id, key);
    const standing: Deviation[] = [];
    let schema = (this.strict ? tagged : undefined) ?? named ?? tagged;
    let fitted = schema === undefined ? undefined : keyFields(schema, keys, count, variableKey);
    // The keys decide when the tag's type leaves required fields out and another type has them all, and knows more
    // of the keys (a subset of the tag's type's fields stays that type).
    if (schema === undefined || (fitted!.missing.length > 0 && named === undefined && !this.strict)) {
      const classifier = this.classifier;
      classifier.reset();
      for (let i = 0; i < count; i++) classifier.countKey(keys[i]);
      const best = classifier.best(count);
      const bestFitted = best === undefined || best === schema ? undefined : keyFields(best, keys, count, variableKey);
      if (bestFitted !== undefined && (schema === undefined || (bestFitted.missing.length === 0 && bestFitted.known > fitted!.known))) {
        schema = best;
        fitted = bestFitted;
      }
      if (schema === undefined) return classifier.unclassified(keys, count);
    }
    if (tagged !== undefined && schema !== tagged) {
      const by = named === schema ? `its EventType ${text.slice(m.valueStart[eventTypeAt], m.valueEnd[eventTypeAt])}` : 'its keys';
      standing.push({ field: '(log type)', expected: `${tagged.name} (tag ${tag})`, got: `${schema!.name} (by ${by})`, kind: 'log_type' });
    }
    standing.push(...fitted!.deviations);
    for (const field of fitted!.missing) standing.push({ field: field.name, expected: 'required', got: 'missing', kind: 'missing_required' });
    return learnLayout(text, start, close, m, schema!, fitted!, standing, named === schema ? eventTypeAt : -1);
  }
}
