/**
 * The key a lock store sees, built as daprd does from the component's `keyPrefix` metadata:
 * "appid" (default) -> lock||<appId>||<resourceId>; "name" -> lock||<storeName>||<resourceId>;
 * "none" -> lock||<resourceId>; any other value -> lock||<value>||<resourceId>. Sidecars share a
 * lock only when their prefixes agree (same app id, or keyPrefix name/none/a fixed string).
 */
const SEP = '||';

export function lockKey(resourceId: string, storeName: string, appId: string, keyPrefix: string | undefined): string | Error {
  if (resourceId.includes(SEP)) return new Error(`input key/keyPrefix '${resourceId}' can't contain '${SEP}'`);
  const strategy = (keyPrefix ?? '').trim() || 'appid';
  switch (strategy.toLowerCase()) {
    case 'appid': return appId ? `lock${SEP}${appId}${SEP}${resourceId}` : `lock${SEP}${resourceId}`;
    case 'name': return `lock${SEP}${storeName}${SEP}${resourceId}`;
    case 'none': return `lock${SEP}${resourceId}`;
    default:
      if (strategy.includes(SEP)) return new Error(`input key/keyPrefix '${strategy}' can't contain '${SEP}'`);
      return `lock${SEP}${strategy}${SEP}${resourceId}`;
  }
}
