import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processTree, TreeSampler } from '../proc/sampler';
import { launch, stopAll } from '../proc/processes';
import { planCpus } from '../proc/pinning';
import { readFileSync } from 'node:fs';

/** Gone, or a zombie waiting for a reaper (orphans of a container's pid 1 may stay so). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

test('sampler counts CPU and RSS of a process and its descendants', async (t) => {
  t.after(stopAll);
  const plan = planCpus(true);
  // sh -> node busy loop: the CPU is spent by the child, so it only counts if descendants do.
  const busy = `const end = Date.now() + 3000; while (Date.now() < end) {}`;
  const p = launch('busy', '/bin/sh', ['-c', `"${process.execPath}" -e '${busy}'; true`], plan);
  for (let i = 0; i < 50 && processTree(p.pid).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(processTree(p.pid).length >= 2, 'child process found');
  const s = new TreeSampler(p.pid, 50);
  s.start();
  await new Promise((r) => setTimeout(r, 600));
  const u = s.stop();
  assert.ok(u.mcpu > 50, `mcpu ${u.mcpu}`);
  assert.ok(u.rssMb > 5, `rss ${u.rssMb}`);
  assert.ok(u.processes >= 2);
  await p.stop();
  assert.notEqual(p.child.exitCode === null && p.child.signalCode === null, true);
});

test('stop ends the whole process group', async () => {
  const plan = planCpus(true);
  const p = launch('sleeper', '/bin/sh', ['-c', 'sleep 30 & sleep 30; true'], plan);
  for (let i = 0; i < 50 && processTree(p.pid).length < 3; i++) await new Promise((r) => setTimeout(r, 20));
  const pids = processTree(p.pid);
  assert.ok(pids.length >= 3);
  await p.stop();
  await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) assert.ok(!alive(pid), `pid ${pid} still alive`);
});
