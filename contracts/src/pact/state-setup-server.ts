import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StateFunc, StateHandlers } from './provider-definition.ts';

/** The body Pact's verifier POSTs to a provider-states setup URL. */
export interface StateChange {
  consumer?: string;
  state?: string;
  params?: Record<string, unknown>;
  action?: 'setup' | 'teardown' | string;
}

export interface StateSetupServer {
  url: string;
  /** States a pact asked for that no handler knows, in the order asked. */
  unknownStates(): string[];
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<StateChange> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return (text ? JSON.parse(text) : {}) as StateChange;
}

/**
 * In-process state handlers served at a provider-states setup URL, Pact's own convention, so a
 * provider built into this repository is verified exactly as any other provider is. A state no
 * handler knows is answered 400, which fails the interaction (Pact JS's own handler only logs a
 * warning and lets it pass, verifying against data that was never set up). A setup's result is
 * answered as JSON: the values Pact injects where a pact uses fromProviderState.
 */
export async function startStateSetupServer(handlers: StateHandlers): Promise<StateSetupServer> {
  const unknown: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const change = await readJson(req);
        const state = change.state ?? '';
        if (state === '') {
          // An interaction without a state: nothing to set up.
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
          return;
        }
        const handler = handlers[state];
        if (!handler) {
          unknown.push(state);
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end(`unknown provider state "${state}" (known: ${Object.keys(handlers).join(', ') || 'none'})`);
          return;
        }
        const action = change.action === 'teardown' ? 'teardown' : 'setup';
        const run: StateFunc | undefined = typeof handler === 'function' ? (action === 'setup' ? handler : undefined) : handler[action];
        const result = run ? await run(change.params) : undefined;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result ?? {}));
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(err instanceof Error ? err.message : String(err));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/_pact/provider-states`,
    unknownStates: () => [...unknown],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
