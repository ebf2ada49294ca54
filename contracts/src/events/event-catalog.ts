/** `owner`: only the partner that owns the event's resource; `all`: every partner. */
export type EventAudience = 'owner' | 'all';

export interface EventCatalogEntry {
  channel: string;
  title: string;
  summary: string;
  public: boolean;
  /**
   * Which partners' webhooks hear it (`x-concord-audience`): `owner`, the partner named in the
   * event's `partner` attribute (the default), or `all` partners.
   */
  audience: EventAudience;
  schema: Record<string, unknown>;
  /** Example payloads from the contract (the message's examples, else built from its fields' examples). */
  examples?: { name?: string; summary?: string; payload: unknown }[];
}

export type EventCatalog<N extends string = string> = Record<N, EventCatalogEntry>;
