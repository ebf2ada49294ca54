/**
 * Bodies the pipeline shares so that each is read and parsed once: the request bytes that were
 * validated are the bytes forwarded; a buffered upstream JSON body is adapted and validated in place.
 */
export interface MessageVariables {
  /** Request body read by readRequestBody (policies/body-limit); null when the request has none. */
  requestBody: Uint8Array | null | undefined;
  /** The request body as parsed by validate-request (JSON); undefined when not parsed. */
  requestJson: unknown;
  /**
   * An upstream JSON body the proxy buffered because an adapter or response validation needs it;
   * a step that changes it also replaces `c.res`.
   */
  responseJson: unknown;
  /** True when the route validates responses but the upstream's body was not JSON (streamed unread). */
  responseUnparsed: boolean | undefined;
}
