import { GatewayError } from '../../errors.ts';
import { bearerChallenge } from '../authenticate/auth-errors.ts';

export class InsufficientScopeError extends GatewayError {
  static readonly code = 'INSUFFICIENT_SCOPE' as const;
  constructor(required: readonly string[], missing: readonly string[]) {
    const detail = `This operation needs the scope${required.length > 1 ? 's' : ''} ${required.map((s) => `"${s}"`).join(', ')}; the token lacks ${missing.map((s) => `"${s}"`).join(', ')}.`;
    super('INSUFFICIENT_SCOPE', detail, {
      headers: { 'WWW-Authenticate': bearerChallenge({ error: 'insufficient_scope', description: detail, scope: required.join(' ') }) },
      extensions: { required_scopes: required, missing_scopes: missing },
    });
  }
}

export class ForbiddenError extends GatewayError {
  static readonly code = 'FORBIDDEN' as const;
  constructor(detail: string) {
    super('FORBIDDEN', detail);
  }
}
