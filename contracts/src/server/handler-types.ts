/**
 * Types that turn openapi-typescript's `operations` interface into handler signatures: a handler
 * receives its operation's typed parameters and body and must return one of its documented
 * responses, so returning the wrong shape or an undocumented status does not compile.
 */
import type { Context, Env } from 'hono';

type NeverToEmpty<T> = [T] extends [never] ? Record<string, never> : [T] extends [undefined] ? Record<string, never> : NonNullable<T>;

export type PathParamsOf<Op> = Op extends { parameters: { path?: infer P } } ? NeverToEmpty<P> : Record<string, never>;
export type QueryOf<Op> = Op extends { parameters: { query?: infer Q } } ? NeverToEmpty<Q> : Record<string, never>;
export type HeadersOf<Op> = Op extends { parameters: { header?: infer H } } ? NeverToEmpty<H> : Record<string, never>;

type ContentValue<C> = C extends Record<string, unknown> ? C[keyof C] : never;

export type RequestBodyOf<Op> = Op extends { requestBody: { content: infer C } }
  ? ContentValue<C>
  : Op extends { requestBody?: { content: infer C } }
    ? ContentValue<C> | undefined
    : undefined;

type NumericStatus<S> = S extends number ? S : S extends `${infer N extends number}` ? N : never;

type BodyOf<R> = R extends { content: infer C } ? ([C] extends [never] ? undefined : ContentValue<C>) : undefined;

/** One documented response: its status and a body of that status's schema. */
export type ResponseOf<Op> = Op extends { responses: infer Rs }
  ? {
      [S in keyof Rs]: BodyOf<Rs[S]> extends undefined
        ? { status: NumericStatus<S>; body?: undefined; headers?: Record<string, string> }
        : { status: NumericStatus<S>; body: BodyOf<Rs[S]>; headers?: Record<string, string> };
    }[keyof Rs]
  : never;

/** What a handler receives: everything already validated against the contract. */
export interface TypedRequest<Op> {
  params: PathParamsOf<Op>;
  query: QueryOf<Op>;
  headers: HeadersOf<Op>;
  body: RequestBodyOf<Op>;
}

export type OperationHandler<Op, E extends Env = Env> = (
  request: TypedRequest<Op>,
  c: Context<E>,
) => ResponseOf<Op> | Promise<ResponseOf<Op>>;

/** A handler for every operation of a contract, keyed by operationId. */
export type ContractHandlers<Ops, E extends Env = Env> = { [K in keyof Ops]: OperationHandler<Ops[K], E> };
