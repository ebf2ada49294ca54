import { GatewayError } from '../../errors.ts';
import { bearerChallenge } from '../authenticate/auth-errors.ts';
import { acceptedAlternatives, describeAlternatives, type CompiledSecurity } from './security-requirements.ts';

export class InsufficientScopeError extends GatewayError {
  static readonly code = 'INSUFFICIENT_SCOPE' as const;
  constructor(required: readonly string[], missing: readonly string[], security?: CompiledSecurity) {
    const others = security && security.alternatives.length > 1 ? ` It also accepts ${describeAlternatives(security)}.` : '';
    const detail = `This operation needs the scope${required.length > 1 ? 's' : ''} ${required.map((s) => `"${s}"`).join(', ')}; the credential lacks ${missing.map((s) => `"${s}"`).join(', ')}.${others}`;
    super('INSUFFICIENT_SCOPE', detail, {
      headers: { 'WWW-Authenticate': bearerChallenge({ error: 'insufficient_scope', description: detail, scope: required.join(' ') }) },
      extensions: { required_scopes: required, missing_scopes: missing, ...(security ? { accepted: acceptedAlternatives(security) } : {}) },
    });
  }
}

export class ForbiddenError extends GatewayError {
  static readonly code = 'FORBIDDEN' as const;
  constructor(detail: string) {
    super('FORBIDDEN', detail);
  }
}
