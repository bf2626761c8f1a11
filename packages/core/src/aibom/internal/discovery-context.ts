import type { SignatureCatalogue } from '../../catalogue/catalogue.js';
import type { ComponentRegistry } from './components.js';
import type { FlowRelations } from './flow-relations.js';
import type { ProcessRoles } from './process-roles.js';

/** What discovery from events reads and writes: signatures in, components, process roles and flow out. */
export interface DiscoveryContext {
  readonly catalogue: SignatureCatalogue;
  readonly components: ComponentRegistry;
  readonly processes: ProcessRoles;
  readonly flow: FlowRelations;
}
