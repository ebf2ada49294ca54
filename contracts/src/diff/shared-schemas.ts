import type { Report } from './change.ts';
import type { RuleId } from './rules.ts';
import type { PairSink, SchemaScope } from './schema-compare.ts';
import { locate, type Direction } from './schema-keywords.ts';

/**
 * The graph of shared components met while comparing two documents. A pair (base component, head
 * component) is compared once per direction, whatever number of operations reach it and by however
 * many paths; what it contains is reported once, at the first place (in operation order) that
 * reaches it, with every operation that reaches it listed. Components reached from a component are
 * edges, not recursion, so neither a `$ref` cycle nor a long chain of them deepens the stack.
 */
export interface SharedSchemas {
  /** The sink for the top of one place (request body, response, parameter) of one operation. */
  root(scope: SchemaScope): PairSink;
  finish(report: (operations: string[]) => Report): void;
}

interface Finding {
  id: RuleId;
  path: string;
  message: (path: string) => string;
}

interface Unit {
  base: object;
  head: object;
  direction: Direction;
  findings: Finding[];
  edges: Array<{ to: Unit; path: string }>;
  operations: Set<string>;
  first?: { operation: string; where: string; path: string; depth: number };
}

/** `data[]` + `address.city`, `data` + `[]`, `` + `name`. */
export function appendPath(prefix: string, rel: string): string {
  if (!prefix) return rel;
  if (!rel) return prefix;
  return rel.startsWith('[') ? `${prefix}${rel}` : `${prefix}.${rel}`;
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

export function createSharedSchemas(
  compareInline: (base: unknown, head: unknown, sink: PairSink) => void,
  names: WeakMap<object, string>,
): SharedSchemas {
  const units: Record<Direction, Map<object, Map<object, Unit>>> = { request: new Map(), response: new Map() };
  const pending: Unit[] = [];
  const all: Unit[] = [];
  const roots: Array<{ scope: SchemaScope; path: string; unit: Unit }> = [];

  const unitOf = (base: unknown, head: unknown, direction: Direction): Unit | undefined => {
    if (!isObject(base) || !isObject(head) || !(names.has(base) || names.has(head))) return undefined;
    let byHead = units[direction].get(base);
    if (!byHead) units[direction].set(base, (byHead = new Map()));
    let unit = byHead.get(head);
    if (!unit) {
      unit = { base, head, direction, findings: [], edges: [], operations: new Set() };
      byHead.set(head, unit);
      pending.push(unit);
      all.push(unit);
    }
    return unit;
  };

  const unitSink = (unit: Unit): PairSink => ({
    direction: unit.direction,
    report: (id, path, message) => unit.findings.push({ id, path, message }),
    share(base, head, path) {
      const to = unitOf(base, head, unit.direction);
      // The unit itself at its own top (its only alternative is itself): compare it here. Met
      // again deeper down, it is a cycle, already being compared.
      if (!to || (to === unit && path === '')) return false;
      if (to !== unit) unit.edges.push({ to, path });
      return true;
    },
  });

  const drain = () => {
    for (let unit = pending.pop(); unit; unit = pending.pop()) compareInline(unit.base, unit.head, unitSink(unit));
  };

  /** Which operations reach each unit, and the first place that does (operations in sorted order). */
  const reach = () => {
    const byOperation = new Map<string, typeof roots>();
    for (const root of roots) {
      const list = byOperation.get(root.scope.operation) ?? [];
      list.push(root);
      byOperation.set(root.scope.operation, list);
    }
    for (const operation of [...byOperation.keys()].sort((a, b) => a.localeCompare(b))) {
      const seen = new Set<Unit>();
      for (const root of byOperation.get(operation) ?? []) {
        // Breadth first; a report names the nearest place to a response's or request's top that
        // reaches the unit (the first operation in sorted order among equals). A path is only
        // spelled out when it is nearer than the one known (parents are kept as indexes).
        const queue: Array<{ unit: Unit; parent: number; path: string; depth: number }> = [
          { unit: root.unit, parent: -1, path: root.path, depth: root.path.split('.').length },
        ];
        const pathOf = (index: number): string => {
          const parts: string[] = [];
          for (let i = index; i >= 0; i = (queue[i] as { parent: number }).parent) parts.push((queue[i] as { path: string }).path);
          return parts.reduceRight((prefix, rel) => appendPath(prefix, rel), '');
        };
        for (let i = 0; i < queue.length; i++) {
          const { unit, depth } = queue[i] as { unit: Unit; depth: number };
          if (seen.has(unit)) continue;
          seen.add(unit);
          unit.operations.add(operation);
          if (!unit.first || depth < unit.first.depth) unit.first = { operation, where: root.scope.where, path: pathOf(i), depth };
          for (const edge of unit.edges)
            if (!seen.has(edge.to)) queue.push({ unit: edge.to, parent: i, path: edge.path, depth: depth + 1 });
        }
      }
    }
  };

  return {
    root(scope) {
      return {
        direction: scope.direction,
        report: (id, path, message) => scope.report(id, locate(scope.where, path), message(path)),
        share(base, head, path) {
          const unit = unitOf(base, head, scope.direction);
          if (unit) roots.push({ scope, path, unit });
          return unit !== undefined;
        },
      };
    },
    finish(report) {
      drain();
      reach();
      for (const unit of all) {
        if (!unit.findings.length || !unit.first) continue;
        const { operation } = unit.first;
        const operations = [operation, ...[...unit.operations].filter((o) => o !== operation).sort((a, b) => a.localeCompare(b))];
        const emit = report(operations);
        for (const finding of unit.findings) {
          const path = appendPath(unit.first.path, finding.path);
          emit(finding.id, locate(unit.first.where, path), finding.message(path));
        }
      }
    },
  };
}
