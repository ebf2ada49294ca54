import { fileURLToPath } from 'node:url';

/** gateway/gateway.config.yaml: the config the gateway and `npm start` read unless GATEWAY_CONFIG names another. */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../gateway.config.yaml', import.meta.url));
