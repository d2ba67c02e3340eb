/**
 * Decorates a driver instance so that its component calls (call-specs.ts) go through the
 * component-call filters. The decoration is a Proxy made once per loaded instance: everything
 * else (features, init, close, ping, driver-specific members, instanceof) reaches the driver
 * unchanged, and methods run with the driver itself as `this`. The filters are read per call, so
 * instances created before the filter chains exist (at start-up) are covered once they do.
 */
import type { ComponentInstance } from '../../components/contract';
import { CALL_SPECS, type CallSpec } from './call-specs';
import type { ComponentCallFilters } from './component-call-filters';

type Fn = (...args: unknown[]) => unknown;

export function decorateComponent<T extends ComponentInstance>(instance: T, name: string, block: string, filters: () => ComponentCallFilters | undefined): T {
  const specs = CALL_SPECS[block];
  if (!specs) return instance;
  const cache = new Map<PropertyKey, { readonly original: Fn; readonly wrapped: Fn }>();
  return new Proxy(instance, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      const hit = cache.get(prop);
      if (hit && hit.original === v) return hit.wrapped;
      const spec = typeof prop === 'string' && Object.hasOwn(specs, prop) ? specs[prop] : undefined;
      const wrapped = spec ? wrap(target, v as Fn, spec, name, block, filters) : (v as Fn).bind(target);
      cache.set(prop, { original: v as Fn, wrapped });
      return wrapped;
    },
  });
}

function wrap(target: object, fn: Fn, spec: CallSpec, name: string, block: string, filters: () => ComponentCallFilters | undefined): Fn {
  if (spec.kind === 'outbound') {
    return (...args: unknown[]) => {
      const f = filters();
      if (!f) return fn.apply(target, args);
      return f.outbound(name, block, spec, args, () => fn.apply(target, args) as Promise<unknown>);
    };
  }
  return (...args: unknown[]) => {
    const f = filters();
    const last = args.length - 1;
    const handler = args[last];
    if (!f || typeof handler !== 'function') return fn.apply(target, args);
    const topic = spec.topicFromFirstArg ? String((args[0] as { topic?: unknown } | undefined)?.topic ?? '') : '';
    const copy = [...args];
    copy[last] = f.inboundHandler(name, block, spec, handler as (...a: unknown[]) => Promise<unknown>, topic);
    return fn.apply(target, copy);
  };
}
