/**
 * The PGlite client every part of the bridge uses (Prisma's adapter, the migrator, the prepared
 * statement runner): PGlite whose statement-level calls — query, exec, transaction — resolve only
 * once the write-ahead log written so far is on disk (WalSync.settle, group commit). So an answer
 * built from their results, whether it reports a write or shows data another request just committed,
 * never reveals anything an OS crash could take back.
 *
 * Settling happens after PGlite's connection mutex is released, so the next statements run while the
 * disk works. Statements inside a transaction do not settle (nothing is committed until COMMIT); the
 * transaction does, after COMMIT. Failed statements settle too: an error such as a unique violation
 * reveals data as well. With `wal` null (durability off, or an in-memory database) nothing waits.
 */
import { PGlite, type PGliteOptions, type QueryOptions, type Results, type Transaction } from "@electric-sql/pglite";
import type { WalSync } from "./wal-sync";

export class DurablePGlite extends PGlite {
  constructor(
    options: PGliteOptions,
    private readonly wal: WalSync | null,
  ) {
    super(options);
  }

  /** Resolves once every WAL write so far is durable (immediately when durability is off). */
  async settle(): Promise<void> {
    if (this.wal) await this.wal.settle();
  }

  override async query<T>(query: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    try {
      return await super.query<T>(query, params, options);
    } finally {
      await this.settle();
    }
  }

  override async exec(query: string, options?: QueryOptions): Promise<Array<Results>> {
    try {
      return await super.exec(query, options);
    } finally {
      await this.settle();
    }
  }

  override async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      return await super.transaction(callback);
    } finally {
      await this.settle();
    }
  }
}
