export {
  createPortal,
  defaultPortalContracts,
  defaultPortalEvents,
  type PortalApi,
  type PortalContract,
  type PortalEventCatalog,
  type PortalOptions,
} from './portal.ts';
