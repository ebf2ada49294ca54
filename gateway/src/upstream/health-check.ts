import { request } from 'undici';

/**
 * GETs an upstream's health path: resolves on 2xx, rejects on anything else, on a network error,
 * after `timeoutMs`, or when `signal` aborts. /readyz and the breaker's recovery probe both use it.
 */
export async function checkHealthPath(baseUrl: string, path: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const url = new URL(path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await request(url, {
    method: 'GET',
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    headersTimeout: timeoutMs,
  });
  await res.body.dump();
  if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`${path} answered ${res.statusCode}`);
}
