import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWebhooksConfig } from '../config.ts';
import { createWebhookSender } from '../dispatcher/send.ts';
import { endpointUrlProblem } from './endpoint-url.ts';
import { createPrivateNetworkGuard } from './private-network.ts';

describe('the private-network guard (SSRF)', () => {
  const guard = createPrivateNetworkGuard();

  it('knows private, loopback, link-local and metadata addresses from public ones', () => {
    for (const a of [
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '[::1]',
    ]) {
      expect(guard.isPrivate(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', 'partner.example'])
      expect(guard.isPrivate(a), a).toBe(false);
  });

  it('refuses private endpoints at registration when blocking', () => {
    const policy = { production: true, blockPrivateNetworks: true };
    expect(endpointUrlProblem('https://10.0.0.5/hook', policy)).toMatch(/private or internal/);
    expect(endpointUrlProblem('https://169.254.169.254/latest/meta-data', policy)).toMatch(/private or internal/);
    expect(endpointUrlProblem('https://localhost/hook', policy)).toMatch(/private or internal/);
    expect(endpointUrlProblem('https://[::1]/hook', policy)).toMatch(/private or internal/);
    expect(endpointUrlProblem('https://partner.example/hook', policy)).toBeUndefined();
    expect(endpointUrlProblem('https://10.0.0.5/hook', { production: false })).toBeUndefined();
  });

  it('refuses to connect when a name resolves to a private address, and connects when not blocking', async () => {
    let received = 0;
    const server = createServer((_req, res) => {
      received += 1;
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const request = { url: `http://localhost:${port}/hook`, messageId: 'msg_1', body: '{}', keys: [Buffer.alloc(32, 1)] };
    const guarded = createWebhookSender({ timeoutMs: 2000, connections: 1, blockPrivateNetworks: true });
    const open = createWebhookSender({ timeoutMs: 2000, connections: 1 });
    try {
      const refused = await guarded.send(request);
      expect(refused.outcome).toBe('network_error');
      expect(refused.error).toMatch(/private or internal/);
      expect(received).toBe(0);
      expect((await open.send(request)).outcome).toBe('succeeded');
      expect(received).toBe(1);
    } finally {
      await guarded.close();
      await open.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('is on in every mode unless a developer opts out explicitly', () => {
    for (const NODE_ENV of ['production', 'development', 'test', undefined]) {
      expect(loadWebhooksConfig({ NODE_ENV }).blockPrivateNetworks, String(NODE_ENV)).toBe(true);
      expect(loadWebhooksConfig({ NODE_ENV, WEBHOOKS_ALLOW_PRIVATE_NETWORKS: '1' }).blockPrivateNetworks).toBe(false);
    }
  });

  describe('every spelling of an internal address, at registration and at delivery', () => {
    let server: ReturnType<typeof createServer>;
    let port = 0;
    let received = 0;
    const forms = (p: number) => [
      `http://2130706433:${p}/h`, // decimal
      `http://0177.0.0.1:${p}/h`, // octal
      `http://0x7f.0.0.1:${p}/h`, // hex
      `http://0x7f000001:${p}/h`,
      `http://127.1:${p}/h`,
      `http://[::ffff:127.0.0.1]:${p}/h`, // IPv4-mapped IPv6
      `http://[::ffff:7f00:1]:${p}/h`,
      `http://[::127.0.0.1]:${p}/h`, // IPv4-compatible
      `http://[2002:7f00:1::]:${p}/h`, // 6to4
      `http://0.0.0.0:${p}/h`,
      `http://localhost.:${p}/h`,
      `http://app.localhost:${p}/h`,
      `https://169.254.169.254/latest/meta-data`, // cloud metadata
      `https://[::ffff:a9fe:a9fe]/latest/meta-data`,
      `https://[fd00:ec2::254]/latest/meta-data`,
      `https://10.0.0.5/hook`,
      `https://[fc00::1]/hook`,
    ];

    beforeAll(async () => {
      server = createServer((_req, res) => {
        received += 1;
        res.writeHead(204).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('refuses them at registration', () => {
      for (const url of forms(port)) {
        expect(endpointUrlProblem(url, { production: false, blockPrivateNetworks: true }), url).toMatch(/private or internal/);
      }
      expect(
        endpointUrlProblem('https://gateway.concord.example/h', { production: true, blockedHosts: ['gateway.concord.example'] }),
      ).toMatch(/this platform itself/);
    });

    it('refuses them at delivery without connecting, as a stored subscription would be', async () => {
      const guarded = createWebhookSender({ timeoutMs: 1000, connections: 1, blockPrivateNetworks: true });
      try {
        for (const url of forms(port)) {
          const result = await guarded.send({ url, messageId: 'msg_1', body: '{}', keys: [Buffer.alloc(32, 1)] });
          expect(result, url).toMatchObject({ outcome: 'network_error', error: 'refused: private or internal address' });
        }
        expect(received).toBe(0);
      } finally {
        await guarded.close();
      }
    });

    it('reports a category, never an address or a port', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const open = createWebhookSender({ timeoutMs: 1000, connections: 1 });
      try {
        const refused = await open.send({
          url: `http://127.0.0.1:${closedPort}/h`,
          messageId: 'm',
          body: '{}',
          keys: [Buffer.alloc(32, 1)],
        });
        expect(refused.error).toBe('connection refused');
        expect(JSON.stringify(refused)).not.toContain(String(closedPort));
        const unknown = await open.send({
          url: 'https://does-not-exist.invalid/h',
          messageId: 'm',
          body: '{}',
          keys: [Buffer.alloc(32, 1)],
        });
        expect(unknown.error).toBe('DNS error');
      } finally {
        await open.close();
      }
    });
  });
});
