/**
 * ResourceWatcher: loads the resources folders (and the --config file) and keeps them current.
 *
 * fs.watch watches each folder (and the config file's folder, filtered by name, so editors that
 * save by rename are seen). Events are debounced; a reload re-lists the folders, re-parses only
 * files whose text changed, and emits:
 *   'change' (ResourceChange)      once per kind that gained, changed or lost resources;
 *   'issue'  (ResourceWatcherIssue) per problem found in a changed file; a broken edit keeps the
 *                                   previous resources of that file (keptPrevious: true).
 * Issues found at start() are in the returned LoadedResources and logged, not emitted.
 */
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../observability/logger';
import { listResourceFiles, readResourceText, type FileResult } from './file-loader';
import { formatIssue, type ResourceIssue } from './issues';
import { fileResources, mergeFileResources, type FileResources } from './loader';
import { applyFileReload, diffResources, type ResourceChange, type ResourceWatcherIssue } from './reload';
import type { LoadContext } from './resource-document';
import { emptyResources, type LoadedResources } from './resource-kinds';

export interface ResourceWatcherOptions {
  /** --resources-path folders (or single files). */
  paths: string[];
  /** --config file; its first Configuration comes first in `configurations`. */
  configFile?: string;
  appId: string;
  namespace: string;
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  /** Quiet period before a reload, default 150 ms. */
  debounceMs?: number;
}

export interface ResourceWatcherEvents {
  change: [ResourceChange];
  issue: [ResourceWatcherIssue];
}

interface FileState {
  text?: string;
  contribution: FileResources;
}

/** Keeps only the first Configuration document (the --config file contract). */
function onlyConfiguration(r: FileResult): FileResult {
  const first = r.docs.find((d) => (d.status === 'loaded' && d.resource.kind === 'Configuration') || (d.status === 'invalid' && d.kind === 'Configuration'));
  return { ...r, docs: first ? [first] : [] };
}

export class ResourceWatcher extends EventEmitter<ResourceWatcherEvents> {
  private readonly opts: ResourceWatcherOptions;
  private readonly ctx: LoadContext;
  private readonly files = new Map<string, FileState>();
  private configState: FileState | undefined;
  private pathIssues: ResourceIssue[] = [];
  private loaded: LoadedResources = emptyResources();
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private reportedDuplicates = new Set<string>();

  constructor(opts: ResourceWatcherOptions) {
    super();
    this.opts = opts;
    this.ctx = { appId: opts.appId, namespace: opts.namespace, env: opts.env ?? process.env, logger: opts.logger };
  }

  /** Initial load; starts watching. Resolves with the same value current() returns. */
  async start(): Promise<LoadedResources> {
    await this.reload(true);
    for (const issue of this.loaded.issues) this.opts.logger.warn(formatIssue(issue), { code: issue.code });
    await this.startWatching();
    return this.loaded;
  }

  current(): LoadedResources {
    return this.loaded;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.watchers.splice(0)) w.close();
    await this.running;
  }

  private async startWatching(): Promise<void> {
    // folder -> file names of interest (undefined = every file)
    const targets = new Map<string, Set<string> | undefined>();
    const addFile = (file: string): void => {
      const dir = dirname(file);
      if (targets.has(dir) && targets.get(dir) === undefined) return;
      const names = targets.get(dir) ?? new Set<string>();
      names.add(basename(file));
      targets.set(dir, names);
    };
    for (const p of this.opts.paths) {
      const st = await stat(p).catch(() => undefined);
      if (st?.isDirectory()) targets.set(p, undefined);
      else if (st) addFile(p);
      else this.opts.logger.warn('resources path does not exist; not watched', { path: p });
    }
    if (this.opts.configFile) addFile(this.opts.configFile);
    for (const [dir, names] of targets) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          if (names && name !== null && !names.has(name.toString())) return;
          this.schedule();
        });
        w.on('error', (e) => this.opts.logger.warn('watch failed', { dir, error: e }));
        this.watchers.push(w);
      } catch (e) {
        this.opts.logger.warn('cannot watch folder', { dir, error: e });
      }
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) {
        this.again = true;
        return;
      }
      this.running = this.reloadLoop().finally(() => (this.running = undefined));
    }, this.opts.debounceMs ?? 150);
  }

  private async reloadLoop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.reload(false);
      } catch (e) {
        this.opts.logger.error('resource reload failed', { error: e });
      }
    } while (this.again && !this.closed);
  }

  /** Re-reads changed files, recomputes the merged view and reports differences. */
  private async reload(initial: boolean): Promise<void> {
    const reported: ResourceWatcherIssue[] = [];
    const { files, issues } = await listResourceFiles(this.opts.paths);
    this.pathIssues = issues;
    const present = new Set(files);
    for (const f of [...this.files.keys()]) if (!present.has(f)) this.files.delete(f);
    for (const f of files) {
      const next = await this.refresh(f, this.files.get(f), false, reported);
      if (next) this.files.set(f, next);
      else this.files.delete(f);
    }
    if (this.opts.configFile) {
      this.configState = await this.refresh(this.opts.configFile, this.configState, true, reported);
    }
    const ordered = [...(this.configState ? [this.configState.contribution] : []), ...files.flatMap((f) => this.files.get(f)?.contribution ?? [])];
    const before = this.loaded;
    this.loaded = mergeFileResources(ordered, this.pathIssues);
    if (initial) {
      for (const i of this.loaded.issues) if (i.code === 'DUPLICATE') this.reportedDuplicates.add(formatIssue(i));
      return;
    }
    for (const i of this.loaded.issues) {
      const key = formatIssue(i);
      if (i.code === 'DUPLICATE' && !this.reportedDuplicates.has(key)) {
        this.reportedDuplicates.add(key);
        reported.push({ ...i, keptPrevious: false });
      }
    }
    if (this.closed) return;
    for (const issue of reported) {
      this.opts.logger.warn(formatIssue(issue), { code: issue.code });
      this.emit('issue', issue);
    }
    for (const change of diffResources(before, this.loaded)) {
      this.opts.logger.info('resources changed', {
        kind: change.kind,
        added: change.added.map((r) => r.metadata.name),
        updated: change.updated.map((r) => r.metadata.name),
        removed: change.removed.map((r) => r.metadata.name),
      });
      this.emit('change', change);
    }
  }

  /** New state of one file; undefined when it vanished. Unchanged text keeps the old state. */
  private async refresh(file: string, prev: FileState | undefined, isConfig: boolean, reported: ResourceWatcherIssue[]): Promise<FileState | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !isConfig) return undefined;
      const issue: ResourceIssue = { code: 'READ_ERROR', file, docIndex: -1, path: '', message: `cannot read file: ${e instanceof Error ? e.message : String(e)}` };
      const { next, issues } = applyFileReload({ file, fileIssue: issue, docs: [] }, prev?.contribution);
      reported.push(...issues);
      return { contribution: next };
    }
    if (prev && prev.text === text) return prev;
    let result = readResourceText(file, text, this.ctx, { filter: !isConfig });
    if (isConfig) result = onlyConfiguration(result);
    if (!prev) {
      const contribution = fileResources(result);
      reported.push(...contribution.issues.map((i) => ({ ...i, keptPrevious: false })));
      return { text, contribution };
    }
    const { next, issues } = applyFileReload(result, prev.contribution);
    reported.push(...issues);
    return { text, contribution: next };
  }
}
