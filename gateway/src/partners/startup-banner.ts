import type { SecurityConfig } from '../config/security-schema.ts';
import type { PartnerRegistry } from './partner-registry.ts';

/** Lines main.ts prints once listening: who signs tokens, and the demo credentials (never in production). */
export function startupBanner(options: {
  config: Pick<SecurityConfig, 'auth' | 'demo'>;
  partners: PartnerRegistry;
  /** Whether this gateway serves its own token endpoint (no external identity provider). */
  issuesTokens: boolean;
  nodeEnv: string | undefined;
  /** Where the gateway listens, as the operator reaches it: `http://localhost:8080`. */
  origin: string;
}): string[] {
  const { auth, demo } = options.config;
  const lines: string[] = [];
  if (auth.jwksUrl) lines.push(`auth: verifying tokens of ${auth.jwksUrl} (iss ${auth.issuer}, aud ${auth.audience})`);
  const credentials = options.partners.demo;
  if (credentials && options.issuesTokens) {
    lines.push(
      'Demo credentials (refused when NODE_ENV=production):',
      `  client_id:     ${credentials.clientId}`,
      `  client_secret: ${credentials.clientSecret}`,
      `  curl -s -u ${credentials.clientId}:${credentials.clientSecret} -d grant_type=client_credentials ${options.origin}/oauth/token`,
    );
  } else if (demo.enabled && options.nodeEnv === 'production') {
    lines.push('Demo credentials are disabled because NODE_ENV=production.');
  }
  return lines;
}
