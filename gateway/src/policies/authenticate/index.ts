export { authenticatePolicy, type AuthenticatePolicyOptions } from './authenticate.ts';
export { createTokenVerifier, toAuthError, type TokenVerifier, type TokenVerifierOptions } from './token-verifier.ts';
export { createRemoteKeySource, type KeySource, type RemoteKeySourceOptions } from './remote-key-source.ts';
export { AuthUnavailableError, InvalidTokenError, UnauthenticatedError, bearerChallenge } from './auth-errors.ts';
export { securityMetrics, type SecurityMetrics } from './security-metrics.ts';
export { VerifiedTokenCache } from './verified-token-cache.ts';
