import type { Declaration } from '../document.js';

/** A package listed by a manifest or lockfile. */
export interface DeclaredPackage {
  readonly kind: 'package';
  readonly ecosystem: 'npm' | 'pypi';
  readonly name: string;
  /** The resolved version (lockfiles) or the exact pinned version. */
  readonly version?: string;
  readonly declaration: Declaration;
  readonly properties?: Readonly<Record<string, string>>;
}

/** An MCP server from a client configuration (Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Gemini CLI). */
export interface DeclaredMcpServer {
  readonly kind: 'mcp-server';
  /** The same as {@link DeclaredMcpServer.configName}, so every declared component has a name. */
  readonly name: string;
  /** The name the client knows the server by (the key under `mcpServers` / `servers`). */
  readonly configName: string;
  readonly command?: string;
  readonly args?: readonly string[];
  /** Remote servers: the URL (`url`, `serverUrl` or `httpUrl`). */
  readonly url?: string;
  readonly version?: string;
  readonly declaration: Declaration;
  /** `transport`, `client`, `envKeys` (names only; values are never read into the BOM). */
  readonly properties?: Readonly<Record<string, string>>;
}

/** A container image from a Kubernetes manifest. */
export interface DeclaredImage {
  readonly kind: 'image';
  /** The image reference as written. */
  readonly name: string;
  readonly version?: string;
  readonly declaration: Declaration;
  readonly properties?: Readonly<Record<string, string>>;
}

/** Something a declared input lists: a package, an MCP server or an image. */
export type DeclaredComponent = DeclaredPackage | DeclaredMcpServer | DeclaredImage;
