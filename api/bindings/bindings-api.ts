/**
 * Output bindings, protocol-neutral: find the binding, check the operation, invoke it. Unknown
 * bindings and unsupported operations are ERR_INVOKE_OUTPUT_BINDING (500) with daprd's wording.
 */
import type { DaprError } from '../../errors/dapr-error';
import type { ComponentInstance } from '../../components/contract';
import { isOutputBinding, type BindingInvokeResponse } from '../../components/bindings/contract';
import { BindingErrors } from './errors';

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DaprError };

export interface BindingsApiDeps {
  /** Live binding components by name (input-only ones are refused here). */
  readonly bindings: () => ReadonlyMap<string, ComponentInstance>;
  /** The component's resolved metadata (direction). */
  readonly metadataOf: (name: string) => Readonly<Record<string, string>> | undefined;
}

/** `direction` metadata: absent = both; otherwise a list of input/output. */
export function hasDirection(md: Readonly<Record<string, string>> | undefined, dir: 'input' | 'output'): boolean {
  const raw = md?.direction;
  if (!raw || !raw.trim()) return true;
  return raw.split(',').map((s) => s.trim().toLowerCase()).includes(dir);
}

export class BindingsApi {
  constructor(readonly deps: BindingsApiDeps) {}

  async invoke(name: string, operation: string, data: Buffer, metadata: Record<string, string>): Promise<Result<BindingInvokeResponse>> {
    const b = this.deps.bindings().get(name);
    if (!b || !isOutputBinding(b) || !hasDirection(this.deps.metadataOf(name), 'output')) {
      return { ok: false, error: BindingErrors.invoke(name, `couldn't find output binding ${name}`) };
    }
    const ops = b.operations();
    if (!ops.includes(operation)) {
      return { ok: false, error: BindingErrors.invoke(name, `binding ${name} does not support operation ${operation}. supported operations:${ops.map((o) => ` ${o}`).join('')}`) };
    }
    try {
      return { ok: true, value: await b.invoke({ operation, data, metadata }) };
    } catch (e) {
      return { ok: false, error: BindingErrors.invoke(name, e instanceof Error ? e.message : String(e)) };
    }
  }
}
