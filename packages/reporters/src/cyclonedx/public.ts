// Public surface of this folder, re-exported by the package index. Named exports only.
export type {
  CycloneDxBom,
  CycloneDxComponent,
  CycloneDxOptions,
  CycloneDxProperty,
  CycloneDxService,
} from './aibom-to-cyclonedx.js';
export { aiBomToCycloneDx, renderCycloneDx } from './aibom-to-cyclonedx.js';
