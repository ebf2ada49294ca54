import {
  listOperations,
  type OpenApiDocument,
  type OperationEntry,
  type RequestBodyObject,
  type ResponseObject,
} from '../document/openapi-document.ts';
import { createChangeLog, type Change, type Report } from './change.ts';
import { compareParameters } from './openapi-parameters.ts';
import { compareSecurity } from './openapi-security.ts';
import { compareSecuritySchemes } from './openapi-security-schemes.ts';
import { componentNames } from '../document/dereference.ts';
import { createSchemaComparer, type SchemaComparer } from './schema-compare.ts';

/** `/customers/{customerId}` and `/customers/{id}` are the same URL. */
const template = (path: string) => path.replace(/\{[^}]+\}/g, '{}');
const opKey = (e: OperationEntry) => `${e.method} ${template(e.path)}`;
const opName = (e: OperationEntry) => `${e.method.toUpperCase()} ${e.path}`;

/** Both documents must be dereferenced (every $ref resolved): `load-contract.ts` does that. */
export function diffOpenApi(contract: string, base: OpenApiDocument, head: OpenApiDocument): Change[] {
  const log = createChangeLog(contract);
  const schemas = createSchemaComparer(componentNames(head, componentNames(base)));
  const baseOps = new Map(listOperations(base).map((e) => [opKey(e), e]));
  const headOps = new Map(listOperations(head).map((e) => [opKey(e), e]));
  const basePaths = new Set(Object.keys(base.paths ?? {}).map(template));
  const headPaths = new Set(Object.keys(head.paths ?? {}).map(template));
  const reportedPaths = new Set<string>();
  // A changed security scheme is one change, listing the operations that use it.
  const schemeUsers = new Map<string, string[]>();

  for (const [key, b] of baseOps) {
    const h = headOps.get(key);
    if (h) {
      compareOperation(b, h, log.reporter(opName(h)), schemas);
      for (const scheme of new Set((b.security ?? []).flatMap((r) => Object.keys(r))))
        schemeUsers.set(scheme, [...(schemeUsers.get(scheme) ?? []), opName(h)]);
      continue;
    }
    const path = template(b.path);
    if (headPaths.has(path)) {
      log.reporter(opName(b))('operation-removed', 'operation', `${opName(b)} (${b.operationId}) was removed`);
    } else if (!reportedPaths.has(path)) {
      reportedPaths.add(path);
      log.reporter(b.path)('path-removed', 'path', `path ${b.path} was removed with all its operations`);
    }
  }
  for (const [key, h] of headOps) {
    if (baseOps.has(key)) continue;
    const path = template(h.path);
    if (basePaths.has(path)) log.reporter(opName(h))('operation-added', 'operation', `new operation ${opName(h)} (${h.operationId})`);
    else if (!reportedPaths.has(path)) {
      reportedPaths.add(path);
      log.reporter(h.path)('path-added', 'path', `new path ${h.path}`);
    }
  }
  for (const [scheme, users] of schemeUsers)
    compareSecuritySchemes([scheme], base, head, log.shared(users.sort((a, b) => a.localeCompare(b))));
  schemas.finish(log.shared);
  return log.changes;
}

function compareOperation(b: OperationEntry, h: OperationEntry, report: Report, schemas: SchemaComparer): void {
  const operation = opName(h);
  if (b.operation.operationId !== h.operation.operationId) {
    report('operation-id-changed', 'operation', `operationId changed from ${b.operationId} to ${h.operationId}`);
  }
  if (!b.operation.deprecated && h.operation.deprecated) {
    const sunset = h.operation['x-sunset'];
    if (typeof sunset === 'string') report('operation-deprecated-with-sunset', 'operation', `${opName(h)} is deprecated, sunset ${sunset}`);
    else report('operation-deprecated', 'operation', `${opName(h)} is deprecated`);
  }
  compareParameters(b, h, report, schemas, operation);
  compareRequestBody(b.operation.requestBody, h.operation.requestBody, report, schemas, operation);
  compareResponses(b.operation.responses ?? {}, h.operation.responses ?? {}, report, schemas, operation);
  compareSecurity(b.security, h.security, report);
}

function compareRequestBody(
  b: RequestBodyObject | undefined,
  h: RequestBodyObject | undefined,
  report: Report,
  schemas: SchemaComparer,
  operation: string,
): void {
  if (!b && !h) return;
  if (!b && h) {
    report(
      h.required ? 'request-body-added-required' : 'request-body-added-optional',
      'request body',
      `new ${h.required ? 'required' : 'optional'} request body`,
    );
    return;
  }
  if (b && !h) {
    report('request-body-removed', 'request body', 'the request body was removed');
    return;
  }
  if (!b || !h) return;
  if (!b.required && h.required) report('request-body-made-required', 'request body', 'the request body became required');
  for (const [type, media] of Object.entries(b.content ?? {})) {
    const now = h.content?.[type];
    if (!now) report('request-media-type-removed', `request body ${type}`, `request media type ${type} is no longer accepted`);
    else schemas.compare(media.schema ?? {}, now.schema ?? {}, { direction: 'request', operation, where: `request body ${type}`, report });
  }
  for (const type of Object.keys(h.content ?? {})) {
    if (!b.content?.[type]) report('request-media-type-added', `request body ${type}`, `request media type ${type} is accepted`);
  }
}

const isSuccess = (status: string) => /^[123]/.test(status);

function compareResponses(
  base: Record<string, ResponseObject>,
  head: Record<string, ResponseObject>,
  report: Report,
  schemas: SchemaComparer,
  operation: string,
): void {
  for (const [status, b] of Object.entries(base)) {
    const h = head[status];
    const where = `response ${status}`;
    if (!h) {
      report(
        isSuccess(status) ? 'response-success-status-removed' : 'response-error-status-removed',
        where,
        `response ${status} was removed`,
      );
      continue;
    }
    for (const [name, header] of Object.entries(b.headers ?? {})) {
      const now = Object.entries(h.headers ?? {}).find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
      if (!now) report('response-header-removed', `${where} header ${name}`, `response header ${name} is no longer sent`);
      else
        schemas.compare(header.schema ?? {}, now.schema ?? {}, {
          direction: 'response',
          operation,
          where: `${where} header ${name}`,
          report,
        });
    }
    for (const name of Object.keys(h.headers ?? {})) {
      if (!Object.keys(b.headers ?? {}).some((n) => n.toLowerCase() === name.toLowerCase()))
        report('response-header-added', `${where} header ${name}`, `new response header ${name}`);
    }
    for (const [type, media] of Object.entries(b.content ?? {})) {
      const now = h.content?.[type];
      if (!now) report('response-media-type-removed', `${where} ${type}`, `response ${status} is no longer produced as ${type}`);
      else schemas.compare(media.schema ?? {}, now.schema ?? {}, { direction: 'response', operation, where: `${where} ${type}`, report });
    }
    for (const type of Object.keys(h.content ?? {})) {
      if (!b.content?.[type]) report('response-media-type-added', `${where} ${type}`, `response ${status} may be produced as ${type}`);
    }
  }
  for (const status of Object.keys(head)) {
    if (!base[status])
      report(
        isSuccess(status) ? 'response-success-status-added' : 'response-error-status-added',
        `response ${status}`,
        `new response ${status}`,
      );
  }
}
