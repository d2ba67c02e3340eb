/**
 * One two-pod lab per test file: whether this machine can host it (root, ip, iptables...), a work
 * folder and the lab itself for the file's `before`, and their removal after the file's tests.
 * Outside CI a machine without the lab skips the tests; under CI=true it fails them.
 */
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLab, labUnavailable, type Lab, type LabOptions } from './netns';

export interface LabSuite {
  /** Why the file's tests skip on this machine, or false when they run. */
  readonly skip: string | false;
  /** Creates the work folder and the lab (undefined when skipped); throws under CI without a lab. */
  open(): { lab: Lab; work: string } | undefined;
}

/** `title` names the tests in the CI failure; `workPrefix` names the temp folder. */
export function labSuite(title: string, workPrefix: string, opts: LabOptions = {}): LabSuite {
  const why = labUnavailable();
  const skip = why !== undefined && process.env.CI !== 'true' ? why : false;
  let lab: Lab | undefined;
  let work = '';
  after(() => {
    lab?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });
  return {
    skip,
    open() {
      if (skip) return undefined;
      if (why) throw new Error(`${title} cannot run under CI: ${why}`);
      work = mkdtempSync(path.join(tmpdir(), workPrefix));
      lab = createLab(opts);
      return { lab, work };
    },
  };
}
