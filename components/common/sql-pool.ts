/**
 * The lifecycle every SQL-backed component shares, as a base class: one connection pool set at
 * init, an optional periodic clean-up statement (expired rows), a health ping, and a close that
 * stops the timer and ends the pool once. Works with pg's Pool and mysql2's promise Pool alike.
 */

export interface ClosablePool {
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}

export abstract class SqlPooledComponent<P extends ClosablePool> {
  private pool: P | undefined;
  private cleaner: NodeJS.Timeout | undefined;

  /** `what` names the component in the not-initialised error, e.g. "state.postgresql orders". */
  protected constructor(private readonly what: string) {}

  /** Installs the pool init created; returns it for the init's own set-up queries. */
  protected usePool(pool: P): P {
    this.pool = pool;
    return pool;
  }

  /** The pool; throws when init has not run (or close has), a programming error, not a request one. */
  protected db(): P {
    if (!this.pool) throw new Error(`${this.what} is not initialised`);
    return this.pool;
  }

  /** Runs `sql` every `everyMs` (0 or less: never) on an unref'd timer; failures wait for the next round. */
  protected cleanEvery(everyMs: number, sql: string): void {
    if (everyMs <= 0) return;
    this.cleaner = setInterval(() => void this.db().query(sql).catch(() => undefined), everyMs);
    this.cleaner.unref();
  }

  async ping(): Promise<void> {
    await this.db().query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.cleaner) clearInterval(this.cleaner);
    this.cleaner = undefined;
    const p = this.pool;
    this.pool = undefined;
    await p?.end().catch(() => undefined);
  }
}
