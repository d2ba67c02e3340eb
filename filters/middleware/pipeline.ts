/**
 * Builds an HTTP middleware pipeline (Configuration httpPipeline / appHttpPipeline) from its
 * handlers: each names a Component of type middleware.http.*, whose recorded metadata the runtime
 * hands over through `lookup`. A handler that cannot be built (missing component, type mismatch,
 * bad metadata) fails CLOSED: its place in the chain answers 500, so a broken authentication
 * middleware never lets requests through unchecked. Problems are returned for start-up logs.
 */
import { Stop, type Exchange, type HttpFilter } from '../../proxy/contracts';
import { sendLocalReply } from '../../proxy/local-reply';
import { daprError, GrpcCode } from '../../errors/dapr-error';
import { buildMiddleware, type MiddlewareComponent, type MiddlewareDeps } from '../registry';

export interface PipelineHandler {
  readonly name: string;
  readonly type: string;
  readonly version?: string;
}

export interface BuiltPipeline {
  readonly filters: HttpFilter[];
  readonly problems: string[];
}

function failClosed(name: string, why: string): HttpFilter {
  const err = daprError(500, 'ERR_MIDDLEWARE', `middleware ${name} is not available: ${why}`, GrpcCode.INTERNAL);
  return { name: `unavailable:${name}`, onRequest: (ex: Exchange) => { sendLocalReply(ex, err); return Stop; } };
}

export function buildPipeline(
  which: 'httpPipeline' | 'appHttpPipeline',
  handlers: readonly PipelineHandler[],
  lookup: (name: string) => MiddlewareComponent | undefined,
  deps: Omit<MiddlewareDeps, 'name'>,
): BuiltPipeline {
  const filters: HttpFilter[] = [];
  const problems: string[] = [];
  for (const [i, h] of handlers.entries()) {
    const where = `spec.${which}.handlers[${i}] (${h.name})`;
    const c = lookup(h.name);
    let why: string | undefined;
    if (!c) why = `no Component named ${h.name} of type ${h.type} is loaded`;
    else if (c.type !== h.type) why = `Component ${h.name} has type ${c.type}, the pipeline expects ${h.type}`;
    else {
      const built = buildMiddleware(c, { ...deps, name: h.name });
      if (built.ok) {
        filters.push(built.filter);
        continue;
      }
      why = built.issues.map((x) => `${x.path}: ${x.message}`).join('; ');
    }
    problems.push(`${where}: ${why}`);
    filters.push(failClosed(h.name, why));
  }
  return { filters, problems };
}
