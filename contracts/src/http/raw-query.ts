/**
 * Every value of every query parameter of a request URL, as the request validator takes them
 * (`?tag=a&tag=b` -> `{ tag: ['a', 'b'] }`). Shared by the typed server and the gateway so both read
 * a query string the same way.
 */
export function rawQuery(url: string): Record<string, string[]> {
  const q = url.indexOf('?');
  const out: Record<string, string[]> = {};
  if (q === -1) return out;
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) (out[k] ??= []).push(v);
  return out;
}
