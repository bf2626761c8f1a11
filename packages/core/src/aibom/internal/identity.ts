import type { SignatureMatch } from '../../catalogue/catalogue.js';
import type { RuntimePackage } from '../../catalogue/package-paths.js';

/** The component id of a catalogue match that names no package: `TYPE:SIGNATURE`. */
export function signatureComponentId(match: SignatureMatch): string {
  return `${match.signature.type}:${match.signature.id}`;
}

/** The component id of a recognised package: MCP servers as `mcp-server:…`, the rest as a bare purl. */
export function componentIdForPackage(ref: RuntimePackage, match: SignatureMatch): string {
  const name = ref.ecosystem === 'pypi' ? ref.name.toLowerCase().replace(/[-_.]+/g, '-') : ref.name;
  return match.signature.type === 'mcp-server'
    ? `mcp-server:${ref.ecosystem}/${name}`
    : `pkg:${ref.ecosystem}/${name}`;
}

/** The package URL of a package, with its version when known. */
export function purlFor(ref: RuntimePackage, version: string | undefined): string {
  if (ref.ecosystem === 'npm') {
    const [scope, bare] = ref.name.startsWith('@') ? ref.name.split('/') : [undefined, ref.name];
    const ns = scope ? `${encodeURIComponent(scope)}/` : '';
    return `pkg:npm/${ns}${encodeURIComponent(bare!)}${version ? `@${encodeURIComponent(version)}` : ''}`;
  }
  const n = ref.name.toLowerCase().replace(/[-_.]+/g, '-');
  return `pkg:pypi/${n}${version ? `@${encodeURIComponent(version)}` : ''}`;
}

/** Host and port of an endpoint URL or `host:port`. */
export function endpointHostPort(endpoint: string): { host: string; port: number } | undefined {
  try {
    const url = new URL(endpoint.includes('://') ? endpoint : `http://${endpoint}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return host ? { host, port } : undefined;
  } catch {
    return undefined;
  }
}
