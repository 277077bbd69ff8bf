/**
 * The shape of an OCSF mapping file (`schemas/ocsf/*.yml`), checked with zod: a problem is reported as
 * `<file>: <key>: <problem>`. Semantic checks and compilation are in mapping.ts.
 */
import { z } from 'zod';

/** An attribute path: dotted lower-case OCSF attribute names, e.g. `src_endpoint.location.country`. */
export const PATH = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/;
const NAME = /^[a-z][a-z0-9_]*$/;
const TRANSFORM_NAMES = ['copy', 'text', 'integer', 'long', 'float', 'ip', 'ip_list', 'port', 'time', 'seconds', 'email', 'list', 'observable'] as const;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const RuleSchema = z
  .object({
    /** The OCSF attribute the rule fills. */
    to: z.string().regex(PATH, 'must be a dotted OCSF attribute path'),
    /** The record field it reads (`p_…` names a standard field; the configured prefix replaces `p_`). */
    from: z.string().min(1).optional(),
    /** A constant instead of a record field. */
    value: scalar.optional(),
    /** How the value is converted (default `copy`). */
    as: z.enum(TRANSFORM_NAMES).optional(),
    /** Record value → attribute value; a case ending in `*` matches values starting with the rest. */
    lookup: z.record(z.string(), scalar).optional(),
    /** The lookup's result when no case matches or the field is unset. */
    default: scalar.optional(),
    /** Captions of enum values, written to `sibling`. */
    names: z.record(z.string(), z.string().min(1)).optional(),
    /** The enum's caption attribute beside `to` (e.g. `status` for `status_id`). */
    sibling: z.string().regex(NAME, 'must be an OCSF attribute name').optional(),
    /** Values that mean "not set" for this field (e.g. `0` for an ID). */
    unset: z.array(scalar).optional(),
    /** For `as: observable`: the observable's type_id and type caption. */
    type_id: z.number().int().optional(),
    type: z.string().min(1).optional(),
  })
  .strict();

export type RuleSpec = z.infer<typeof RuleSchema>;

const uidName = z.object({ uid: z.number().int().positive(), name: z.string().min(1) }).strict();

export const MappingFileSchema = z
  .object({
    /** The schema name of the ZPA log type (`Zscaler.ZPA.UserActivity`); absent in a partial (`_name.yml`). */
    log_type: z.string().min(1).optional(),
    class: uidName.optional(),
    category: uidName.optional(),
    /** Why this class fits the log type. */
    why: z.string().min(1).optional(),
    /** OCSF profiles whose attributes the rules fill (written to metadata.profiles). */
    profiles: z.array(z.string().regex(NAME)).optional(),
    /** Partials or other mapping files whose rules come first. */
    extends: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
    map: z.array(RuleSchema).optional(),
    /** Object path → attributes of which one must be set for the object to stay (else its fields go to unmapped). */
    objects: z.record(z.string().regex(PATH, 'must be a dotted OCSF attribute path'), z.array(z.string().regex(NAME)).min(1)).optional(),
  })
  .strict();

export type MappingFile = z.infer<typeof MappingFileSchema>;

/** A zod issue as `<key>: <problem>`, the key in the file's own notation (`map[3].to`). */
export function issueText(issue: { readonly path: readonly PropertyKey[]; readonly message: string }): string {
  let key = '';
  for (const part of issue.path) key += typeof part === 'number' ? `[${part}]` : key === '' ? String(part) : `.${String(part)}`;
  return `${key === '' ? '(file)' : key}: ${issue.message}`;
}
