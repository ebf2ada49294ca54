import { ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Context, type Span, type Tracer } from '@opentelemetry/api';

/**
 * OpenTelemetry through @opentelemetry/api only: without an SDK the tracer is a no-op (no cost
 * beyond a few calls); an SDK registered by the process (or a tracer injected by tests) exports a
 * server span per request and a client span per upstream attempt, continuing the caller's
 * W3C trace.
 */
export const TRACER_NAME = 'concord-gateway';

export function gatewayTracer(tracer?: Tracer): Tracer {
  return tracer ?? trace.getTracer(TRACER_NAME);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The caller's span as the remote parent, when the traceparent header is valid. */
export function remoteParent(traceparent: string | undefined): Context {
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: Number.parseInt(m[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

export function startServerSpan(tracer: Tracer, method: string, traceparent: string | undefined): { span: Span; context: Context } {
  const parent = remoteParent(traceparent);
  const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
  return { span, context: trace.setSpan(parent, span) };
}
