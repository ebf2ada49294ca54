/**
 * A dereferenced document whose schemas refer to themselves (Stripe's `customer` -> `invoice` ->
 * `customer`) is an object graph, not a tree: JSON cannot hold it and a recursive walk over it
 * never ends. These helpers walk it with an explicit stack (no recursion depth tied to how deeply
 * schemas nest) and write it as TypeScript that rebuilds the same graph.
 */
type Node = Record<string, unknown> | unknown[];

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

function children(node: Node): unknown[] {
  return Array.isArray(node) ? node : Object.values(node);
}

/** True when some object is reachable from itself. */
export function hasCycle(root: unknown): boolean {
  if (!isNode(root)) return false;
  const state = new Map<object, 'open' | 'done'>();
  const stack: Array<{ node: Node; next: number; kids: unknown[] }> = [{ node: root, next: 0, kids: children(root) }];
  state.set(root, 'open');
  while (stack.length) {
    const top = stack[stack.length - 1] as { node: Node; next: number; kids: unknown[] };
    if (top.next >= top.kids.length) {
      state.set(top.node, 'done');
      stack.pop();
      continue;
    }
    const child = top.kids[top.next++];
    if (!isNode(child)) continue;
    const seen = state.get(child);
    if (seen === 'open') return true;
    if (seen === 'done') continue;
    state.set(child, 'open');
    stack.push({ node: child, next: 0, kids: children(child) });
  }
  return false;
}

/**
 * Removes `example`/`examples` (documentation the runtime never reads) in place, except where the
 * key is a property name inside `properties`.
 */
export function stripExamplesInPlace(root: unknown): void {
  const seen = new WeakSet<object>();
  const stack: Array<{ node: unknown; key: string }> = [{ node: root, key: '' }];
  while (stack.length) {
    const { node, key } = stack.pop() as { node: unknown; key: string };
    if (!isNode(node) || seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const child of node) stack.push({ node: child, key: '' });
      continue;
    }
    for (const k of Object.keys(node)) {
      if ((k === 'example' || k === 'examples') && key !== 'properties') delete node[k];
      else stack.push({ node: node[k], key: k });
    }
  }
}

/**
 * TypeScript source for an expression that evaluates to `root`, sharing and cycles included:
 * every object met more than once becomes an entry of `$` created empty first and filled after,
 * so entries may refer to each other in any order. Everything else is written inline as JSON.
 */
export function serializeGraph(root: unknown): { prelude: string; expression: string } {
  if (!isNode(root)) return { prelude: '', expression: JSON.stringify(root) };
  const seenOnce = new Set<Node>();
  const shared = new Map<Node, number>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (!isNode(node)) continue;
    if (seenOnce.has(node)) {
      if (!shared.has(node)) shared.set(node, shared.size);
      continue;
    }
    seenOnce.add(node);
    for (const child of children(node)) stack.push(child);
  }
  if (!shared.has(root)) shared.set(root, shared.size);

  /** A literal for `node`, with shared children written as `$[i]`; inline children are trees. */
  const literal = (node: Node): string => {
    const parts: string[] = [];
    const write = (value: unknown): string => {
      if (!isNode(value)) return JSON.stringify(value) ?? 'null';
      const index = shared.get(value);
      return index === undefined ? literal(value) : `$[${index}]`;
    };
    if (Array.isArray(node)) {
      for (const v of node) parts.push(write(v));
      return `[${parts.join(', ')}]`;
    }
    for (const [k, v] of Object.entries(node)) parts.push(`${JSON.stringify(k)}: ${write(v)}`);
    return `{ ${parts.join(', ')} }`;
  };

  const order = [...shared.entries()].sort((a, b) => a[1] - b[1]);
  const shells = order.map(([node]) => (Array.isArray(node) ? '[]' : '{}')).join(', ');
  const fills = order.map(([node, i]) =>
    Array.isArray(node) ? `$[${i}].push(...${literal(node)});` : `Object.assign($[${i}], ${literal(node)});`,
  );
  return {
    prelude: `// Shared and recursive schemas: created empty, then filled, so they may refer to each other.\n// biome-ignore lint/suspicious/noExplicitAny: a graph rebuilt from JSON pieces\nconst $: any[] = [${shells}];\n${fills.join('\n')}\n`,
    expression: `$[${shared.get(root)}]`,
  };
}
