/**
 * A VersionAdapter serves one public contract version from another version's system API: it
 * rewrites validated request bodies on the way in and JSON responses (bodies, lists, problems) on
 * the way out. It sees parsed JSON only; the step (version-adapter-step.ts) does the bytes.
 */
export interface VersionAdapter {
  readonly name: string;
  /** The public contract it serves (`customers.v1`) and the contract the upstream speaks (`customers.v2`). */
  readonly publicContract: string;
  readonly upstreamContract: string;
  /** The request body for the upstream; `body` has already passed the public contract's validation. */
  request(operationId: string, body: unknown): unknown;
  /** The response body for the client, given the upstream's status and JSON body. */
  response(operationId: string, status: number, body: unknown): unknown;
}
