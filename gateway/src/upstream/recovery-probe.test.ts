import { describe, expect, it } from 'vitest';
import { createRecoveryProbe } from './recovery-probe.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A check the test answers by hand, recording each call and its abort signal. */
function manualCheck() {
  const calls: { signal: AbortSignal; pass: () => void; fail: () => void }[] = [];
  const check = (_timeoutMs: number, signal: AbortSignal) =>
    new Promise<void>((pass, fail) => calls.push({ signal, pass, fail: () => fail(new Error('down')) }));
  return { calls, check };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await pause(5);
  if (!check()) throw new Error('condition not met');
}

describe('recovery probe', () => {
  it('probes one at a time until one passes, then reports it once and stops', async () => {
    const { calls, check } = manualCheck();
    let passes = 0;
    const probe = createRecoveryProbe({ check, intervalMs: 5, onPass: () => passes++ });
    probe.start();
    probe.start();
    await until(() => calls.length === 1);
    await pause(30);
    expect(calls).toHaveLength(1);
    calls[0]!.fail();
    await until(() => calls.length === 2);
    calls[1]!.pass();
    await until(() => passes === 1);
    await pause(30);
    expect(calls).toHaveLength(2);
  });

  it('aborts and disregards a probe in flight when stopped', async () => {
    const { calls, check } = manualCheck();
    let passes = 0;
    const probe = createRecoveryProbe({ check, intervalMs: 5, onPass: () => passes++ });
    probe.start();
    await until(() => calls.length === 1);
    probe.stop();
    expect(calls[0]!.signal.aborted).toBe(true);
    calls[0]!.pass();
    await pause(30);
    expect(passes).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it('never starts again once closed', async () => {
    const { calls, check } = manualCheck();
    const probe = createRecoveryProbe({ check, intervalMs: 5, onPass: () => {} });
    probe.close();
    probe.start();
    await pause(30);
    expect(calls).toHaveLength(0);
  });
});
