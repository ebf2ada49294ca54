/** What `npm start` prints as it comes up: a line per part, then the banner once everything answers. */

export interface StartupStep {
  name: string;
  /** A URL, or where a database keeps its files. */
  where: string;
  ms: number;
}

const NAME_WIDTH = 10;

/** `  inventory  http://127.0.0.1:4003  412 ms` */
export function stepLine(step: StartupStep): string {
  return `  ${step.name.padEnd(NAME_WIDTH)} ${step.where}  ${Math.round(step.ms)} ms`;
}

export interface ReadyBannerOptions {
  /** The public listener's port; the banner gives it as localhost, as a browser on this machine uses it. */
  port: number;
  adminUrl: string;
  /** Milliseconds since the process started (node and the TypeScript loader included). */
  totalMs: number;
  /** The services' data: a directory (embedded) or a PostgreSQL URL with its password hidden. */
  data: string | undefined;
  bus: string;
  /** The gateway's own lines: demo credentials in development, a note when they are disabled. */
  gatewayLines: string[];
}

export function readyBanner(options: ReadyBannerOptions): string[] {
  const base = `http://localhost:${options.port}`;
  return [
    `ready in ${(options.totalMs / 1000).toFixed(1)} s`,
    '',
    `  gateway   ${base}`,
    `  portal    ${base}/docs   (the APIs, the partner guide, the changelog)`,
    `  admin     ${options.adminUrl}   (/metrics, /readyz)`,
    ...(options.data ? [`  data      ${options.data}`] : []),
    `  events    ${options.bus}`,
    '',
    ...options.gatewayLines,
  ];
}

/** `postgres://app:secret@db/concord` -> `postgres://app:***@db/concord`: a banner is no place for a password. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL: it may still hold a secret, so none of it is shown.
    return '(not shown: not a URL)';
  }
}
