export interface EventCatalogEntry {
  channel: string;
  title: string;
  summary: string;
  public: boolean;
  schema: Record<string, unknown>;
}

export type EventCatalog<N extends string = string> = Record<N, EventCatalogEntry>;
