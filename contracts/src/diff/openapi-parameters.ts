import type { ParameterObject } from '../document/openapi-document.ts';
import type { Report } from './change.ts';
import type { SchemaComparer } from './schema-compare.ts';

/** `/customers/{customerId}` -> `customerId`'s position 0: path parameters are matched by where they sit. */
function pathNames(template: string): string[] {
  return [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
}

/** OpenAPI's defaults: `form` for query and cookie, `simple` for path and header; explode only for form. */
function serialization(p: ParameterObject): { style: string; explode: boolean } {
  const style = p.style ?? (p.in === 'query' || p.in === 'cookie' ? 'form' : 'simple');
  return { style, explode: p.explode ?? style === 'form' };
}

function label(p: ParameterObject): string {
  return `${p.in} parameter ${p.name}`;
}

/**
 * Parameters are matched by location and name, except path parameters, which are matched by
 * position in the template: the URL a client sends does not contain the name.
 */
export function compareParameters(
  base: { path: string; parameters: ParameterObject[] },
  head: { path: string; parameters: ParameterObject[] },
  report: Report,
  schemas: SchemaComparer,
  operation: string,
): void {
  const { fingerprint } = schemas.fingerprints;
  const basePath = pathNames(base.path);
  const headPath = pathNames(head.path);
  const key = (p: ParameterObject, names: string[]) =>
    p.in === 'path' ? `path#${names.indexOf(p.name)}` : `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`;
  const headByKey = new Map(head.parameters.map((p) => [key(p, headPath), p]));
  const unmatchedHead = new Set(head.parameters);
  const unmatchedBase: ParameterObject[] = [];

  for (const b of base.parameters) {
    const h = headByKey.get(key(b, basePath));
    if (!h) {
      unmatchedBase.push(b);
      continue;
    }
    unmatchedHead.delete(h);
    if (b.in === 'path' && b.name !== h.name)
      report('request-path-parameter-renamed', label(h), `path parameter ${b.name} renamed to ${h.name}`);
    if (!b.required && h.required) report('request-parameter-made-required', label(h), `${label(h)} became required`);
    if (b.required && !h.required) report('request-parameter-made-optional', label(h), `${label(h)} became optional`);
    if (!b.deprecated && h.deprecated) report('request-parameter-deprecated', label(h), `${label(h)} is deprecated`);
    const [bs, hs] = [serialization(b), serialization(h)];
    if (bs.style !== hs.style || bs.explode !== hs.explode)
      report(
        'request-parameter-serialization-changed',
        label(h),
        `${label(h)} is now written style=${hs.style}, explode=${hs.explode} (was style=${bs.style}, explode=${bs.explode})`,
      );
    if (b.allowEmptyValue === true && h.allowEmptyValue !== true)
      report('request-parameter-empty-value-disallowed', label(h), `${label(h)} no longer allows an empty value`);
    schemas.compare(b.schema ?? {}, h.schema ?? {}, { direction: 'request', operation, where: label(h), report });
  }

  for (const b of unmatchedBase) {
    const moved = [...unmatchedHead].find((h) => h.name.toLowerCase() === b.name.toLowerCase());
    const print = fingerprint(b.schema ?? {});
    const renamed = moved ? undefined : [...unmatchedHead].find((h) => h.in === b.in && fingerprint(h.schema ?? {}) === print);
    if (moved) {
      unmatchedHead.delete(moved);
      report('request-parameter-location-changed', label(b), `${b.in} parameter ${b.name} moved to ${moved.in}`);
    } else if (renamed) {
      unmatchedHead.delete(renamed);
      report('request-parameter-renamed', label(b), `${label(b)} renamed to ${renamed.name}`);
    } else {
      report('request-parameter-removed', label(b), `${label(b)} was removed`);
    }
  }

  for (const h of unmatchedHead) {
    report(
      h.required ? 'request-parameter-added-required' : 'request-parameter-added-optional',
      label(h),
      `new ${h.required ? 'required' : 'optional'} ${label(h)}`,
    );
  }
}
