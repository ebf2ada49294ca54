// A small Swagger Petstore upstream for docs/add-your-own-api.md: pets in memory, the operations the
// guide calls, and a provider-states setup URL (Pact's convention) so a pact can be verified against
// it through the gateway. Plain Node.js, no dependencies. PORT (default 4010) says where it listens.
import { createServer } from 'node:http';

const pets = new Map();
let nextId = 1000;

function send(res, status, body) {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function pet(input) {
  const id = typeof input.id === 'number' ? input.id : nextId++;
  return { id, name: input.name, photoUrls: input.photoUrls ?? [], status: input.status ?? 'available', tags: input.tags ?? [] };
}

// Provider states: what a pact's `given` needs to be true before its interaction is replayed.
const states = {
  'a pet exists': (params, action) => {
    if (action === 'teardown') pets.delete(params.id);
    else pets.set(params.id, pet({ photoUrls: [], ...params }));
  },
  'no pet has the id': (params) => {
    pets.delete(params.id);
  },
};

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? JSON.parse(text) : {};
    const url = new URL(req.url ?? '/', 'http://petstore');
    const route = `${req.method} ${url.pathname}`;
    const id = /^\/pet\/(\d+)$/.exec(url.pathname)?.[1];

    if (route === 'POST /_pact/provider-states') {
      const handler = states[body.state];
      if (!handler) return send(res, 400, { error: `unknown provider state "${body.state}"` });
      handler(body.params ?? {}, body.action ?? 'setup');
      return send(res, 200, {});
    }
    if (route === 'POST /pet') {
      const created = pet(body);
      pets.set(created.id, created);
      return send(res, 200, created);
    }
    if (route === 'PUT /pet') {
      if (!pets.has(body.id)) return send(res, 404);
      pets.set(body.id, pet(body));
      return send(res, 200, pets.get(body.id));
    }
    if (route === 'GET /pet/findByStatus') {
      const status = url.searchParams.get('status') ?? 'available';
      return send(
        res,
        200,
        [...pets.values()].filter((p) => p.status === status),
      );
    }
    if (id && req.method === 'GET') return pets.has(Number(id)) ? send(res, 200, pets.get(Number(id))) : send(res, 404);
    if (id && req.method === 'DELETE') {
      pets.delete(Number(id));
      return send(res, 200);
    }
    if (route === 'GET /store/inventory') {
      const counts = {};
      for (const p of pets.values()) counts[p.status] = (counts[p.status] ?? 0) + 1;
      return send(res, 200, counts);
    }
    send(res, 404);
  });
});

// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by npm start (stack.services) or by hand, never by a turbo task
const port = Number(process.env.PORT ?? 4010);
server.listen(port, '127.0.0.1', () => console.log(`petstore listening on http://127.0.0.1:${port}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => server.close(() => process.exit(0)));
