import type { AiComponentType } from '../../catalogue/catalogue.js';
import type { AiBomComponent, ComponentStatus, Declaration } from '../document.js';

/** Which kind of declaration can list a component. */
export type DeclaredDomain = 'npm' | 'pypi' | 'mcp' | 'image';

/** What each declared input can speak for. */
export const INPUT_DOMAIN: Readonly<Record<Declaration['input'], DeclaredDomain>> = {
  'package.json': 'npm',
  'package-lock.json': 'npm',
  'pnpm-lock.yaml': 'npm',
  'yarn.lock': 'npm',
  'requirements.txt': 'pypi',
  'poetry.lock': 'pypi',
  'uv.lock': 'pypi',
  'pyproject.toml': 'pypi',
  'mcp-config': 'mcp',
  kubernetes: 'image',
};

/** What the declared inputs given cover: whether any was read, and which domains they speak for. */
export interface DeclaredScope {
  readonly any: boolean;
  readonly domains: ReadonlySet<DeclaredDomain>;
}

// Types a manifest, lockfile, MCP configuration or Kubernetes manifest can declare.
const DECLARABLE: ReadonlySet<AiComponentType> = new Set([
  'framework',
  'mcp-server',
  'inference-server',
  'vector-store',
]);

function domainsOf(c: { id: string; type: AiComponentType }): DeclaredDomain[] {
  const out: DeclaredDomain[] = [];
  if (c.id.startsWith('pkg:npm/') || c.id.startsWith('mcp-server:npm/')) out.push('npm');
  if (c.id.startsWith('pkg:pypi/') || c.id.startsWith('mcp-server:pypi/')) out.push('pypi');
  if (c.type === 'mcp-server') out.push('mcp');
  if (c.id.startsWith('mcp-server:image/') || c.type === 'inference-server' || c.type === 'vector-store') {
    if (!c.id.startsWith('pkg:')) out.push('image');
  }
  return out;
}

/**
 * Declared against observed: `undeclared-used` is shadow AI. A component is
 * judged only against inputs that could have listed it: an MCP configuration
 * says nothing about npm packages.
 */
export function componentStatus(
  c: { id: string; type: AiComponentType },
  declared: boolean,
  observed: boolean,
  scope: DeclaredScope,
): ComponentStatus {
  if (scope.any && DECLARABLE.has(c.type) && domainsOf(c).some((d) => scope.domains.has(d)))
    return declared && observed ? 'declared-used' : declared ? 'declared-unused' : 'undeclared-used';
  if (declared && !observed) return 'declared-unused';
  if (declared) return 'declared-used';
  return 'observed';
}

/** A tool's standing follows its server's: a tool of an undeclared server is shadow too. */
export function toolsFollowTheirServer(components: readonly AiBomComponent[], scope: DeclaredScope): void {
  if (!scope.any) return;
  const byId = new Map(components.map((c) => [c.id, c]));
  for (const c of components) {
    if (c.type !== 'tool') continue;
    const server = byId.get(c.properties['serverComponent'] ?? '');
    if (server && server.status !== 'observed')
      c.status = server.status === 'declared-unused' ? 'declared-used' : server.status;
  }
}
