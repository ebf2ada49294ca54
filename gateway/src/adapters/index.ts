import type { AdapterName } from '../config/schema.ts';
import { customersV1FromV2 } from './customers-v1-from-v2.ts';
import type { VersionAdapter } from './version-adapter.ts';

export type { VersionAdapter } from './version-adapter.ts';

/** Every adapter by the name the config uses (`apis[].adapter`). */
export const VERSION_ADAPTERS: Readonly<Record<AdapterName, VersionAdapter>> = {
  'customers-v1-from-v2': customersV1FromV2,
};
