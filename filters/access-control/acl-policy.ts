/**
 * Service-invocation access control (Configuration spec.accessControl), compiled once.
 *
 * Decision, as daprd makes it:
 *  - no accessControl section: allow;
 *  - global defaultAction (absent: deny when policies exist, else allow) applies when the caller is
 *    unknown or unverified (no mTLS identity), has no policy, or its trust domain/namespace differ;
 *  - a matching operation whose httpVerb list holds the verb (or "*"; gRPC ignores verbs) decides;
 *  - otherwise the policy's defaultAction, else the global one.
 * Operation names are matched segment-wise against the normalised method path: "*" is exactly
 * one segment, "**" one or more; a literal segment beats "*", which beats "**".
 */
import type { ConfigurationSpec } from '../../config/schemas/configuration';
import type { PeerIdentity } from '../../proxy/contracts';

export type AclAction = 'allow' | 'deny';

interface OperationRule {
  readonly verbs: ReadonlySet<string>; // upper-case; "*" = any
  readonly action: AclAction;
}

/** A trie node over path segments. */
interface Node {
  readonly children: Map<string, Node>;
  star?: Node;
  globstar?: OperationRule[];
  rules?: OperationRule[];
}

interface AppPolicy {
  readonly trustDomain: string;
  readonly namespace?: string;
  readonly defaultAction?: AclAction;
  readonly root: Node;
}

export interface AclDecision {
  readonly allowed: boolean;
  /** Which level decided: global, app or operation (for logs and metrics). */
  readonly level: 'global' | 'app' | 'operation';
}

function newNode(): Node {
  return { children: new Map() };
}

/** Splits an operation name or a path into non-empty segments. */
function segments(p: string): string[] {
  return p.split('/').filter((s) => s.length > 0);
}

function insert(root: Node, name: string, rule: OperationRule): void {
  let node = root;
  const segs = segments(name);
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s === '**') {
      (node.globstar ??= []).push(rule);
      return; // anything after ** is irrelevant: it already matches the rest
    }
    if (s === '*') node = node.star ??= newNode();
    else {
      let next = node.children.get(s);
      if (!next) node.children.set(s, (next = newNode()));
      node = next;
    }
  }
  (node.rules ??= []).push(rule);
}

/** Rules of the most specific operation matching `segs` from index i, or undefined. */
function search(node: Node, segs: readonly string[], i: number): OperationRule[] | undefined {
  if (i === segs.length) return node.rules;
  const exact = node.children.get(segs[i]!);
  if (exact) {
    const r = search(exact, segs, i + 1);
    if (r) return r;
  }
  if (node.star) {
    const r = search(node.star, segs, i + 1);
    if (r) return r;
  }
  return node.globstar;
}

export class AccessControlPolicy {
  private readonly globalDefault: AclAction;
  private readonly defaultTrustDomain: string;
  private readonly policies = new Map<string, AppPolicy[]>();

  constructor(spec: NonNullable<ConfigurationSpec['accessControl']>) {
    this.globalDefault = spec.defaultAction ?? (spec.policies.length > 0 ? 'deny' : 'allow');
    this.defaultTrustDomain = spec.trustDomain ?? 'public';
    for (const p of spec.policies) {
      const root = newNode();
      for (const op of p.operations) {
        const verbs = new Set(op.httpVerb.map((v) => v.toUpperCase()));
        if (verbs.size === 0) verbs.add('*');
        insert(root, op.name, { verbs, action: op.action });
      }
      const list = this.policies.get(p.appId) ?? [];
      list.push({ trustDomain: p.trustDomain ?? this.defaultTrustDomain, ...(p.namespace ? { namespace: p.namespace } : {}), ...(p.defaultAction ? { defaultAction: p.defaultAction } : {}), root });
      this.policies.set(p.appId, list);
    }
  }

  /**
   * `operation` is the normalised method path (leading "/" optional); `verb` the HTTP verb, or
   * undefined for gRPC app protocols (verbs are not checked there).
   */
  decide(caller: PeerIdentity | undefined, operation: string, verb: string | undefined): AclDecision {
    const global: AclDecision = { allowed: this.globalDefault === 'allow', level: 'global' };
    if (!caller || !caller.verified || caller.appId === '') return global;
    const policy = this.policies.get(caller.appId)?.find((p) => p.trustDomain === caller.trustDomain && (p.namespace === undefined || p.namespace === caller.namespace));
    if (!policy) return global;
    const fallback: AclDecision = policy.defaultAction ? { allowed: policy.defaultAction === 'allow', level: 'app' } : global;
    const rules = search(policy.root, segments(operation), 0);
    if (!rules) return fallback;
    const v = verb?.toUpperCase();
    for (const r of rules) {
      if (v === undefined || r.verbs.has('*') || r.verbs.has(v)) return { allowed: r.action === 'allow', level: 'operation' };
    }
    return fallback;
  }
}
