/**
 * Fallback name resolution (Outrigger extension): a primary resolver plus others tried after it.
 *
 *   nameResolution:
 *     component: mdns
 *     configuration:
 *       fallback:                       # one entry or a list, tried in order
 *         - component: static
 *           configuration: { apps: { orders: ["10.0.0.7:50002"] } }
 *         - kubernetes                  # a bare name = that component with no configuration
 *
 * Start-up: every resolver is initialised in order. One that fails (e.g. mDNS where multicast is
 * unavailable) is reported at start-up with its reason and left out; init rejects only when none
 * started. Resolving: the started resolvers are asked in order and the first that finds endpoints
 * answers, so a fallback also covers app ids the primary does not know. Watches forward the pushes
 * of whichever resolver last answered for that app id.
 */
import type { Logger } from '../observability/logger';
import type { Endpoint, ResolveRequest, ResolveResult, Resolver, SelfRegistration } from './contract';
import { DiscoveryError, type DiscoveryErrorCode } from './errors';

export interface FallbackSpec {
  readonly component: string;
  readonly configuration: Record<string, unknown>;
  /** Where it came from, e.g. "nameResolution.configuration.fallback[0]". */
  readonly field: string;
}

const FIELD = 'nameResolution.configuration.fallback';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads configuration.fallback (absent -> []), or the reason it is malformed. */
export function parseFallbackSpecs(raw: unknown): FallbackSpec[] | string {
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  const out: FallbackSpec[] = [];
  for (const [i, entry] of list.entries()) {
    const field = `${FIELD}[${i}]`;
    if (typeof entry === 'string' && entry.trim() !== '') {
      out.push({ component: entry.trim(), configuration: {}, field });
      continue;
    }
    if (!isRecord(entry)) return `${field}: must be a component name or { component, configuration }`;
    if (typeof entry.component !== 'string' || entry.component.trim() === '') return `${field}.component: is required (e.g. "static")`;
    if (entry.configuration !== undefined && entry.configuration !== null && !isRecord(entry.configuration)) return `${field}.configuration: must be a map`;
    if (isRecord(entry.configuration) && entry.configuration.fallback !== undefined) return `${field}.configuration.fallback: fallbacks cannot be nested`;
    out.push({ component: entry.component.trim(), configuration: isRecord(entry.configuration) ? entry.configuration : {}, field });
  }
  return out;
}

/** Rewrites a member's "nameResolution.configuration.x" messages to point inside its fallback entry. */
export function relocateMessage(message: string, spec: FallbackSpec): string {
  return message.split('nameResolution.configuration.').join(`${spec.field}.configuration.`);
}

export class ResolverChain implements Resolver {
  readonly name: string;
  private active: readonly Resolver[];
  /** Per "appId|namespace": the member that answered last. */
  private readonly answeredBy = new Map<string, Resolver>();

  constructor(
    private readonly members: readonly Resolver[],
    private readonly log: Logger,
  ) {
    if (members.length === 0) throw new DiscoveryError('INVALID_CONFIGURATION', 'a resolver chain needs at least one resolver');
    this.name = (members[0] as Resolver).name;
    this.active = members;
  }

  /** Names of the resolvers in use, in the order they are asked. */
  get activeNames(): string[] {
    return this.active.map((r) => r.name);
  }

  async init(self: SelfRegistration): Promise<void> {
    const started: Resolver[] = [];
    const failures: Array<{ name: string; code: DiscoveryErrorCode | undefined; message: string }> = [];
    for (const [i, m] of this.members.entries()) {
      try {
        await m.init(self);
        started.push(m);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        failures.push({ name: m.name, code: err instanceof DiscoveryError ? err.code : undefined, message });
        const rest = this.members.slice(i + 1).map((r) => r.name);
        const next = rest.length > 0 ? `; falling back to ${rest.join(', ')}` : '';
        this.log.warn(`name resolution ${m.name} is unavailable: ${message}${next}`);
      }
    }
    this.active = started;
    if (started.length === 0) {
      const code = failures[0]?.code ?? 'INVALID_CONFIGURATION';
      throw new DiscoveryError(code, `no name resolver could start: ${failures.map((f) => `${f.name}: ${f.message}`).join('; ')}`);
    }
    this.log.info(`name resolution in use: ${started.map((r) => r.name).join(' then ')}`);
  }

  async resolve(req: ResolveRequest): Promise<ResolveResult> {
    const misses: string[] = [];
    let allErrors = true;
    for (const m of this.active) {
      const r = await m.resolve(req);
      if (r.ok && r.endpoints.length > 0) {
        this.answeredBy.set(key(req), m);
        return r;
      }
      if (!r.ok) {
        misses.push(`${m.name}: ${r.message}`);
        if (r.code === 'NOT_FOUND') allErrors = false;
      } else {
        misses.push(`${m.name}: no endpoints`);
        allErrors = false;
      }
    }
    this.answeredBy.delete(key(req));
    const message = misses.join('; ') || 'no name resolver started';
    return { ok: false, code: allErrors ? 'RESOLVER_ERROR' : 'NOT_FOUND', message };
  }

  watch(req: ResolveRequest, onChange: (endpoints: readonly Endpoint[]) => void): () => void {
    const k = key(req);
    const unsubscribes: Array<() => void> = [];
    for (const m of this.active) {
      if (!m.watch) continue;
      unsubscribes.push(
        m.watch(req, (endpoints) => {
          const owner = this.answeredBy.get(k);
          if (owner === m || (owner === undefined && endpoints.length > 0)) {
            if (owner === undefined) this.answeredBy.set(k, m);
            onChange(endpoints);
          }
        }),
      );
    }
    return () => {
      for (const u of unsubscribes) u();
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.close().catch((err: unknown) => this.log.warn(`closing name resolver ${m.name} failed`, { error: err }))));
  }
}

function key(req: ResolveRequest): string {
  return `${req.appId}\u0000${req.namespace}`;
}

/** A primary resolver with fallbacks (see the file comment); with no fallbacks, the primary itself. */
export function createResolverChain(primary: Resolver, fallbacks: readonly Resolver[], log: Logger): Resolver {
  return fallbacks.length === 0 ? primary : new ResolverChain([primary, ...fallbacks], log);
}
