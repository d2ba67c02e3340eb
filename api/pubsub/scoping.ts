/**
 * Topic scoping from a pub/sub component's metadata, as daprd applies it:
 *   publishingScopes / subscriptionScopes: "app1=t1,t2;app2=t3" (spaces ignored). An app listed as
 *     "app2=" may use no topic; an app not listed (or listed without "=") is unrestricted.
 *   allowedTopics: "t1,t2": when set, every other topic is refused.
 *   protectedTopics: "t1": such a topic needs an explicit scope entry for the app.
 * Check: in allowedTopics (if set); then, when protected or the app has a scope list, listed there.
 */
export interface TopicScopes {
  readonly allowedTopics: readonly string[];
  readonly protectedTopics: readonly string[];
  /** Topics this app may publish to, [] when unrestricted. */
  readonly publishing: readonly string[];
  /** Topics this app may subscribe to, [] when unrestricted. */
  readonly subscribing: readonly string[];
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/** The topic list for appId under one scope key ("publishingScopes" / "subscriptionScopes"). */
export function scopedTopics(value: string | undefined, appId: string): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const entry of value.replace(/ /g, '').split(';')) {
    const parts = entry.split('=');
    if (parts[0] !== appId || parts.length === 1) continue;
    out.push(...(parts[1] ?? '').split(','));
  }
  return unique(out);
}

function topicList(value: string | undefined): string[] {
  if (!value) return [];
  return unique(value.replace(/ /g, '').split(','));
}

export function topicScopes(md: Readonly<Record<string, string>>, appId: string): TopicScopes {
  return {
    allowedTopics: topicList(md.allowedTopics),
    protectedTopics: topicList(md.protectedTopics),
    publishing: scopedTopics(md.publishingScopes, appId),
    subscribing: scopedTopics(md.subscriptionScopes, appId),
  };
}

/** daprd's IsOperationAllowed. */
export function isTopicAllowed(topic: string, scopes: TopicScopes, scoped: readonly string[]): boolean {
  if (scopes.allowedTopics.length > 0 && !scopes.allowedTopics.includes(topic)) return false;
  const protectedTopic = scopes.protectedTopics.includes(topic);
  if (!protectedTopic && scoped.length === 0) return true;
  return scoped.includes(topic);
}

export function canPublish(topic: string, scopes: TopicScopes): boolean {
  return isTopicAllowed(topic, scopes, scopes.publishing);
}

export function canSubscribe(topic: string, scopes: TopicScopes): boolean {
  return isTopicAllowed(topic, scopes, scopes.subscribing);
}
