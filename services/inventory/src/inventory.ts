import type { components } from '@concord/contracts/generated/inventory.v1/types.ts';

export type StockItem = components['schemas']['StockItem'];
export type Reservation = components['schemas']['Reservation'];
export type ReservationLine = components['schemas']['ReservationLine'];
export type ReleaseReason = 'order_cancelled' | 'order_write_failed' | 'manual';
