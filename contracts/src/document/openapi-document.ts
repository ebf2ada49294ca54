/**
 * The parts of a dereferenced OpenAPI 3.1 document that runtime code reads. Generated documents
 * (`generated/<contract>/document.ts`) have every `$ref` resolved, so nothing here follows refs.
 */
export type JsonSchema = Record<string, unknown> | boolean;

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

export interface ParameterObject {
  name: string;
  in: ParameterLocation;
  required?: boolean;
  description?: string;
  deprecated?: boolean;
  schema?: JsonSchema;
  /** How the value is written into the URL or header (`form`, `simple`, `deepObject`, ...). */
  style?: string;
  explode?: boolean;
  allowEmptyValue?: boolean;
  /** Instead of `schema`: the value is serialized as this one media type (JSON, for a structured value). */
  content?: Record<string, MediaTypeObject>;
}

export interface MediaTypeObject {
  schema?: JsonSchema;
  example?: unknown;
  examples?: Record<string, unknown>;
}

export interface RequestBodyObject {
  required?: boolean;
  description?: string;
  content: Record<string, MediaTypeObject>;
}

export interface ResponseObject {
  description?: string;
  headers?: Record<string, { schema?: JsonSchema; required?: boolean; description?: string }>;
  content?: Record<string, MediaTypeObject>;
}

export type SecurityRequirement = Record<string, string[]>;

export interface OperationObject {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  deprecated?: boolean;
  parameters?: ParameterObject[];
  requestBody?: RequestBodyObject;
  responses?: Record<string, ResponseObject>;
  security?: SecurityRequirement[];
  [extension: `x-${string}`]: unknown;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type PathItemObject = { parameters?: ParameterObject[]; summary?: string; description?: string } & {
  [M in HttpMethod]?: OperationObject;
};

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string; [key: string]: unknown };
  servers?: { url: string; description?: string }[];
  paths: Record<string, PathItemObject>;
  components?: { securitySchemes?: Record<string, Record<string, unknown>>; [key: string]: unknown };
  security?: SecurityRequirement[];
  tags?: { name: string; description?: string }[];
  [extension: string]: unknown;
}

/** One operation with the path-level parameters merged in, as routers and validators need it. */
export interface OperationEntry {
  operationId: string;
  method: HttpMethod;
  path: string;
  operation: OperationObject;
  parameters: ParameterObject[];
  /** The effective security requirement: the operation's own, else the document's. */
  security: SecurityRequirement[] | undefined;
}

export function listOperations(document: OpenApiDocument): OperationEntry[] {
  const entries: OperationEntry[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const byKey = new Map<string, ParameterObject>();
      for (const p of [...(item.parameters ?? []), ...(operation.parameters ?? [])]) byKey.set(`${p.in}:${p.name}`, p);
      entries.push({
        operationId: operation.operationId ?? `${method} ${path}`,
        method,
        path,
        operation,
        parameters: [...byKey.values()],
        security: operation.security ?? document.security,
      });
    }
  }
  return entries;
}

/** `/customers/{customerId}` -> `/customers/:customerId` (Hono's router syntax). */
export function toRouterPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

/** The media type without parameters, lower-cased: `Application/JSON; charset=utf-8` -> `application/json`. */
export function mediaTypeOf(contentType: string | undefined | null): string | undefined {
  if (!contentType) return undefined;
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() || undefined;
}

export function isJsonMediaType(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}
