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
export type { PeerService, PeerServiceKind, WellKnownServicePort } from './peer-services.js';
export { peerServiceOfPort, peerServiceOfProtocol, WELL_KNOWN_SERVICE_PORTS } from './peer-services.js';
export {
  installedPythonModules,
  PYTHON_IMPORT_NAMES,
  pythonDistributionsOf,
} from './python-distributions.js';
export { SERVICE_PORTS } from './service-ports.js';
