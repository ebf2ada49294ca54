/**
 * The integration map: every boundary Concord has, as nodes and edges, derived from the contracts,
 * the gateway config and the pacts (never drawn by hand). The same model is printed by
 * `concord map` and, with live health on every edge, served by the gateway at /map.
 */

export type NodeKind = 'partner' | 'gateway' | 'api-version' | 'system-api' | 'event' | 'consumer' | 'webhooks';

export type Lifecycle = 'current' | 'deprecated' | 'retired';

export interface MapNode {
  /** `partner:demo-partner`, `api:customers.v1`, `system:customers`, `event:order.placed`, ... */
  id: string;
  kind: NodeKind;
  label: string;
  /** API versions: the lifecycle from the gateway config. */
  lifecycle?: { status: Lifecycle; deprecation?: string; sunset?: string; successor?: string };
  /** API versions and events: the contract's `info.version`. */
  contractVersion?: string;
  /** Events: whether partners may subscribe to them as webhooks (`x-concord-public`). */
  public?: boolean;
  /** Webhook subscriptions of one partner (live map only): count per event type, never URLs. */
  subscriptions?: Record<string, number>;
}

export type EdgeKind = 'calls' | 'routes' | 'publishes' | 'consumes' | 'delivers' | 'pact';

export type PactStatus = 'verified' | 'failed' | 'unverified' | 'none';

export interface EdgePact {
  pact: string;
  status: Exclude<PactStatus, 'none'>;
  reason: string;
}

export interface MapEdge {
  /** `<from> -> <to>`, unique per kind. */
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  /** The contract the two ends speak (`customers.v1@1.0.0`, `events.v1@1.0.0`). */
  contract?: string;
  /** routes: the version adapter the gateway translates through. */
  adapter?: string;
  /** consumes/delivers/publishes: the event type. */
  eventType?: string;
  /** The pacts that cover this boundary and what `concord verify` last recorded for them. */
  pacts: EdgePact[];
  /** The worst of `pacts` (`none` when no pact covers the edge). */
  pactStatus: PactStatus;
}

export interface IntegrationMap {
  nodes: MapNode[];
  edges: MapEdge[];
}
