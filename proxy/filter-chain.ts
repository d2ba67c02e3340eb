/**
 * The filter-chain engine: filters run in order; each returns Continue or Stop (having replied),
 * synchronously or as a promise. The chain ends in exactly one terminal filter (checked at build
 * time). An unexpected exception is a bug: it is logged and answered with a 500, never a hang.
 */
import { Continue, type Exchange, type FilterStatus, type HttpFilter, type TerminalFilter } from './contracts';
import { sendLocalReply } from './local-reply';
import { Errors } from '../errors/codes';
import type { Logger } from '../observability/logger';

export class FilterChain {
  private readonly filters: readonly HttpFilter[];

  constructor(filters: readonly HttpFilter[], private readonly terminal: TerminalFilter, private readonly log: Logger) {
    if (!terminal || typeof terminal.handle !== 'function') throw new Error('filter chain must end in a terminal filter');
    this.filters = filters.slice();
  }

  /** Names in order, terminal last (for start-up logs and the metadata API). */
  describe(): string[] {
    return [...this.filters.map((f) => f.name), this.terminal.name];
  }

  run(ex: Exchange): void {
    this.step(ex, 0);
  }

  private step(ex: Exchange, from: number): void {
    const filters = this.filters;
    for (let i = from; i < filters.length; i++) {
      let status: FilterStatus | Promise<FilterStatus>;
      try {
        status = filters[i]!.onRequest(ex);
      } catch (err) {
        this.fail(ex, filters[i]!.name, err);
        return;
      }
      if (status === Continue) continue;
      if (typeof status === 'number') return; // Stop: the filter replied
      const next = i + 1;
      const name = filters[i]!.name;
      status.then(
        (s) => { if (s === Continue) this.step(ex, next); },
        (err: unknown) => this.fail(ex, name, err),
      );
      return;
    }
    try {
      const r = this.terminal.handle(ex);
      if (r) r.catch((err: unknown) => this.fail(ex, this.terminal.name, err));
    } catch (err) {
      this.fail(ex, this.terminal.name, err);
    }
  }

  private fail(ex: Exchange, where: string, err: unknown): void {
    this.log.error('unexpected error in filter chain', { filter: where, path: ex.path, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    sendLocalReply(ex, Errors.internal(`internal error in ${where}`));
  }
}
