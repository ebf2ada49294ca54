import { Verifier } from '@pact-foundation/pact';

type VerifierOptions = ConstructorParameters<typeof Verifier>[0];
import { PACT_LOG_LEVEL } from '../support/pacts-dir.ts';
import type { ProviderDefinition, ProviderStartOptions } from './provider-definition.ts';

export interface InteractionFailure {
  interaction: string;
  mismatch: string;
}

export interface ProviderVerification {
  consumer: string;
  provider: string;
  passed: boolean;
  failures: InteractionFailure[];
}

export interface VerifyPactOptions extends ProviderStartOptions {
  consumer: string;
  /** Publish the result to PACT_BROKER_BASE_URL (only when set) under this provider version. */
  publish?: { providerVersion: string; brokerUrl: string; branch?: string };
}

/**
 * Verifies one pact file against its real provider, started in-process for this pact alone and
 * stopped afterwards. Pact's verifier replays each interaction after its state handlers ran; the
 * JSON it returns is turned into failures that each name the interaction and the mismatch.
 */
export async function verifyPactFile(
  file: string,
  definition: ProviderDefinition,
  options: VerifyPactOptions,
): Promise<ProviderVerification> {
  const started = await definition.start(options);
  try {
    const headers = started.requestHeaders?.() ?? {};
    const verifier = new Verifier({
      provider: definition.name,
      ...(started.baseUrl ? { providerBaseUrl: started.baseUrl } : {}),
      pactUrls: [file],
      stateHandlers: started.stateHandlers as unknown as VerifierOptions['stateHandlers'],
      ...(started.messageProviders ? { messageProviders: started.messageProviders as VerifierOptions['messageProviders'] } : {}),
      requestFilter: ((req: { headers: Record<string, unknown> }, _res: unknown, next: () => void) => {
        for (const [name, value] of Object.entries(headers)) req.headers[name] = value;
        next();
      }) as VerifierOptions['requestFilter'],
      logLevel: PACT_LOG_LEVEL,
      ...(options.publish
        ? {
            publishVerificationResult: true,
            providerVersion: options.publish.providerVersion,
            pactBrokerUrl: options.publish.brokerUrl,
            ...(options.publish.branch ? { providerVersionBranch: options.publish.branch } : {}),
          }
        : {}),
    });
    let raw: string;
    let passed = true;
    try {
      raw = await verifier.verifyProvider();
    } catch (err) {
      passed = false;
      raw = err instanceof Error ? err.message : String(err);
    }
    const failures = parseFailures(raw);
    if (!passed && failures.length === 0) failures.push({ interaction: '(verification)', mismatch: raw });
    return { consumer: options.consumer, provider: definition.name, passed: passed && failures.length === 0, failures };
  } finally {
    await started.close();
  }
}

interface VerifierJson {
  result?: boolean;
  errors?: { interaction?: string; mismatch?: unknown }[];
}

function describeMismatch(mismatch: unknown): string {
  if (!mismatch || typeof mismatch !== 'object') return String(mismatch);
  const m = mismatch as { type?: string; message?: string; mismatch?: string; path?: string; mismatches?: unknown[] };
  if (Array.isArray(m.mismatches)) return m.mismatches.map(describeMismatch).join('; ');
  const text = m.mismatch ?? m.message ?? JSON.stringify(mismatch);
  return `${m.type ?? 'Mismatch'}${m.path ? ` at ${m.path}` : ''}: ${text}`;
}

/** `Verifying a pact between a and b Given s - description` -> `description (given s)`. */
function interactionName(raw: string): string {
  const stripped = raw.replace(/^Verifying a pact between .+? and .+? /, '');
  const given = /^Given (.+?) - (.+)$/.exec(stripped);
  return given ? `${given[2]} (given ${given[1]})` : stripped.replace(/^- /, '');
}

/** The verifier's JSON (pactffi_verifier_json): `errors` holds one entry per failed interaction. */
export function parseFailures(raw: string): InteractionFailure[] {
  let json: VerifierJson;
  try {
    json = JSON.parse(raw) as VerifierJson;
  } catch {
    return [];
  }
  return (json.errors ?? []).map((e) => ({
    interaction: interactionName(e.interaction ?? '(unknown interaction)'),
    mismatch: describeMismatch(e.mismatch),
  }));
}
