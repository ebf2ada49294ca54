export { createPortal, defaultPortalContracts, type PortalApi, type PortalContract, type PortalOptions } from './portal.ts';
