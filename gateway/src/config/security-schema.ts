import { z } from 'zod';

/**
 * The `security` block of gateway.config.yaml: authentication, partners, plans, rate limits.
 * Owned by the gateway security work (issue 5); starts empty so the core config can include it.
 */
export const securityConfigSchema = z.object({}).strict();

export type SecurityConfig = z.infer<typeof securityConfigSchema>;
