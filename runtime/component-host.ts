/**
 * Instantiates components from loaded Component resources: resolves their metadata, finds the
 * driver by type and version, initialises it within its initTimeout, and keeps the outcome so the
 * metadata and health APIs can tell the truth. A failed component is reported with why; the rest
 * keep serving. Reloading a component swaps it only after the new instance initialised.
 */
import { buildingBlockOf, type ComponentDriver, type ComponentInstance, type ResolvedComponent } from '../components/contract';
import type { Logger } from '../observability/logger';
import type { ComponentResource } from '../config/schemas/component';
import type { Loaded } from '../config/schemas/common';
import { resolveComponentMetadata } from '../config/component-metadata';
import { formatIssue } from '../config/issues';
import { decorateComponent } from './component-calls/decorate';
import type { ComponentCallFilters } from './component-calls/component-call-filters';

export interface ComponentStatus {
  readonly name: string;
  readonly type: string;
  readonly version: string;
  readonly source: string;
  readonly ignoreErrors: boolean;
  readonly instance?: ComponentInstance;
  /** The component as its driver received it (metadata resolved). */
  readonly resolved?: ResolvedComponent;
  readonly error?: string;
}

export interface ComponentHostOptions {
  readonly appId: string;
  readonly namespace: string;
  readonly dataDir: string;
  readonly logger: Logger;
  readonly drivers: readonly ComponentDriver[];
  /** Building blocks handled elsewhere (middleware, nameresolution) are recorded but not created here. */
  readonly passive?: ReadonlySet<string>;
  /** Reads secretKeyRef values (runtime/secrets/resolver.ts); without it secretKeyRef fails. */
  readonly resolveSecret?: (store: string, name: string, key: string) => Promise<string | undefined>;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} timed out after ${ms}ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e); });
  });
}

export class ComponentHost {
  private readonly byName = new Map<string, ComponentStatus>();
  private readonly driverIndex = new Map<string, ComponentDriver>();
  /** Successful initialisations per component name (dapr_runtime_component_init_total). */
  private readonly inits = new Map<string, number>();
  private calls: ComponentCallFilters | undefined;

  constructor(private readonly opts: ComponentHostOptions) {
    for (const d of opts.drivers) for (const t of d.types) this.driverIndex.set(t, d);
  }

  /**
   * Sends every component call (already loaded components included) through these filters:
   * resiliency policies and component metrics (runtime/component-calls).
   */
  useCallFilters(filters: ComponentCallFilters): void {
    this.calls = filters;
    filters.watchInits(() => this.initCounts());
  }

  /** [component, successful initialisations] pairs, for the metrics. */
  initCounts(): Array<[string, number]> {
    return [...this.inits];
  }

  private metadataContext() {
    return { appId: this.opts.appId, namespace: this.opts.namespace, ...(this.opts.resolveSecret ? { resolveSecret: this.opts.resolveSecret } : {}) };
  }

  /** Creates and initialises one component; replaces a previous one of the same name on success. */
  async load(res: Loaded<ComponentResource>): Promise<ComponentStatus> {
    const { name } = res.metadata;
    const base = { name, type: res.spec.type, version: res.spec.version, source: res.source.file, ignoreErrors: res.spec.ignoreErrors };
    const fail = (error: string): ComponentStatus => {
      const status: ComponentStatus = { ...base, error };
      const level = res.spec.ignoreErrors ? 'warn' : 'error';
      this.opts.logger[level](`component ${name} (${res.spec.type}/${res.spec.version}) failed to load`, { error, file: res.source.file });
      if (!this.byName.has(name) || this.byName.get(name)!.error) this.byName.set(name, status);
      return status;
    };
    const block = buildingBlockOf(res.spec.type);
    if (this.opts.passive?.has(block)) {
      const pmd = await resolveComponentMetadata(res, this.metadataContext());
      if (!pmd.ok) return fail(formatIssue(pmd.issue));
      const status: ComponentStatus = { ...base, resolved: { name, type: res.spec.type, version: res.spec.version, metadata: pmd.metadata, source: res.source.file } };
      this.byName.set(name, status);
      return status;
    }
    const driver = this.driverIndex.get(res.spec.type);
    if (!driver) return fail(`unknown component type ${res.spec.type}; known types: ${[...this.driverIndex.keys()].sort().join(', ')}`);
    if (!driver.versions.includes(res.spec.version)) return fail(`${res.spec.type} has no version ${res.spec.version} (supported: ${driver.versions.join(', ')})`);
    const md = await resolveComponentMetadata(res, this.metadataContext());
    if (!md.ok) return fail(formatIssue(md.issue));
    const resolved: ResolvedComponent = { name, type: res.spec.type, version: res.spec.version, metadata: md.metadata, source: res.source.file };
    let instance: ComponentInstance;
    try {
      instance = driver.create(resolved, { appId: this.opts.appId, namespace: this.opts.namespace, dataDir: this.opts.dataDir, logger: this.opts.logger.child(name) });
      await withTimeout(instance.init(), res.spec.initTimeout, `init of ${name}`);
    } catch (err) {
      return fail((err as Error).message);
    }
    this.inits.set(name, (this.inits.get(name) ?? 0) + 1);
    instance = decorateComponent(instance, name, block, () => this.calls);
    const previous = this.byName.get(name);
    const status: ComponentStatus = { ...base, instance, resolved };
    this.byName.set(name, status);
    if (previous?.instance) await previous.instance.close().catch(() => undefined);
    this.opts.logger.info(`component loaded: ${name} (${res.spec.type}/${res.spec.version})`, { features: instance.features().join(',') || 'none' });
    return status;
  }

  async remove(name: string): Promise<void> {
    const prev = this.byName.get(name);
    this.byName.delete(name);
    if (prev?.instance) await prev.instance.close().catch(() => undefined);
    this.opts.logger.info(`component removed: ${name}`);
  }

  /** The live instances of one building block, by component name. */
  instancesOf<T extends ComponentInstance>(block: string): Map<string, T> {
    const out = new Map<string, T>();
    for (const s of this.byName.values()) {
      if (s.instance && buildingBlockOf(s.type) === block) out.set(s.name, s.instance as T);
    }
    return out;
  }

  /** The resolved component (metadata included) of a live component. */
  resolvedOf(name: string): ResolvedComponent | undefined {
    return this.byName.get(name)?.resolved;
  }

  statuses(): ComponentStatus[] {
    return [...this.byName.values()];
  }

  /** Components that failed and are not marked ignoreErrors. */
  failures(): ComponentStatus[] {
    return this.statuses().filter((s) => s.error && !s.ignoreErrors);
  }

  async closeAll(): Promise<void> {
    const all = [...this.byName.values()];
    this.byName.clear();
    await Promise.all(all.map((s) => s.instance?.close().catch(() => undefined)));
  }
}
