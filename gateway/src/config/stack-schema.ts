/**
 * `stack:` in gateway.config.yaml: what `npm start` runs beside the gateway, and on which ports. The
 * gateway itself (`npm run gateway`) does not read it. Each service's URL becomes the upstream of the
 * same name, so adding an API with its own upstream program is an edit of this file alone.
 */
import { z } from 'zod';

/** Concord's own system APIs (services/), started in-process and wired to each other. */
export const SYSTEM_APIS = ['customers', 'orders', 'inventory', 'webhooks'] as const;
export type SystemApiName = (typeof SYSTEM_APIS)[number];

const DEFAULT_PORTS: Record<SystemApiName, number> = { customers: 4001, orders: 4002, inventory: 4003, webhooks: 4004 };

export const stackServiceSchema = z
  .object({
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .describe('Where it listens (0: a free port); <NAME>_PORT overrides, e.g. CUSTOMERS_PORT, PETSTORE_PORT'),
    command: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A program to start through the shell, in the config file directory, with its port in PORT; absent: the Concord system API of this name',
      ),
    readyTimeoutMs: z.number().int().positive().default(30_000).describe('How long a command may take to accept connections on its port'),
  })
  .strict();
export type StackServiceConfig = z.infer<typeof stackServiceSchema>;

export const stackConfigSchema = z
  .object({
    services: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and -'), stackServiceSchema)
      .default(
        Object.fromEntries(SYSTEM_APIS.map((name) => [name, { port: DEFAULT_PORTS[name], readyTimeoutMs: 30_000 }])) as Record<
          string,
          StackServiceConfig
        >,
      )
      .describe('By upstream name: each one started by npm start, its URL given to the upstream of the same name'),
  })
  .strict()
  .superRefine((stack, ctx) => {
    const systemApis = Object.entries(stack.services).filter(([, s]) => s.command === undefined);
    for (const [name] of systemApis) {
      if (!(SYSTEM_APIS as readonly string[]).includes(name))
        ctx.addIssue({
          code: 'custom',
          path: ['services', name],
          message: `"${name}" is not a Concord system API (${SYSTEM_APIS.join(', ')}); give it a command to start`,
        });
    }
    const listed = new Set(systemApis.map(([name]) => name));
    // Orders calls inventory and customers, and inventory's reaper asks orders: they start together.
    const missing = SYSTEM_APIS.filter((name) => !listed.has(name));
    if (listed.size > 0 && missing.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['services'],
        message: `the system APIs start together: list ${missing.join(', ')} too, or none of them`,
      });
  });
export type StackConfig = z.infer<typeof stackConfigSchema>;
