export type { DataAccessGap } from './gap.js';
export { analyzeDataAccess, DATA_ACCESS_GAP_SCHEMA_VERSION } from './gap.js';
export { dataAccessPermissions, mergeDeclaredPermissions } from './gap-domain.js';
export type { PgRoleMembership, PgSchemaDeclaration, PgSchemaGrant, PgTableGrant } from './pg-grants.js';
export { parsePgSchema } from './pg-grants.js';
export type { PgLiveReadOptions } from './pg-live.js';
export { readPgGrantsLive, redactPgUrl } from './pg-live.js';
export type {
  DataStoreConfig,
  DataStoreKind,
  SettingLookup,
  StoreAssessment,
  StorePlace,
  StoreSetting,
} from './store-config.js';
export { assessStoreSettings, DATA_STORE_KINDS } from './store-config.js';
export type { DeclaredDataStores } from './store-exposure.js';
export {
  DECLARED_DATA_STORES_SCHEMA_VERSION,
  loadDataStores,
  readStoreManifest,
  storeExposure,
  storeReachability,
} from './store-exposure.js';
export type { StoreConfigFormat } from './store-files.js';
export {
  parseStoreConfig,
  STORE_CONFIG_FORMATS,
  storeConfigFormatOf,
  storeConfigOfContainer,
  storeOfContainer,
} from './store-files.js';
