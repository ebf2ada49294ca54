import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ADA } from './testing/fake-customers-v2.ts';
import { startGatewayProcess } from './testing/gateway-process.ts';
import { type FakeUpstream, sendJson, startFakeUpstream } from './testing/fake-upstream.ts';
import { customersConfig } from './testing/test-gateway.ts';

/** Far longer than the drain may take: the process must be gone long before it. */
const GRACE_MS = 120_000;
const CONNECTIONS = 20;

/** Resolves once nothing accepts connections at `url` any more. */
async function refusing(url: string): Promise<void> {
  for (;;) {
    const refused = await fetch(url).then(
      () => false,
      () => true,
    );
    if (refused) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

type Outcome =
  | { kind: 'answered'; status: number; connection: string | undefined }
  /** Nothing listened any more: the request was never written on a connection. */
  | { kind: 'refused' }
  /** Written on a connection, then a socket error or no answer: what a drain must not do. */
  | { kind: 'cut'; error: string };

interface Run {
  outcomes: Outcome[];
  /** How many outcomes were in before SIGTERM went out. */
  beforeSignal: number;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  lines: Record<string, unknown>[];
}

/**
 * SIGTERM to the gateway process while twenty keep-alive connections send continuously through it
 * to an upstream that takes 50 to 200 ms an answer; the load goes on until the process is gone.
 */
describe('the gateway process on SIGTERM under keep-alive load', () => {
  let dir: string;
  let upstream: FakeUpstream;
  const held: (() => void)[] = [];
  let holding = false;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-drain-'));
    upstream = await startFakeUpstream(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 150)));
      if (holding) await new Promise<void>((release) => held.push(release));
      sendJson(res, 200, ADA);
    });
  });
  afterAll(async () => {
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * `hold`: to know which responses were written after the signal, the upstream holds its answers
   * around it: once every connection has a request waiting there, SIGTERM goes out, the test waits
   * until the process acted on it (its operator listener stops accepting), then the upstream answers.
   */
  async function terminateUnderLoad(hold: boolean): Promise<Run> {
    const configPath = join(dir, `gateway-${hold ? 'held' : 'free'}.config.yaml`);
    await writeFile(
      configPath,
      stringify(
        customersConfig(upstream.url, {
          server: { shutdownGraceMs: GRACE_MS, watchConfig: false },
          // The load comes from one address: the per-address limit would answer most of it with 429.
          security: { rateLimit: { perIp: { points: 1_000_000, windowSeconds: 60 } } },
        }),
      ),
    );
    const gateway = await startGatewayProcess(configPath);
    const pool = new Pool(gateway.url, { connections: CONNECTIONS, pipelining: 1 });
    const outcomes: Outcome[] = [];
    let stop = false;

    const send = async (): Promise<Outcome> => {
      try {
        const res = await pool.request({ path: '/v2/customers/cus_4f9a2b7c1d8e', method: 'GET' });
        await res.body.text();
        const connection = res.headers['connection'];
        return { kind: 'answered', status: res.statusCode, connection: typeof connection === 'string' ? connection : undefined };
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ECONNREFUSED') {
          await new Promise((r) => setTimeout(r, 20));
          return { kind: 'refused' };
        }
        return { kind: 'cut', error: `${code ?? ''} ${(err as Error).message}` };
      }
    };
    const workers = Array.from({ length: CONNECTIONS }, async () => {
      while (!stop) outcomes.push(await send());
    });

    while (outcomes.length < 100) await new Promise((r) => setTimeout(r, 20));
    if (hold) {
      holding = true;
      while (held.length < CONNECTIONS) await new Promise((r) => setTimeout(r, 10));
    }
    const beforeSignal = outcomes.length;
    gateway.signal('SIGTERM');
    if (hold) {
      await refusing(`${gateway.adminUrl}/healthz`);
      holding = false;
      for (const release of held.splice(0)) release();
    }
    const exit = await gateway.exited;
    stop = true;
    await Promise.all(workers);
    await pool.close();
    return { outcomes, beforeSignal, exit, lines: gateway.logLines() };
  }

  function expectCleanDrain(run: Run): void {
    expect(run.outcomes.filter((o) => o.kind === 'cut')).toEqual([]);
    for (const o of run.outcomes) if (o.kind === 'answered') expect(o.status).toBe(200);
    // Nothing was sent on a connection once its closing response came: later requests found no listener.
    expect(run.outcomes.slice(run.beforeSignal).some((o) => o.kind === 'refused')).toBe(true);
    expect(run.exit).toEqual({ code: 0, signal: null });
    const drained = run.lines.filter((l) => typeof l.cut === 'number');
    expect(drained).toHaveLength(1);
    expect(drained[0]).toMatchObject({ cut: 0, graceMs: GRACE_MS, msg: 'drained: every request received was answered' });
  }

  it('at an arbitrary moment: cuts no request, logs 0 cut and exits 0 once the load has moved away, long before the grace period', {
    timeout: 90_000,
  }, async () => {
    expectCleanDrain(await terminateUnderLoad(false));
  });

  it('answers the requests it holds when the signal comes, each with Connection: close', { timeout: 90_000 }, async () => {
    const run = await terminateUnderLoad(true);
    expectCleanDrain(run);
    const afterSignal = run.outcomes.slice(run.beforeSignal).filter((o) => o.kind === 'answered');
    // The twenty held ones at least: each written after the signal, each closing its connection.
    expect(afterSignal.length).toBeGreaterThanOrEqual(CONNECTIONS);
    for (const o of afterSignal) expect(o).toMatchObject({ status: 200, connection: 'close' });
  });
});
