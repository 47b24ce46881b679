// class-transformer's own registry of @Expose/@Type decorators. The package ships no typings at
// this path (its typings live under types/), so this names the ones it does ship.
declare module 'class-transformer/cjs/storage.js' {
  import type { MetadataStorage } from 'class-transformer/types/MetadataStorage.js';

  export const defaultMetadataStorage: MetadataStorage;
}
