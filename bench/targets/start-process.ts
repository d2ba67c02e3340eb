/** Starts one system-under-test process on the SUT CPU and waits (bounded) until its port accepts. */
import { launch, outputReason, type Launched } from '../proc/processes';
import { pollUntil, tcpAccepts } from '../proc/net';
import type { TargetContext } from './types';

export type ReadyCheck = () => Promise<boolean>;

export async function startSut(
  ctx: TargetContext,
  name: string,
  cmd: string,
  args: readonly string[],
  ready: ReadyCheck | number,
  env?: NodeJS.ProcessEnv,
): Promise<{ ok: true; proc: Launched } | { ok: false; reason: string }> {
  const proc = launch(name, cmd, args, ctx.plan, { cpu: ctx.plan.sutCpu, env });
  const check = typeof ready === 'number' ? () => tcpAccepts(ready) : ready;
  const r = await pollUntil(check, ctx.readyTimeoutMs, 20, proc.exited);
  if (r.ok) return { ok: true, proc };
  await proc.stop();
  const tail = outputReason(proc.tail());
  return { ok: false, reason: `${name}: ${r.reason}${tail ? `; output: ${tail}` : ''}` };
}

/** Full path of an executable on PATH (plus /usr/sbin, /sbin), or undefined. */
export async function findCommand(cmd: string): Promise<string | undefined> {
  const { access, constants } = await import('node:fs/promises');
  const dirs = (process.env.PATH ?? '/usr/bin:/bin').split(':').concat(['/usr/sbin', '/sbin']);
  for (const d of dirs) {
    try {
      await access(`${d}/${cmd}`, constants.X_OK);
      return `${d}/${cmd}`;
    } catch {
      /* next */
    }
  }
  return undefined;
}
