// Public surface of this folder, re-exported by the package index. Named exports only.

export type { RiskAdjustment, RiskContext, RiskRanking } from './rank.js';
export { RISK_RANKING_SCHEMA_VERSION, rankRisk } from './rank.js';
export type { LoadedPackagesOptions, PackageRef } from './reachability.js';
export { loadedPackages, packageOfFinding } from './reachability.js';
