export type { DataAccessGap } from './gap.js';
export { analyzeDataAccess, DATA_ACCESS_GAP_SCHEMA_VERSION, DataAccessGapSchema } from './gap.js';
export type { PgSchemaDeclaration, PgTableGrant } from './pg-grants.js';
export { PG_TABLE_PRIVILEGES, PgTableGrantSchema, parsePgSchema } from './pg-grants.js';
