/**
 * Routing rules of a subscription: CEL `match` expressions over the variable `event` (the
 * CloudEvent as a map, e.g. `event.type == "order"`, `event.data.total > 100`). Rules run in order;
 * the first true (or empty) match wins; no match = the event is not for this app. Evaluation errors
 * and non-boolean results are errors (daprd then dead-letters or retries). Uses @bufbuild/cel.
 */
import { cel } from '../../proxy/cel';
import type { CelInput } from '@bufbuild/cel';

export interface RouteRule {
  readonly match: string;
  readonly path: string;
}

type Program = (event: CelInput) => unknown;

export interface CompiledRule extends RouteRule {
  /** Undefined for an empty match (always true). */
  readonly program?: Program;
}

export type RouteDecision =
  | { readonly kind: 'route'; readonly path: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'error'; readonly message: string };

let routingEnv: ReturnType<ReturnType<typeof cel>['celEnv']> | undefined;
function env(): NonNullable<typeof routingEnv> {
  const { celEnv, CelScalar, mapType } = cel();
  return (routingEnv ??= celEnv({ variables: { event: mapType(CelScalar.STRING, CelScalar.DYN) } }));
}

/** JSON-like values -> CEL inputs (objects become Maps; numbers stay doubles as in Go's JSON). */
export function toCel(v: unknown): CelInput {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(toCel);
  if (Buffer.isBuffer(v)) return new Uint8Array(v);
  if (typeof v === 'object') return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toCel(x)]));
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  return String(v);
}

/** Compiles every rule; a bad expression fails the whole list (the subscription is refused). */
export function compileRules(rules: readonly RouteRule[]): { ok: true; rules: CompiledRule[] } | { ok: false; message: string } {
  const out: CompiledRule[] = [];
  for (const r of rules) {
    const expr = r.match.trim();
    if (!expr) {
      out.push({ match: r.match, path: r.path });
      continue;
    }
    try {
      const run = cel().plan(env(), cel().parse(expr));
      out.push({ match: r.match, path: r.path, program: (event) => run({ event: event as never }) });
    } catch (e) {
      return { ok: false, message: `invalid routing rule match expression ${JSON.stringify(r.match)}: ${(e as Error).message}` };
    }
  }
  return { ok: true, rules: out };
}

export function matchRoute(rules: readonly CompiledRule[], event: Record<string, unknown>): RouteDecision {
  let input: CelInput | undefined;
  for (const rule of rules) {
    if (!rule.program) return { kind: 'route', path: rule.path };
    input ??= toCel(event);
    let result: unknown;
    try {
      result = rule.program(input);
    } catch (e) {
      return { kind: 'error', message: (e as Error).message };
    }
    if (cel().isCelError(result)) return { kind: 'error', message: `error evaluating ${rule.match}: ${result.message}` };
    if (typeof result !== 'boolean') return { kind: 'error', message: `the result of match expression ${rule.match} was not a boolean` };
    if (result) return { kind: 'route', path: rule.path };
  }
  return { kind: 'none' };
}
