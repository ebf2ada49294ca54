/**
 * Load generators: wrk when installed (a Lua script sets the method, headers and body, and prints
 * its summary as JSON), autocannon (a test dependency) otherwise. Both keep `connections`
 * keep-alive connections busy for `durationSeconds` and report throughput and latency percentiles.
 */
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface LoadRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  /** wrk threads (default 1: on a small machine the load generator must leave the cores to the server). */
  threads: number;
}

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx/3xx answers, connection errors and timeouts: any makes the run suspect. */
  errors: number;
}

export type LoadTool = 'wrk' | 'autocannon';

export function findWrk(): string | undefined {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return 'wrk';
  } catch (err) {
    // `wrk --version` prints its usage and exits 1; a missing binary is ENOENT.
    return (err as { code?: string }).code === 'ENOENT' ? undefined : 'wrk';
  }
}

const luaString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

function wrkScript(request: LoadRequest): string {
  const lines = [`wrk.method = ${luaString(request.method)}`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`);
  if (request.body !== undefined) lines.push(`wrk.body = ${luaString(request.body)}`);
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format("\\nBENCH_RESULT {\\"requests\\":%d,\\"duration_us\\":%d,\\"errors\\":%d,\\"p50_us\\":%d,\\"p99_us\\":%d}\\n",',
    '    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))',
    'end',
  );
  return `${lines.join('\n')}\n`;
}

export async function runWrk(
  binary: string,
  scriptDir: string,
  name: string,
  request: LoadRequest,
  options: LoadOptions,
): Promise<LoadResult> {
  const script = join(scriptDir, `${name}.lua`);
  writeFileSync(script, wrkScript(request));
  const threads = Math.max(1, Math.min(options.threads, options.connections));
  const args = [
    '-t',
    String(threads),
    '-c',
    String(options.connections),
    '-d',
    `${Math.max(1, Math.round(options.durationSeconds))}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    request.url,
  ];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(binary, args, { maxBuffer: 1 << 20 }, (err, out, errOut) =>
      err ? reject(new Error(`wrk failed: ${err.message}\n${errOut}`)) : resolve(out),
    );
  });
  const line = /BENCH_RESULT (\{.*\})/.exec(stdout)?.[1];
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line) as { requests: number; duration_us: number; errors: number; p50_us: number; p99_us: number };
  return {
    rps: r.requests / (r.duration_us / 1e6),
    p50Ms: r.p50_us / 1000,
    p99Ms: r.p99_us / 1000,
    requests: r.requests,
    errors: r.errors,
  };
}

/** The part of autocannon's API used here (it ships no types). */
interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>, callback: (err: Error | null, result: AutocannonResult) => void) => unknown;

export async function runAutocannon(request: LoadRequest, options: LoadOptions): Promise<LoadResult> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    autocannon(
      {
        url: request.url,
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        connections: options.connections,
        duration: options.durationSeconds,
        timeout: 10,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
  return {
    rps: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}
