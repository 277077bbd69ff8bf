/**
 * The OCSF event being built: nested objects whose leaves are JSON texts, set by attribute path, written out in the
 * order they were set.
 */

export type Node = OcsfObject | Leaf | Node[];

/** A value already in JSON text (a record value's own text, or a transform's output). */
export class Leaf {
  constructor(readonly json: string) {}
}

export class OcsfObject {
  readonly members = new Map<string, Node>();

  /** The node at `path`, or undefined. */
  get(path: readonly string[]): Node | undefined {
    let node: Node | undefined = this;
    for (const key of path) {
      if (!(node instanceof OcsfObject)) return undefined;
      node = node.members.get(key);
    }
    return node;
  }

  /** Sets `path` to `node`, creating the objects on the way. */
  set(path: readonly string[], node: Node): void {
    let parent: OcsfObject = this;
    for (let i = 0; i < path.length - 1; i++) {
      let next = parent.members.get(path[i]);
      if (!(next instanceof OcsfObject)) parent.members.set(path[i], (next = new OcsfObject()));
      parent = next;
    }
    parent.members.set(path[path.length - 1], node);
  }

  /** Removes `path`, and the objects it leaves empty. */
  delete(path: readonly string[]): void {
    const parent = path.length === 1 ? this : this.get(path.slice(0, -1));
    if (!(parent instanceof OcsfObject)) return;
    parent.members.delete(path[path.length - 1]);
    if (parent.members.size === 0 && path.length > 1) this.delete(path.slice(0, -1));
  }

  toJson(): string {
    return json(this);
  }
}

/** The node's JSON text. */
function json(node: Node): string {
  if (node instanceof Leaf) return node.json;
  let out = '';
  if (node instanceof OcsfObject) {
    for (const [key, member] of node.members) out += `,${quoted(key)}:${json(member)}`;
    return out === '' ? '{}' : `{${out.slice(1)}}`;
  }
  for (const item of node) out += `,${json(item)}`;
  return out === '' ? '[]' : `[${out.slice(1)}]`;
}

/** Quoted keys, cached: OCSF's attribute names and a log type's field names recur in every event. */
const QUOTED = new Map<string, string>();
const MAX_QUOTED = 10_000;

function quoted(key: string): string {
  let q = QUOTED.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (QUOTED.size < MAX_QUOTED) QUOTED.set(key, q);
  }
  return q;
}

/** Whether `path` lies at or under `prefix`. */
export function isUnder(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => path[i] === key);
}
