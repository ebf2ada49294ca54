import { randomBytes, scryptSync } from 'node:crypto';
import type { PlanConfig, SecurityConfig } from '../config/security-schema.ts';
import { hashApiKey } from './api-key.ts';
import { verifyClientSecret } from './client-secret.ts';
import type { VerificationPriority } from './secret-verifier.ts';

/** Everything may be reached: the demo partner and (optionally) unknown clients of an external IdP. */
export const ALL = 'all' as const;

export interface Partner {
  clientId: string;
  name: string;
  plan: string;
  apis: ReadonlySet<string> | typeof ALL;
  scopes: ReadonlySet<string> | typeof ALL;
  enabled: boolean;
  /** scrypt hashes; empty for a partner that only holds external-IdP tokens. */
  secrets: readonly string[];
}

export interface PartnerRegistry {
  get(clientId: string): Partner | undefined;
  plan(name: string): PlanConfig | undefined;
  plans(): ReadonlyMap<string, PlanConfig>;
  /** The enabled partner an API key belongs to; undefined for an unknown key or a disabled partner, alike. */
  byApiKey(key: string): Partner | undefined;
  /** Verifies a client secret against the partner's hashes; false for unknown or disabled partners. */
  authenticate(clientId: string, secret: string, priority?: VerificationPriority): Promise<Partner | undefined>;
  /** The demo partner's plain credentials, when it is registered (never in production). */
  demo: { clientId: string; clientSecret: string } | undefined;
}

export interface PartnerRegistryOptions {
  /** process.env.NODE_ENV; the demo partner is refused in production. */
  nodeEnv?: string | undefined;
  /** Demo secret; fixed by default so the README tour can be pasted. */
  demoSecret?: string;
  /** How a secret is checked against a stored hash; bounded and cached by the gateway (secret-verifier.ts). */
  verifySecret?: (secret: string, stored: string, priority?: VerificationPriority) => Promise<boolean>;
}

/** A hash no secret matches (random salt and digest), at the default cost. */
const DECOY_HASH = `scrypt$16384$8$1$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`;

export const DEFAULT_DEMO_SECRET = 'concord-demo-secret-do-not-use-in-production';

export function createPartnerRegistry(config: SecurityConfig, options: PartnerRegistryOptions = {}): PartnerRegistry {
  const partners = new Map<string, Partner>();
  const apiKeys = new Map<string, Partner>();
  for (const p of config.partners) {
    partners.set(p.clientId, {
      clientId: p.clientId,
      name: p.name,
      plan: p.plan,
      apis: new Set(p.apis),
      scopes: new Set(p.scopes),
      enabled: p.enabled,
      secrets: p.secrets,
    });
    for (const hash of p.apiKeys) apiKeys.set(hash, partners.get(p.clientId)!);
  }
  let demo: PartnerRegistry['demo'];
  if (config.demo.enabled && options.nodeEnv !== 'production' && !partners.has(config.demo.clientId)) {
    const clientSecret = options.demoSecret ?? DEFAULT_DEMO_SECRET;
    // Cheap cost: the demo secret is public anyway, and start-up should stay fast.
    const salt = Buffer.from('concord-demo-salt');
    const hash = scryptSync(clientSecret, salt, 32, { N: 1024, r: 8, p: 1 });
    partners.set(config.demo.clientId, {
      clientId: config.demo.clientId,
      name: 'Demo partner',
      plan: config.demo.plan,
      apis: ALL,
      scopes: ALL,
      enabled: true,
      secrets: [`scrypt$1024$8$1$${salt.toString('base64url')}$${hash.toString('base64url')}`],
    });
    demo = { clientId: config.demo.clientId, clientSecret };
  }
  const plans = new Map(Object.entries(config.plans));
  const verify = options.verifySecret ?? verifyClientSecret;

  return {
    get: (clientId) => partners.get(clientId),
    plan: (name) => plans.get(name),
    plans: () => plans,
    demo,
    byApiKey(key) {
      const partner = apiKeys.get(hashApiKey(key));
      return partner?.enabled ? partner : undefined;
    },
    async authenticate(clientId, secret, priority) {
      const partner = partners.get(clientId);
      if (!partner?.enabled || partner.secrets.length === 0) {
        // Spend the same scrypt work, so response time does not tell which client ids exist.
        await verify(secret, DECOY_HASH, priority);
        return undefined;
      }
      for (const hash of partner.secrets) {
        if (await verify(secret, hash, priority)) return partner;
      }
      return undefined;
    },
  };
}

export function partnerMayCall(partner: Partner, api: string): boolean {
  return partner.apis === ALL || partner.apis.has(api);
}
