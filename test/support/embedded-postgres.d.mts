/** A throwaway PostgreSQL server for the tests (embedded-postgres.mjs). */
export interface EmbeddedPostgresServer {
  url: string;
  /** Stops the server (fast shutdown) and keeps its data. */
  halt(): Promise<void>;
  /** Starts it again after `halt`, on the same port and data. */
  resume(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

export function startEmbeddedPostgres(options?: { durable?: boolean }): Promise<EmbeddedPostgresServer>;
