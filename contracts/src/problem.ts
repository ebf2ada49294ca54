/**
 * RFC 9457 problem details: the one error shape every Concord component answers with. A problem is
 * built from a slug of the catalogue (contracts/src/problems/catalogue.ts), which fixes its `type`,
 * `title`, `status` and `code`; the caller gives only what is particular to the occurrence.
 */
import { PROBLEM_CATALOGUE, type ProblemCode, type ProblemSlug, problemTypeUri, slugOfType } from './problems/catalogue.ts';

export interface FieldError {
  /** JSON Pointer into the request, rooted at `/body`, `/query`, `/path` or `/headers`. */
  pointer: string;
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  instance?: string;
  request_id?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** What is particular to one occurrence of a problem. */
export interface ProblemOptions {
  errors?: FieldError[] | undefined;
  /** Defaults to the request's path, set by the error handler. */
  instance?: string | undefined;
  /** RFC 9457 extension members (`successor`, `upstream_status` ...); they cannot replace the members above. */
  extensions?: Record<string, unknown> | undefined;
}

/** A stable problem type URI from the catalogue. */
export function problemType(slug: ProblemSlug): string {
  return problemTypeUri(slug);
}

/** The problem `slug` with this occurrence's `detail`. */
export function problem(slug: ProblemSlug, detail: string, options: ProblemOptions = {}): ProblemDetails {
  const entry = PROBLEM_CATALOGUE[slug];
  const body: ProblemDetails = {
    ...options.extensions,
    type: problemTypeUri(slug),
    title: entry.title,
    status: entry.status,
    detail,
    code: entry.code,
  };
  if (options.instance !== undefined) body.instance = options.instance;
  if (options.errors) body.errors = options.errors;
  return body;
}

/** An error that carries its own problem details; thrown by handlers, rendered by one error handler. */
export class ProblemError extends Error {
  readonly problem: ProblemDetails;
  readonly headers: Record<string, string>;

  constructor(slug: ProblemSlug, detail: string, options: ProblemOptions & { cause?: unknown; headers?: Record<string, string> } = {}) {
    super(detail, { cause: options.cause });
    this.name = this.constructor.name;
    this.problem = problem(slug, detail, options);
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return this.problem.status;
  }
}

const MEMBERS = new Set(['type', 'title', 'status', 'detail', 'code', 'instance', 'request_id', 'errors']);

/**
 * A problem received or stored earlier (an idempotent replay), thrown again: its type must be in the
 * catalogue, which supplies title, status and code again; its detail, instance, errors and
 * extensions are kept, its request id is the new request's.
 */
export function problemErrorFrom(details: Pick<ProblemDetails, 'type' | 'detail'> & Record<string, unknown>): ProblemError {
  const slug = slugOfType(details.type);
  if (!slug) throw new Error(`problem type ${details.type} is not in the problem catalogue`);
  const extensions = Object.fromEntries(Object.entries(details).filter(([key]) => !MEMBERS.has(key)));
  return new ProblemError(slug, details.detail, {
    instance: typeof details.instance === 'string' ? details.instance : undefined,
    errors: Array.isArray(details.errors) ? (details.errors as FieldError[]) : undefined,
    extensions,
  });
}

export function problemResponse(details: ProblemDetails, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(details), {
    status: details.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  });
}
