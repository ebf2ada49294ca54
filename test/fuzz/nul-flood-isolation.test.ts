/**
 * One partner's bad input is not another partner's outage: partner B sends 100 requests to
 * customers whose JSON is valid and whose strings carry NUL (a string no database stores), and
 * between them 100 the customers service itself refuses (404, 409), while partner A keeps calling
 * customers v1 and v2. B gets a 400 problem for each NUL, naming the field; A never gets a 5xx;
 * and the gateway's circuit breaker for customers never leaves `closed` (a client's mistake is no
 * failure of the upstream).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../reliability/support/prometheus-text.ts';
import { startFuzzStack, type FuzzStack } from './support/fuzz-stack.ts';

const FLOOD = 100;
const CONCURRENCY = 10;

interface Answer {
  status: number;
  contentType: string | null;
  body: Record<string, unknown> | undefined;
}

describe('partner B floods customers with NUL-bearing requests while partner A works', () => {
  let stack: FuzzStack;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    stack = await startFuzzStack();
    tokenA = await stack.token('partner-a', 'customers:read customers:write');
    tokenB = await stack.token('partner-b', 'customers:read customers:write');
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    expect(stack?.faults ?? []).toEqual([]);
  }, 60_000);

  async function call(token: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
    const res = await fetch(stack.gateway.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get('content-type'), body: text ? JSON.parse(text) : undefined };
  }

  /** B's request number `i`: a create or an update (v1 or v2) with a NUL in one string. */
  function nulRequest(i: number, existing: string): [string, string, unknown, string?] {
    const nul = `B\u0000${i}`;
    switch (i % 4) {
      case 0:
        return ['POST', '/v2/customers', { given_name: nul, family_name: 'Flood', email: `b${i}@flood.example` }];
      case 1:
        return ['PATCH', `/v2/customers/${existing}`, { family_name: nul }, 'application/merge-patch+json'];
      case 2:
        return ['POST', '/v1/customers', { full_name: `Bea ${nul}`, email: `b${i}@flood.example` }];
      default:
        return [
          'POST',
          '/v2/customers',
          {
            given_name: 'Bea',
            family_name: 'Flood',
            email: `b${i}@flood.example`,
            address: { line1: nul, city: 'X', postal_code: '1', country: 'GB' },
          },
        ];
    }
  }

  it('B gets 400s, A never a 5xx, and the breaker stays closed', async () => {
    const seedA = await call(tokenA, 'POST', '/v2/customers', { given_name: 'Ada', family_name: 'A', email: 'ada@tenant-a.example' });
    expect(seedA.status).toBe(201);
    const seedB = await call(tokenB, 'POST', '/v2/customers', { given_name: 'Bea', family_name: 'B', email: 'bea@tenant-b.example' });
    expect(seedB.status).toBe(201);
    const idA = seedA.body!.id as string;
    const idB = seedB.body!.id as string;

    const answersB: Answer[] = [];
    const refusedByService: Answer[] = [];
    const answersA: Answer[] = [];
    let floodDone = false;
    const flood = (async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < FLOOD) {
            const i = next++;
            const [method, path, body, contentType] = nulRequest(i, idB);
            answersB.push(await call(tokenB, method, path, body, contentType));
            // The gateway refuses NUL before the service sees it; these reach the service and are
            // refused there (A's customer is a 404 to B; B's own email is taken): no failure either.
            refusedByService.push(
              i % 2 === 0
                ? await call(tokenB, 'PATCH', `/v2/customers/${idA}`, { family_name: 'Taken' }, 'application/merge-patch+json')
                : await call(tokenB, 'POST', '/v2/customers', { given_name: 'Bea', family_name: 'B', email: 'bea@tenant-b.example' }),
            );
          }
        }),
      );
      floodDone = true;
    })();
    // A's ordinary traffic on both versions, for as long as the flood lasts (and one round at least).
    let round = 0;
    do {
      answersA.push(await call(tokenA, 'GET', '/v2/customers?limit=5'));
      answersA.push(await call(tokenA, 'GET', `/v1/customers/${idA}`));
      answersA.push(await call(tokenA, 'GET', '/v1/customers?limit=5'));
      answersA.push(await call(tokenA, 'PATCH', `/v2/customers/${idA}`, { family_name: `A${round}` }, 'application/merge-patch+json'));
      round++;
    } while (!floodDone);
    await flood;

    expect(answersB).toHaveLength(FLOOD);
    for (const answer of answersB) {
      expect(answer.status).toBe(400);
      expect(answer.contentType).toBe('application/problem+json');
      expect(JSON.stringify(answer.body)).toContain('must not contain U+0000 (NUL)');
    }
    expect(refusedByService.map((a) => a.status).sort()).toEqual([
      ...Array<number>(FLOOD / 2).fill(404),
      ...Array<number>(FLOOD / 2).fill(409),
    ]);
    expect(answersA.length).toBeGreaterThanOrEqual(4);
    expect(answersA.filter((a) => a.status >= 500)).toEqual([]);
    expect(answersA.map((a) => a.status).every((s) => s === 200)).toBe(true);

    const metrics = parsePrometheusText(await (await fetch(`${stack.gateway.adminUrl}/metrics`)).text()).samples;
    const state = (s: string) =>
      metrics.find((m) => m.name === 'concord_circuit_breaker_state' && m.labels.upstream === 'customers' && m.labels.state === s)?.value;
    expect(state('closed')).toBe(1);
    expect(state('open')).toBe(0);
    const transitions = metrics.filter((m) => m.name === 'concord_circuit_breaker_transitions_total' && m.labels.upstream === 'customers');
    expect(transitions.reduce((n, m) => n + m.value, 0)).toBe(0);
  });
});
