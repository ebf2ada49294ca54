/**
 * The one question the cluster primary asks its workers over the IPC channel: are you ready? Each
 * worker answers with its own /readyz (Redis, upstreams, listener load), so the primary's /readyz
 * stays as strict as a single gateway's. (Metrics travel on prom-client's own messages.)
 */
import type { Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';

const ASK = 'concord:readyz?';
const ANSWER = 'concord:readyz';
/** A worker that does not answer within this long counts as not ready. */
const ANSWER_TIMEOUT_MS = 5000;

export interface WorkerReadiness {
  pid: number | undefined;
  status: number;
  body: unknown;
}

interface Message {
  type?: unknown;
  id?: unknown;
  status?: unknown;
  body?: unknown;
}

/** Primary side. */
export function askReadiness(worker: Worker): Promise<WorkerReadiness> {
  const id = randomUUID();
  const pid = worker.process.pid;
  return new Promise((resolve) => {
    const done = (answer: WorkerReadiness) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve(answer);
    };
    const timer = setTimeout(() => done({ pid, status: 503, body: 'no answer' }), ANSWER_TIMEOUT_MS);
    const onMessage = (message: Message) => {
      if (message?.type === ANSWER && message.id === id) done({ pid, status: Number(message.status), body: message.body });
    };
    worker.on('message', onMessage);
    try {
      worker.send({ type: ASK, id });
    } catch {
      done({ pid, status: 503, body: 'unreachable' });
    }
  });
}

/** Worker side: answers with `readyz()`, the worker's own readiness response. */
export function answerReadiness(readyz: () => Promise<Response>): void {
  process.on('message', (message: Message) => {
    if (message?.type !== ASK) return;
    void readyz()
      .then(async (res) => ({ status: res.status, body: await res.json().catch(() => null) }))
      .catch((err: Error) => ({ status: 503, body: err.message }))
      .then((answer) => process.send?.({ type: ANSWER, id: message.id, ...answer }));
  });
}
