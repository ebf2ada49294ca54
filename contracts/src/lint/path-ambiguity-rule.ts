/**
 * `concord/path-ambiguous`: two operations with the same method on paths that differ only in their
 * parameter names (`GET /pets/{a}` and `GET /pets/{b}`, `/reports/{id}.json` and
 * `/reports/{name}.json`). OpenAPI calls such paths identical; a router cannot tell them apart, and
 * the gateway refuses to start on them, so lint reports both places first. Literal and templated
 * siblings (`/pet/findByStatus` beside `/pet/{petId}`) are fine: the literal wins.
 */
import type { Oas3Rule, Plugin } from '@redocly/openapi-core';
import { HTTP_METHODS } from '../document/openapi-document.ts';
import { findAmbiguousOperations, type TemplatedOperation } from './path-templates.ts';

export const PATH_AMBIGUOUS_RULE = 'concord/path-ambiguous';

const pathAmbiguous: Oas3Rule = () => ({
  Paths(pathMap, { report, location }) {
    const operations: TemplatedOperation<undefined>[] = [];
    for (const [path, item] of Object.entries(pathMap ?? {})) {
      for (const method of HTTP_METHODS) if (item && typeof item[method] === 'object') operations.push({ method, path, item: undefined });
    }
    for (const [first, second] of findAmbiguousOperations(operations)) {
      const what = (a: TemplatedOperation<undefined>, b: TemplatedOperation<undefined>) =>
        `\`${a.method.toUpperCase()} ${a.path}\` cannot be told apart from \`${b.method.toUpperCase()} ${b.path}\`: paths that differ only in parameter names are one path (OpenAPI Path Templating Matching); merge them or change a literal segment.`;
      report({ message: what(second, first), location: location.child([second.path, second.method]).key() });
      report({ message: what(first, second), location: location.child([first.path, first.method]).key() });
    }
  },
});

/**
 * The Redocly plugin carrying Concord's own rules. Handed to createConfig as an object, it is not
 * prefixed for us as a plugin file would be, so the rule is keyed by its full id.
 */
export const concordLintPlugin: Plugin = { id: 'concord', rules: { oas3: { [PATH_AMBIGUOUS_RULE]: pathAmbiguous } } };
