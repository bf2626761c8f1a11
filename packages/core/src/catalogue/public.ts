// Public surface of this folder, re-exported by the package index. Named exports only.

export type {
  AiComponentType,
  MatchMethod,
  Signature,
  SignatureCatalogueDocument,
  SignatureInput,
  SignatureMatch,
} from './catalogue.js';
export {
  BUILTIN_CATALOGUE_VERSION,
  imageRepository,
  normalizePythonName,
  SIGNATURE_CATALOGUE_SCHEMA_VERSION,
  SignatureCatalogue,
} from './catalogue.js';
export type { RuntimePackage } from './package-paths.js';
export {
  imageInCommandLine,
  npmPackageFromPath,
  packagesInCommandLine,
  pythonPackageFromPath,
} from './package-paths.js';
export {
  installedPythonModules,
  PYTHON_IMPORT_NAMES,
  pythonDistributionsOf,
} from './python-distributions.js';
