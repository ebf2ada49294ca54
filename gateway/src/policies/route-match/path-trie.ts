/**
 * A segment trie over OpenAPI path templates, compiled once at start-up. Matching walks the request
 * path one `/`-separated segment at a time and tries, at each node, the literal child, then the
 * mixed segments (`{id}.json`) in precedence order, then the whole-segment parameter, backing up
 * only when a branch has no complete path below it: the first complete match is the one OpenAPI's
 * rules pick (path-templates.ts). Templates of the same shape share a node, so the value stored
 * there is per path, not per template; parameter values come back positionally.
 */
import {
  compareSegments,
  mixedSegmentRegExp,
  parsePathTemplate,
  segmentShape,
  type PathSegment,
} from '@concord/contracts/src/lint/path-templates.ts';

interface MixedChild<V> {
  segment: PathSegment;
  shape: string;
  regexp: RegExp;
  node: TrieNode<V>;
}

interface TrieNode<V> {
  literals: Map<string, TrieNode<V>>;
  mixed: MixedChild<V>[];
  param: TrieNode<V> | undefined;
  value: V | undefined;
}

export interface TrieMatch<V> {
  value: V;
  /** Parameter values in template order, not decoded. */
  captures: string[];
}

export interface PathTrie<V> {
  /** The value stored for `template`'s shape, created with `create` the first time. */
  upsert(template: string, create: () => V): V;
  match(path: string): TrieMatch<V> | undefined;
}

function newNode<V>(): TrieNode<V> {
  return { literals: new Map(), mixed: [], param: undefined, value: undefined };
}

export function createPathTrie<V>(): PathTrie<V> {
  const root = newNode<V>();

  function child(node: TrieNode<V>, segment: PathSegment): TrieNode<V> {
    if (segment.kind === 'literal') {
      let next = node.literals.get(segment.text);
      if (!next) node.literals.set(segment.text, (next = newNode()));
      return next;
    }
    if (segment.kind === 'param') return (node.param ??= newNode());
    const shape = segmentShape(segment);
    const existing = node.mixed.find((m) => m.shape === shape);
    if (existing) return existing.node;
    const added: MixedChild<V> = { segment, shape, regexp: mixedSegmentRegExp(segment), node: newNode() };
    node.mixed.push(added);
    node.mixed.sort((a, b) => compareSegments(a.segment, b.segment));
    return added.node;
  }

  function walk(node: TrieNode<V>, segments: string[], index: number, captures: string[]): V | undefined {
    if (index === segments.length) return node.value;
    const segment = segments[index]!;
    const literal = node.literals.get(segment);
    if (literal) {
      const found = walk(literal, segments, index + 1, captures);
      if (found !== undefined) return found;
    }
    if (segment === '') return undefined;
    for (const mixed of node.mixed) {
      const m = mixed.regexp.exec(segment);
      if (!m) continue;
      const mark = captures.length;
      for (let i = 1; i < m.length; i++) captures.push(m[i]!);
      const found = walk(mixed.node, segments, index + 1, captures);
      if (found !== undefined) return found;
      captures.length = mark;
    }
    if (node.param) {
      captures.push(segment);
      const found = walk(node.param, segments, index + 1, captures);
      if (found !== undefined) return found;
      captures.pop();
    }
    return undefined;
  }

  return {
    upsert(template, create) {
      let node = root;
      for (const segment of parsePathTemplate(template)) node = child(node, segment);
      node.value ??= create();
      return node.value;
    },
    match(path) {
      const captures: string[] = [];
      const value = walk(root, path.split('/'), 0, captures);
      return value === undefined ? undefined : { value, captures };
    },
  };
}
