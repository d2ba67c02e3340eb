/**
 * The bindings building block. One component may be an output binding (invoke with an operation),
 * an input binding (read events the runtime hands to the app), or both. Input delivery is
 * at-least-once where the source allows: the handler's promise settles the event - resolve =
 * done (acknowledge), reject = failed (the driver redelivers or drops as its source dictates).
 */
import type { ComponentInstance } from '../contract';

export interface BindingInvokeRequest {
  readonly operation: string;
  readonly data: Buffer;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface BindingInvokeResponse {
  readonly data?: Buffer;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly contentType?: string;
}

export interface InputBindingEvent {
  readonly data: Buffer;
  /** Delivered to HTTP apps as headers, to gRPC apps as BindingEventRequest.metadata. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly contentType?: string;
}

/** Resolves with the app's reply body (handed back to drivers that use it). */
export type InputBindingHandler = (event: InputBindingEvent) => Promise<Buffer | undefined>;

export interface OutputBinding extends ComponentInstance {
  /** Operations invoke() accepts (create, get, delete, list, exec, query ...). */
  operations(): readonly string[];
  invoke(req: BindingInvokeRequest): Promise<BindingInvokeResponse>;
}

export interface InputBinding extends ComponentInstance {
  /** Starts reading; resolves to a function that stops reading (in-flight handlers finish). */
  read(handler: InputBindingHandler): Promise<() => Promise<void>>;
}

export type Binding = ComponentInstance & Partial<Pick<OutputBinding, 'operations' | 'invoke'>> & Partial<Pick<InputBinding, 'read'>>;

export function isOutputBinding(b: ComponentInstance): b is OutputBinding {
  return typeof (b as Binding).invoke === 'function' && typeof (b as Binding).operations === 'function';
}

export function isInputBinding(b: ComponentInstance): b is InputBinding {
  return typeof (b as Binding).read === 'function';
}

/** A failure the caller made (bad metadata, unknown key): the API still answers 500 as daprd does. */
export class BindingError extends Error {}

export function requireMeta(md: Readonly<Record<string, string>>, key: string, what: string): string {
  const v = md[key];
  if (!v) throw new BindingError(`${what}: required metadata "${key}" is missing`);
  return v;
}

export function boolMeta(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined || v === '') return dflt;
  return ['true', '1', 'yes', 'y', 'on'].includes(v.toLowerCase());
}
