import {
  type AiComponentType,
  imageRepository,
  type SignatureCatalogue,
  type SignatureMatch,
} from '../../catalogue/catalogue.js';
import {
  imageInCommandLine,
  packagesInCommandLine,
  type RuntimePackage,
} from '../../catalogue/package-paths.js';
import { basename } from '../../vocabulary/public.js';
import type { DeclaredComponent } from '../declared/declared-component.js';
import type { Declaration } from '../document.js';
import type { ComponentRegistry } from './components.js';
import { componentIdForPackage, purlFor } from './identity.js';
import { type DeclaredDomain, type DeclaredScope, INPUT_DOMAIN } from './shadow-ai.js';

/** How a declared MCP server is launched: a process started that way serves that server. */
export interface DeclaredMcpLaunch {
  readonly id: string;
  readonly command?: string;
  readonly args?: readonly string[];
}

/** A declared input read, and how many AI components it listed. */
export interface DeclaredManifest {
  file: string;
  input: Declaration['input'];
  components: number;
}

/** The component a declaration names. */
interface ResolvedDeclaration {
  id: string;
  type: AiComponentType;
  name: string;
  match?: SignatureMatch;
  ref?: RuntimePackage;
}

/**
 * Components from declared inputs (manifests, lockfiles, MCP client
 * configurations, Kubernetes manifests): adds them to the registry with
 * their declarations, and remembers which inputs were read, what they can
 * speak for, and how declared MCP servers are launched.
 */
export class DeclaredInventory implements DeclaredScope {
  readonly #catalogue: SignatureCatalogue;
  readonly #components: ComponentRegistry;
  readonly #serverNames: Map<string, string>;
  readonly #manifests = new Map<string, DeclaredManifest>();
  readonly #domains = new Set<DeclaredDomain>();
  readonly #launches: DeclaredMcpLaunch[] = [];
  #any = false;

  /** `serverNames` learns which component each MCP client configuration's server name is. */
  constructor(
    catalogue: SignatureCatalogue,
    components: ComponentRegistry,
    serverNames: Map<string, string>,
  ) {
    this.#catalogue = catalogue;
    this.#components = components;
    this.#serverNames = serverNames;
  }

  /** Whether any declared input was read, so absences count. */
  get any(): boolean {
    return this.#any;
  }

  /** What the declared inputs read can speak for: npm and Python packages, MCP servers, container images. */
  get domains(): ReadonlySet<DeclaredDomain> {
    return this.#domains;
  }

  /** Declared MCP servers by how they are launched. */
  get launches(): readonly DeclaredMcpLaunch[] {
    return this.#launches;
  }

  manifests(): DeclaredManifest[] {
    return [...this.#manifests.values()];
  }

  declare(items: readonly DeclaredComponent[]): void {
    for (const item of items) {
      this.#any = true;
      this.#domains.add(INPUT_DOMAIN[item.declaration.input]);
      const m = this.#manifests.get(item.declaration.file) ?? {
        file: item.declaration.file,
        input: item.declaration.input,
        components: 0,
      };
      this.#manifests.set(item.declaration.file, m);
      const resolved = this.#resolve(item);
      if (!resolved) continue;
      m.components++;
      const w = this.#components.ensure(
        resolved.id,
        resolved.type,
        resolved.name,
        resolved.match,
        resolved.ref,
      );
      if (!w) continue;
      w.declared.push(item.declaration);
      w.declaredConfidence = Math.max(w.declaredConfidence, resolved.match?.confidence ?? 0.9);
      if (item.version && !w.version) w.version = item.version;
      if (resolved.ref && item.version && !w.purl?.includes('@'))
        w.purl = purlFor(resolved.ref, item.version);
      for (const [k, v] of Object.entries(item.properties ?? {})) w.properties[k] ??= v;
      if (item.kind === 'mcp-server' && item.configName) this.#serverNames.set(item.configName, resolved.id);
      if (item.kind === 'mcp-server' && item.command && !this.#launches.some((l) => l.id === resolved.id))
        this.#launches.push({
          id: resolved.id,
          command: item.command,
          ...(item.args ? { args: item.args } : {}),
        });
    }
  }

  markInput(file: string, input: Declaration['input']): void {
    this.#any = true;
    this.#domains.add(INPUT_DOMAIN[input]);
    if (!this.#manifests.has(file)) this.#manifests.set(file, { file, input, components: 0 });
  }

  #resolve(item: DeclaredComponent): ResolvedDeclaration | undefined {
    if (item.kind === 'package') {
      const ref: RuntimePackage = { ecosystem: item.ecosystem, name: item.name };
      const match = this.#catalogue.matchPackage(item.ecosystem, item.name);
      if (!match) return undefined;
      return {
        id: componentIdForPackage(ref, match),
        type: match.signature.type,
        name: item.name,
        match,
        ref,
      };
    }
    if (item.kind === 'image') {
      const match = this.#catalogue.matchImage(item.name);
      if (!match) return undefined;
      return {
        id: `${match.signature.type}:${match.signature.id}`,
        type: match.signature.type,
        name: match.signature.name,
        match,
      };
    }
    // An MCP server from a client configuration: by the package it launches, else its URL, else its command.
    const launched = item.command ? packagesInCommandLine([item.command, ...(item.args ?? [])]) : [];
    for (const ref of launched) {
      const match = this.#catalogue.matchPackage(ref.ecosystem, ref.name);
      if (match?.signature.type === 'mcp-server' || (match === undefined && ref === launched[0])) {
        const id = `mcp-server:${ref.ecosystem}/${ref.ecosystem === 'pypi' ? ref.name.toLowerCase().replace(/[-_.]+/g, '-') : ref.name}`;
        return { id, type: 'mcp-server', name: ref.name, ref, ...(match ? { match } : {}) };
      }
    }
    const image = item.command ? imageInCommandLine([item.command, ...(item.args ?? [])]) : undefined;
    if (image) {
      const repo = imageRepository(image);
      const match = this.#catalogue.matchImage(image);
      return { id: `mcp-server:image/${repo}`, type: 'mcp-server', name: repo, ...(match ? { match } : {}) };
    }
    if (item.url)
      return { id: `mcp-server:url/${item.url}`, type: 'mcp-server', name: item.configName ?? item.url };
    const cmd = item.command ? basename(item.command) : (item.configName ?? 'unknown');
    return {
      id: `mcp-server:cmd/${[cmd, ...(item.args ?? [])].join(' ')}`,
      type: 'mcp-server',
      name: item.configName ?? cmd,
    };
  }
}
