/**
 * Turns one enriched ZPA record into one OCSF 1.8.0 event, following its log type's mapping: rules fill attributes
 * in file order (the first rule that yields a value for an attribute wins), objects left without an identifying
 * attribute are dropped again, and every record field no rule used goes under `unmapped` exactly as it came.
 */
import type { Delivery } from '../contract.js';
import { isUnder, Leaf, OcsfObject, type Node } from './event.js';
import { parseJson, type JsonValue } from './json.js';
import { loadOcsfMappings, type Mapping, type MappingSet, type Rule } from './mapping.js';
import { observableValues, scalarText } from './transforms.js';

/** OCSF's enum value for "not mapped": its caption attribute then holds the source's own value. */
const OTHER = '99';

export class OcsfError extends Error {
  override name = 'OcsfError';
}

export interface OcsfOptions {
  /** The mapping files' directory (default: the package's `schemas/ocsf/`). */
  dir?: string;
  /** The standard fields' prefix the records carry (the processor's `prefix`, default `p_`). */
  prefix?: string;
}

export class OcsfTransformer {
  constructor(private readonly mappings: MappingSet) {}

  /** Loads and checks the mapping files: call at start-up, a bad file throws OcsfMappingError naming file and key. */
  static load(options: OcsfOptions = {}): OcsfTransformer {
    return new OcsfTransformer(loadOcsfMappings(options.dir, options.prefix));
  }

  /** The OCSF event JSON text for one record. Throws OcsfError for a log type without a mapping or a non-object text. */
  toOcsf(record: Delivery): string {
    const mapping = this.mappings.byLogType.get(record.logType);
    if (mapping === undefined) throw new OcsfError(`no OCSF mapping for log type ${record.logType}`);
    let root: JsonValue;
    try {
      root = parseJson(record.text.json);
    } catch (err) {
      throw new OcsfError(`${record.logType} record: ${(err as Error).message}`);
    }
    if (root.type !== 'object') throw new OcsfError(`${record.logType} record: not a JSON object`);
    return build(mapping, root.members, record.eventTimeMs).toJson();
  }
}

/** Which record field a rule used for which attribute: a field used by no remaining rule goes to unmapped. */
interface Use {
  readonly field: string;
  readonly path: readonly string[];
}

function build(mapping: Mapping, fields: ReadonlyMap<string, JsonValue>, eventTimeMs: number): OcsfObject {
  const event = new OcsfObject();
  event.set(['class_uid'], new Leaf(String(mapping.classUid)));
  event.set(['class_name'], new Leaf(JSON.stringify(mapping.className)));
  event.set(['category_uid'], new Leaf(String(mapping.categoryUid)));
  event.set(['category_name'], new Leaf(JSON.stringify(mapping.categoryName)));
  event.set(['type_uid'], new Leaf('0'));
  event.set(['type_name'], new Leaf('""'));
  const uses: Use[] = [];
  let activityCaption = '';
  for (const rule of mapping.rules) {
    const caption = apply(rule, event, fields, uses);
    if (caption !== undefined && rule.to.length === 1 && rule.to[0] === 'activity_id') activityCaption = caption;
  }
  let kept = uses;
  for (const [at, keys] of mapping.objects) {
    const node = event.get(at);
    if (!(node instanceof OcsfObject) || keys.some((k) => node.members.has(k))) continue;
    event.delete(at);
    kept = kept.filter((u) => !isUnder(u.path, at));
  }
  if (event.get(['time']) === undefined) event.set(['time'], new Leaf(String(eventTimeMs)));
  const activity = Number((event.get(['activity_id']) as Leaf).json);
  event.set(['type_uid'], new Leaf(String(mapping.classUid * 100 + activity)));
  event.set(['type_name'], new Leaf(JSON.stringify(`${mapping.className}: ${activityCaption}`)));
  if (mapping.profiles.length > 0) event.set(['metadata', 'profiles'], new Leaf(JSON.stringify(mapping.profiles)));
  const used = new Set(kept.map((u) => u.field));
  const unmapped = new OcsfObject();
  for (const [key, value] of fields) if (!used.has(key)) unmapped.members.set(key, new Leaf(value.raw));
  if (unmapped.members.size > 0) event.set(['unmapped'], unmapped);
  return event;
}

/** Applies one rule; returns the caption it wrote to its sibling, if any. */
function apply(rule: Rule, event: OcsfObject, fields: ReadonlyMap<string, JsonValue>, uses: Use[]): string | undefined {
  let value = rule.from === undefined ? undefined : fields.get(rule.from);
  // Most rules name a field this record lacks: nothing to do unless a constant or a default is written anyway.
  if (value === undefined && rule.constant === undefined && rule.fallback === undefined) return undefined;
  if (rule.observable === undefined && event.get(rule.to) !== undefined) return undefined;
  if (value !== undefined && rule.unset.has(scalarText(value) ?? '')) value = undefined;
  if (rule.constant !== undefined) return write(rule, event, rule.constant, undefined);
  if (rule.observable !== undefined) {
    if (value !== undefined) observe(rule, event, value, uses);
    return undefined;
  }
  if (rule.cases !== undefined) {
    const matched = value === undefined ? undefined : match(rule, value);
    const out = matched ?? rule.fallback;
    if (out === undefined) return undefined;
    // Unmatched, the value is kept only where "Other" puts it into the caption attribute.
    const sourceText = value === undefined ? undefined : scalarText(value);
    const other = out === OTHER && matched === undefined && sourceText !== undefined && rule.sibling !== undefined;
    if (matched !== undefined || other) uses.push({ field: rule.from!, path: rule.to });
    return write(rule, event, out, other ? sourceText : undefined);
  }
  const json = value === undefined ? undefined : rule.transform!(value);
  if (json === undefined) return undefined;
  uses.push({ field: rule.from!, path: rule.to });
  return write(rule, event, json, undefined);
}

/** Sets the rule's attribute, and its caption attribute when it has one; returns the caption. */
function write(rule: Rule, event: OcsfObject, json: string, sourceText: string | undefined): string | undefined {
  event.set(rule.to, new Leaf(json));
  const caption = rule.names?.get(json);
  if (rule.sibling !== undefined && caption !== undefined && event.get(rule.sibling) === undefined) {
    event.set(rule.sibling, new Leaf(JSON.stringify(sourceText ?? caption)));
  }
  return caption;
}

/** The first case (in file order) that the value, or any element of a list, matches. */
function match(rule: Rule, value: JsonValue): string | undefined {
  const texts = (value.type === 'array' ? value.items : [value]).map(scalarText).filter((t): t is string => t !== undefined);
  for (const c of rule.cases!) if (texts.some((t) => (c.prefix ? t.startsWith(c.key) : t === c.key))) return c.out;
  return undefined;
}

/** Appends one observable per value to `observables`. */
function observe(rule: Rule, event: OcsfObject, value: JsonValue, uses: Use[]): void {
  const values = observableValues(value).filter((v) => !rule.unset.has(v));
  if (values.length === 0) return;
  let list = event.get(rule.to) as Node[] | undefined;
  if (list === undefined) event.set(rule.to, (list = []));
  for (const v of values) {
    const o = new OcsfObject();
    o.set(['type_id'], new Leaf(String(rule.observable!.typeId)));
    o.set(['type'], new Leaf(JSON.stringify(rule.observable!.type)));
    o.set(['value'], new Leaf(JSON.stringify(v)));
    list.push(o);
  }
  uses.push({ field: rule.from!, path: rule.to });
}
