/**
 * RFC 9457 problem details: the one error shape every Concord component answers with.
 * Services, the gateway and generated SDKs share this module so that the body never drifts.
 */
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
  instance?: string;
  request_id?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://concord.dev/problems/';

/** Stable problem type URIs; documented in docs/problems.md. */
export function problemType(slug: string): string {
  return TYPE_BASE + slug;
}

export interface ProblemInit {
  status: number;
  detail: string;
  type?: string;
  title?: string;
  errors?: FieldError[];
  instance?: string;
  [extension: string]: unknown;
}

/** An error that carries its own problem details; thrown by handlers, rendered by one error handler. */
export class ProblemError extends Error {
  readonly problem: ProblemDetails;
  readonly headers: Record<string, string>;

  constructor(problem: ProblemInit, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(problem.detail, { cause: options?.cause });
    this.name = this.constructor.name;
    this.problem = {
      ...problem,
      type: problem.type ?? problemType(slugFor(problem.status)),
      title: problem.title ?? titleFor(problem.status),
    };
    this.headers = options?.headers ?? {};
  }

  get status(): number {
    return this.problem.status;
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function titleFor(status: number): string {
  return TITLES[status] ?? 'Error';
}

function slugFor(status: number): string {
  return titleFor(status)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
}

/** Build a problem with the conventional type and title for its status. */
export function problem(status: number, detail: string, extra: Partial<ProblemDetails> = {}): ProblemDetails {
  return { type: problemType(slugFor(status)), title: titleFor(status), status, detail, ...extra };
}

export function problemResponse(details: ProblemDetails, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(details), {
    status: details.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  });
}

export function validationProblem(errors: FieldError[], detail?: string): ProblemDetails {
  const summary =
    detail ?? `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.pointer).join(', ')}`;
  return problem(400, summary, { type: problemType('validation-error'), title: 'Invalid request', errors });
}
