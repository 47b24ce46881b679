import type { AppConfig } from '../config/app-config.js';

/** STORE_DRIVER: which adapters the store module provides (known when the module is defined). */
export type StoreDriver = AppConfig['delivery']['store'];

/** The store module's slice of the configuration, injected into its adapters' providers. */
export interface StoreModuleOptions {
  /** DATA_DIR (`sqlite`). */
  dataDir: string;
  /** One disk sync per batch of concurrent deliveries (`sqlite`). */
  groupCommit: boolean;
  /** SQLITE_STORE_THREAD: the delivery store's statements on a thread of their own (`sqlite`). */
  storeThread: boolean;
  /** How long a claim on a delivery lasts without renewal (`postgres`). */
  leaseInSeconds: number;
  /** HANDLER_TIMEOUT_MS: how long a live replica's inline delivery may take (`postgres`). */
  handlerTimeoutInMs: number;
  idempotency: AppConfig['idempotency'];
  /** The shared PostgreSQL; `url` is set whenever the driver is `postgres`. */
  database: AppConfig['database'];
}

/** The injection token of the store module's options. */
export const STORE_OPTIONS = Symbol('StoreModuleOptions');

/** The store's slice of the validated configuration. */
export function storeOptionsOf(config: AppConfig): StoreModuleOptions {
  return {
    dataDir: config.delivery.dataDir,
    groupCommit: config.delivery.groupCommit,
    storeThread: config.delivery.storeThread,
    leaseInSeconds: config.delivery.leaseInSeconds,
    handlerTimeoutInMs: config.handlerTimeoutInMs,
    idempotency: config.idempotency,
    database: config.database,
  };
}
