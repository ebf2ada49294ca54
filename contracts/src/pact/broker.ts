import type { PactFile } from './pact-file.ts';
import { readFileSync } from 'node:fs';

/**
 * Optional publishing to a Pact Broker: only when PACT_BROKER_BASE_URL is set. Pacts are published
 * with the broker's HTTP API (PUT /pacts/provider/:p/consumer/:c/version/:v); verification results
 * are published by Pact's verifier itself (publishVerificationResult), which needs the pacts to come
 * from the broker, so with a broker the verifier reads them from it.
 */
export interface BrokerSettings {
  baseUrl: string;
  token?: string;
  username?: string;
  password?: string;
  branch?: string;
}

export function brokerSettings(env: Record<string, string | undefined> = process.env): BrokerSettings | undefined {
  const baseUrl = env.PACT_BROKER_BASE_URL?.trim();
  if (!baseUrl) return undefined;
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    ...(env.PACT_BROKER_TOKEN ? { token: env.PACT_BROKER_TOKEN } : {}),
    ...(env.PACT_BROKER_USERNAME ? { username: env.PACT_BROKER_USERNAME } : {}),
    ...(env.PACT_BROKER_PASSWORD ? { password: env.PACT_BROKER_PASSWORD } : {}),
    ...(env.GIT_BRANCH ? { branch: env.GIT_BRANCH } : {}),
  };
}

export async function publishPacts(
  pacts: PactFile[],
  consumerVersion: string,
  broker: BrokerSettings,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (broker.token) headers.authorization = `Bearer ${broker.token}`;
  else if (broker.username)
    headers.authorization = `Basic ${Buffer.from(`${broker.username}:${broker.password ?? ''}`).toString('base64')}`;
  for (const pact of pacts) {
    const url = `${broker.baseUrl}/pacts/provider/${encodeURIComponent(pact.provider)}/consumer/${encodeURIComponent(pact.consumer)}/version/${encodeURIComponent(consumerVersion)}`;
    const res = await fetchImpl(url, { method: 'PUT', headers, body: readFileSync(pact.file, 'utf8') });
    if (!res.ok) throw new Error(`publishing ${pact.name} to ${broker.baseUrl} failed: ${res.status} ${await res.text()}`);
  }
}
