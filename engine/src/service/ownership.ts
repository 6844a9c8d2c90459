// One owner per market: a session-level PostgreSQL advisory lock held on a dedicated
// connection. If the process dies (kill -9 included) the connection drops and PostgreSQL
// releases the lock at once; a standby polling for it takes over. Settlement runs on this
// connection only, and re-checks the market's checkpoint in its transaction (fencing).
import pg from 'pg';
import { FencedError, type NamedStatement, type Settler } from './settlement.ts';

/** classid of the engine's advisory locks (objid = hashtext(market symbol)). */
export const LOCK_CLASS = 0x464c5845; // "FLXE"

export class MarketLock {
  private client: pg.Client | undefined;
  private lostHandlers: (() => void)[] = [];
  pid = 0;
  held = false;

  constructor(
    private readonly url: string,
    readonly marketSymbol: string,
  ) {}

  onLost(handler: () => void): void {
    this.lostHandlers.push(handler);
  }

  /** One attempt; true when this instance now owns the market. */
  async tryAcquire(): Promise<boolean> {
    if (this.held) return true;
    if (!this.client) {
      const client = new pg.Client({
        connectionString: this.url,
        connectionTimeoutMillis: 3000,
        // Detect a dead server or network within seconds.
        keepAlive: true,
        keepAliveInitialDelayMillis: 1000,
        // Settlement joins a batch's ids to its tables: on solid-state storage an index probe
        // per id beats hashing a whole table, which the default cost (4, for spinning disks)
        // made the planner prefer while tables are small.
        options: '-c random_page_cost=1.1',
      });
      client.on('error', () => this.lost());
      client.on('end', () => this.lost());
      await client.connect();
      this.client = client;
      const r = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      this.pid = r.rows[0]!.pid;
    }
    const r = await this.client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS ok',
      [LOCK_CLASS, this.marketSymbol],
    );
    this.held = r.rows[0]?.ok === true;
    return this.held;
  }

  /**
   * Settlement statements on the lock's own connection: commits happen only while the lock
   * is held, and stop the instant the connection (hence the lock) is gone. Each settlement
   * is one statement, hence its own transaction (autocommit).
   */
  readonly settle: Settler = async <T>(statement: NamedStatement, values: unknown[]) => {
    const client = this.client;
    if (!client || !this.held) throw new FencedError(`${this.marketSymbol}: market not owned`);
    return (await client.query({ ...statement, values })).rows as T[];
  };

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.lostHandlers = [];
    this.held = false;
    if (!client) return;
    await client.end().catch(() => {});
  }

  private lost() {
    const wasHeld = this.held;
    this.held = false;
    this.client = undefined;
    if (wasHeld) for (const h of this.lostHandlers) h();
  }
}
