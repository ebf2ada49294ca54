/**
 * Resolves every local `$ref` (`#/...`) of a bundled document in place of the reference, keeping
 * identity: every use of `#/components/schemas/Customer` becomes the very same object, and a
 * recursive schema becomes a cyclic object graph. Tools that walk the result can then memoise by
 * object and stop at a cycle, instead of expanding a shared schema once per path that reaches it
 * (Redocly's `dereference: true` copies the target at each use, which loses that).
 *
 * A `$ref` with sibling keywords (OpenAPI 3.1) is resolved to `{ ...siblings, allOf: [target] }`
 * unless the siblings only annotate (`description`, `summary`), in which case they are dropped.
 */
const ANNOTATING = new Set(['description', 'summary', 'title', 'example', 'examples']);

function unescapeToken(token: string): string {
  return decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');
}

type Node = Record<string, unknown> | unknown[];

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

export function dereferenceLocal<T>(root: T): T {
  const resolved = new Map<string, unknown>();
  const done = new WeakSet<object>();

  const pointer = (ref: string): unknown => {
    let node: unknown = root;
    for (const token of ref.slice(2).split('/').filter(Boolean).map(unescapeToken)) {
      if (!isNode(node)) return undefined;
      node = (node as Record<string, unknown>)[token];
    }
    return node;
  };

  /** The object a `$ref` stands for, itself free of references (a chain of refs is followed). */
  const target = (ref: string, seen: Set<string> = new Set()): unknown => {
    if (resolved.has(ref)) return resolved.get(ref);
    if (!ref.startsWith('#/') || seen.has(ref)) return undefined;
    seen.add(ref);
    let node = pointer(ref);
    if (isNode(node) && !Array.isArray(node) && typeof node['$ref'] === 'string' && Object.keys(node).length === 1)
      node = target(node['$ref'], seen);
    resolved.set(ref, node);
    return node;
  };

  const replace = (value: unknown): unknown => {
    if (!isNode(value) || Array.isArray(value) || typeof value['$ref'] !== 'string') return value;
    const to = target(value['$ref']);
    if (to === undefined) return value;
    const siblings = Object.keys(value).filter((k) => k !== '$ref');
    if (siblings.every((k) => ANNOTATING.has(k))) return to;
    const { $ref: _ref, ...rest } = value;
    return { ...rest, allOf: [to] };
  };

  // Iterative walk: no recursion depth tied to how deeply the document nests.
  const stack: Node[] = [root as Node];
  while (stack.length) {
    const node = stack.pop() as Node;
    if (!isNode(node) || done.has(node)) continue;
    done.add(node);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        node[i] = replace(node[i]);
        if (isNode(node[i])) stack.push(node[i] as Node);
      }
    } else {
      for (const key of Object.keys(node)) {
        node[key] = replace(node[key]);
        if (isNode(node[key])) stack.push(node[key] as Node);
      }
    }
  }

  return root;
}

/**
 * Each component of a dereferenced document (schema, parameter, response, ...) by object, named
 * `schemas/Customer`: what a walk over the document may treat as shared.
 */
export function componentNames(root: unknown, into: WeakMap<object, string> = new WeakMap()): WeakMap<object, string> {
  const components = isNode(root) ? (root as Record<string, unknown>)['components'] : undefined;
  if (isNode(components) && !Array.isArray(components)) {
    for (const [section, entries] of Object.entries(components)) {
      if (!isNode(entries) || Array.isArray(entries)) continue;
      for (const [name, value] of Object.entries(entries)) if (isNode(value) && !into.has(value)) into.set(value, `${section}/${name}`);
    }
  }
  return into;
}
