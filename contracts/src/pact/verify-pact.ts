import { Verifier } from '@pact-foundation/pact';
import type { MessageProducer } from './provider-definition.ts';

type VerifierOptions = ConstructorParameters<typeof Verifier>[0];

/** Pact's native core logs at info by default; verification only wants warnings. */
const PACT_LOG_LEVEL = 'warn' as const;

export interface InteractionFailure {
  interaction: string;
  mismatch: string;
}

/** A running provider as the verifier reaches it. */
export interface ReachableProvider {
  name: string;
  /** Where HTTP interactions are replayed; absent for a provider that only publishes events. */
  baseUrl?: string;
  /** Pact's providerStatesSetupUrl: POST { consumer, state, params, action }. */
  stateSetupUrl?: string;
  /** By interaction description: the message the real producer builds. */
  messageProviders?: Record<string, MessageProducer>;
  /** Headers every replayed request carries (a partner token for a gateway). */
  headers: Record<string, string>;
}

export interface VerifyPactOptions {
  /** Publish the result to PACT_BROKER_BASE_URL (only when set) under this provider version. */
  publish?: { providerVersion: string; brokerUrl: string; branch?: string };
}

/**
 * Verifies one pact file against a running provider. Pact's verifier sets each interaction's states
 * up at the provider's state-setup URL, replays the interaction (or asks for the message) and
 * compares; the JSON it returns is turned into failures that each name the interaction and the
 * mismatch.
 */
export async function verifyPactFile(
  file: string,
  provider: ReachableProvider,
  options: VerifyPactOptions = {},
): Promise<InteractionFailure[]> {
  const headers = provider.headers;
  const verifier = new Verifier({
    provider: provider.name,
    ...(provider.baseUrl ? { providerBaseUrl: provider.baseUrl } : {}),
    ...(provider.stateSetupUrl ? { providerStatesSetupUrl: provider.stateSetupUrl } : {}),
    pactUrls: [file],
    ...(provider.messageProviders ? { messageProviders: provider.messageProviders as VerifierOptions['messageProviders'] } : {}),
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
  return failures;
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
