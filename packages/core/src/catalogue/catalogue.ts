import { z } from 'zod';
import { fromZodError } from '../errors/from-zod.js';
import { VigilError } from '../errors/vigil-error.js';
import { safeParseDocument } from '../readers/document-value.js';
import { readJsonFile } from '../readers/read-json.js';
import { lazySchema } from '../schemas/lazy.js';
import { BUILTIN_SIGNATURES } from './builtin-signatures.js';

/** Schema version of a signature catalogue document. */
export const SIGNATURE_CATALOGUE_SCHEMA_VERSION = 1;

/** What kind of AI component a signature identifies. */
export const AiComponentTypeSchema = lazySchema(() =>
  z.enum([
    /** An agent framework or AI SDK/library (LangChain, the OpenAI SDK, transformers…). */
    'framework',
    /** A model: a model file on disk, or a model name seen in a call. */
    'model',
    /** An MCP server, local (launched) or remote (URL). */
    'mcp-server',
    /** A tool an agent called. */
    'tool',
    /** An agent, as named by its framework (`gen_ai.agent.name`). */
    'agent',
    /** A local or self-hosted inference server (Ollama, vLLM, TGI, Triton, llama.cpp). */
    'inference-server',
    /** A vector store (Qdrant, Weaviate, Milvus, Chroma, pgvector, Pinecone). */
    'vector-store',
    /** A hosted LLM API (OpenAI, Anthropic, Bedrock…) or an OpenAI-compatible endpoint. */
    'llm-api',
    /** A retrieval data source (RAG collection, index, document store). */
    'data-source',
  ]),
);
/** @see {@link AiComponentTypeSchema} */
export type AiComponentType =
  | 'model'
  | 'tool'
  | 'agent'
  | 'framework'
  | 'mcp-server'
  | 'inference-server'
  | 'vector-store'
  | 'llm-api'
  | 'data-source';

const pattern = lazySchema(() => z.string().min(1).max(256));

/**
 * One signature: how to recognise a component at run time and in manifests.
 * Name patterns use `*` as a wildcard; hosts match exactly or with a leading
 * `*.`; `argv` entries are regular expressions tested against the command
 * line joined with spaces.
 *
 * @example
 * ```ts
 * import { SignatureSchema } from '@vigil/core';
 *
 * const sig = SignatureSchema.parse({
 *   id: 'acme-gateway', name: 'ACME LLM gateway', type: 'llm-api',
 *   match: { hosts: ['llm.acme.internal'], ports: [8443] }, confidence: { port: 0.3 },
 * });
 * ```
 */
export const SignatureSchema = lazySchema(() =>
  z.object({
    /** Stable id, e.g. `langchain` or `openai-api`. Component ids derive from it. */
    id: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[a-z0-9][a-z0-9._:/@+-]*$/, 'lower-case letters, digits and . _ : / @ + -'),
    name: z.string().min(1),
    type: AiComponentTypeSchema,
    vendor: z.string().optional(),
    description: z.string().optional(),
    /** `gen_ai.provider.name` values this signature stands for (for `llm-api` and models). */
    providers: z.array(z.string()).optional(),
    match: z
      .object({
        /** npm package names or patterns (`@langchain/*`). */
        npm: z.array(pattern).optional(),
        /** Python distribution or module names or patterns, compared after PEP 503 normalisation. */
        pypi: z.array(pattern).optional(),
        /** Executable base names (`ollama`, `llama-server`). */
        exec: z.array(pattern).optional(),
        /** Regular expressions over the joined command line. */
        argv: z.array(pattern).optional(),
        /** DNS names (`api.openai.com`, `*.openai.azure.com`). */
        hosts: z.array(pattern).optional(),
        /** Well-known TCP ports, as listened on or connected to. */
        ports: z.array(z.number().int().min(1).max(65535)).optional(),
        /** Container image repositories or patterns (`ollama/ollama`, `*vllm-openai`). */
        images: z.array(pattern).optional(),
        /** Model file extensions including the dot (`.gguf`). */
        fileExtensions: z.array(z.string().regex(/^\.[a-z0-9]+$/)).optional(),
      })
      .strict(),
    /**
     * How sure a match of each kind is (0–1). A port-only match is weak; a
     * package name or a DNS name is strong. Defaults come from the matcher.
     */
    confidence: z.record(z.string(), z.number().min(0).max(1)).optional(),
  }),
);
/** @see {@link SignatureSchema} */
export interface Signature {
  /** Stable id, e.g. `langchain` or `openai-api`. Component ids derive from it. */
  id: string;
  name: string;
  type: AiComponentType;
  vendor?: string | undefined;
  description?: string | undefined;
  /** `gen_ai.provider.name` values this signature stands for (for `llm-api` and models). */
  providers?: string[] | undefined;
  match: {
    /** npm package names or patterns (`@langchain/*`). */
    npm?: string[] | undefined;
    /** Python distribution or module names or patterns, compared after PEP 503 normalisation. */
    pypi?: string[] | undefined;
    /** Executable base names (`ollama`, `llama-server`). */
    exec?: string[] | undefined;
    /** Regular expressions over the joined command line. */
    argv?: string[] | undefined;
    /** DNS names (`api.openai.com`, `*.openai.azure.com`). */
    hosts?: string[] | undefined;
    /** Well-known TCP ports, as listened on or connected to. */
    ports?: number[] | undefined;
    /** Container image repositories or patterns (`ollama/ollama`, `*vllm-openai`). */
    images?: string[] | undefined;
    /** Model file extensions including the dot (`.gguf`). */
    fileExtensions?: string[] | undefined;
  };
  /**
   * How sure a match of each kind is (0–1). A port-only match is weak; a
   * package name or a DNS name is strong. Defaults come from the matcher.
   */
  confidence?: Record<string, number> | undefined;
}
/** The input form of a {@link Signature}. */
export interface SignatureInput {
  /** Stable id, e.g. `langchain` or `openai-api`. Component ids derive from it. */
  id: string;
  name: string;
  type: AiComponentType;
  vendor?: string | undefined;
  description?: string | undefined;
  /** `gen_ai.provider.name` values this signature stands for (for `llm-api` and models). */
  providers?: string[] | undefined;
  match: {
    /** npm package names or patterns (`@langchain/*`). */
    npm?: string[] | undefined;
    /** Python distribution or module names or patterns, compared after PEP 503 normalisation. */
    pypi?: string[] | undefined;
    /** Executable base names (`ollama`, `llama-server`). */
    exec?: string[] | undefined;
    /** Regular expressions over the joined command line. */
    argv?: string[] | undefined;
    /** DNS names (`api.openai.com`, `*.openai.azure.com`). */
    hosts?: string[] | undefined;
    /** Well-known TCP ports, as listened on or connected to. */
    ports?: number[] | undefined;
    /** Container image repositories or patterns (`ollama/ollama`, `*vllm-openai`). */
    images?: string[] | undefined;
    /** Model file extensions including the dot (`.gguf`). */
    fileExtensions?: string[] | undefined;
  };
  /**
   * How sure a match of each kind is (0–1). A port-only match is weak; a
   * package name or a DNS name is strong. Defaults come from the matcher.
   */
  confidence?: Record<string, number> | undefined;
}

/**
 * A versioned set of signatures, as stored in a JSON file.
 *
 * @example
 * ```ts
 * import { SignatureCatalogue, SignatureCatalogueSchema } from '@vigil/core';
 *
 * const doc = SignatureCatalogueSchema.parse(JSON.parse(text));
 * const catalogue = SignatureCatalogue.builtin().extend(SignatureCatalogue.fromDocument(doc));
 * ```
 */
export const SignatureCatalogueSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(SIGNATURE_CATALOGUE_SCHEMA_VERSION),
    /** The catalogue's own version, e.g. `2026.11.0` or `acme-1`. */
    version: z.string().min(1),
    signatures: z.array(SignatureSchema),
  }),
);
/** @see {@link SignatureCatalogueSchema} */
export interface SignatureCatalogueDocument {
  schemaVersion: 1;
  /** The catalogue's own version, e.g. `2026.11.0` or `acme-1`. */
  version: string;
  signatures: Signature[];
}

/** Version of the signatures built into this release. */
export const BUILTIN_CATALOGUE_VERSION = '2026.11.0';

/** The matcher that recognised something, and so how it was found. */
export type MatchMethod =
  | 'npm'
  | 'pypi'
  | 'exec'
  | 'argv'
  | 'host'
  | 'port'
  | 'image'
  | 'file-extension'
  | 'provider';

/** A signature that matched, with the confidence of that match. */
export interface SignatureMatch {
  readonly signature: Signature;
  readonly method: MatchMethod;
  readonly confidence: number;
  /** What matched (the package name, host, port, extension…). */
  readonly matched: string;
}

/** The confidence of a match by each method, unless a signature sets its own. */
export const DEFAULT_CONFIDENCE: Record<MatchMethod, number> = {
  npm: 0.95,
  pypi: 0.95,
  exec: 0.9,
  argv: 0.85,
  host: 0.9,
  port: 0.4,
  image: 0.85,
  'file-extension': 0.8,
  provider: 0.95,
};

/**
 * Turns a `*` pattern into an anchored regular expression.
 * @internal
 */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * PEP 503 normalisation: lower case, runs of `-`, `_` and `.` become one `-`.
 *
 * @example
 * ```ts
 * normalizePythonName('LangChain_Core'); // 'langchain-core'
 * ```
 */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

interface Compiled {
  readonly signature: Signature;
  readonly npm: RegExp[];
  readonly pypi: RegExp[];
  readonly exec: RegExp[];
  readonly argv: RegExp[];
  readonly hosts: RegExp[];
  readonly ports: ReadonlySet<number>;
  readonly images: RegExp[];
  readonly extensions: ReadonlySet<string>;
  readonly providers: ReadonlySet<string>;
}

function hostToRegExp(host: string): RegExp {
  return globToRegExp(host.toLowerCase().replace(/\.$/, ''));
}

function compile(sig: Signature, where: string): Compiled {
  const m = sig.match;
  let argv: RegExp[];
  try {
    argv = (m.argv ?? []).map((p) => new RegExp(p));
  } catch (cause) {
    throw new VigilError('INPUT_INVALID', `signature ${sig.id}: invalid argv expression: ${String(cause)}`, {
      cause,
      location: { file: where, path: ['signatures', sig.id, 'match', 'argv'] },
    });
  }
  return {
    signature: sig,
    npm: (m.npm ?? []).map(globToRegExp),
    pypi: (m.pypi ?? []).map((p) => globToRegExp(normalizePythonName(p))),
    exec: (m.exec ?? []).map(globToRegExp),
    argv,
    hosts: (m.hosts ?? []).map(hostToRegExp),
    ports: new Set(m.ports ?? []),
    images: (m.images ?? []).map(globToRegExp),
    extensions: new Set((m.fileExtensions ?? []).map((e) => e.toLowerCase())),
    providers: new Set((sig.providers ?? []).map((p) => p.toLowerCase())),
  };
}

/**
 * The signatures the AI-BOM recognises components by: agent frameworks and AI
 * SDKs (npm and Python), model files, MCP servers, inference servers, vector
 * stores and LLM API hosts. The catalogue is data: extend it with your own
 * signatures or a JSON file; later signatures with the same id replace
 * earlier ones.
 *
 * @example
 * ```ts
 * import { SignatureCatalogue } from '@vigil/core';
 *
 * const catalogue = SignatureCatalogue.builtin().extend([
 *   { id: 'acme-agent', name: 'ACME agent kit', type: 'framework', match: { npm: ['@acme/agent-*'] } },
 * ]);
 * catalogue.matchPackage('npm', '@acme/agent-core')?.signature.id; // 'acme-agent'
 * catalogue.matchHost('api.anthropic.com')?.signature.id; // 'anthropic-api'
 * ```
 */
export class SignatureCatalogue {
  /** The catalogue version (the built-in one, or joined versions after {@link SignatureCatalogue.extend}). */
  readonly version: string;
  readonly #compiled: Compiled[];
  readonly #byId: Map<string, Signature>;
  // Matching runs for every event; the same names, hosts and paths repeat, so results are memoised (bounded).
  readonly #memo = new Map<string, SignatureMatch | null>();

  private constructor(version: string, compiled: Compiled[]) {
    this.version = version;
    this.#compiled = compiled;
    this.#byId = new Map(compiled.map((c) => [c.signature.id, c.signature]));
  }

  /** The signatures shipped with Vigil. */
  static builtin(): SignatureCatalogue {
    return SignatureCatalogue.fromDocument(
      { schemaVersion: 1, version: BUILTIN_CATALOGUE_VERSION, signatures: BUILTIN_SIGNATURES },
      'builtin signatures',
    );
  }

  /** Builds a catalogue from a document; throws a `VigilError` naming the bad entry. */
  static fromDocument(doc: unknown, where = 'signature catalogue'): SignatureCatalogue {
    const parsed = safeParseDocument(SignatureCatalogueSchema, doc);
    if (!parsed.success) throw fromZodError(parsed.error, 'signature catalogue', { file: where });
    return new SignatureCatalogue(
      parsed.data.version,
      parsed.data.signatures.map((s) => compile(s, where)),
    );
  }

  /** Reads a catalogue JSON file (see {@link SignatureCatalogueSchema}). */
  static async fromFile(path: string): Promise<SignatureCatalogue> {
    const doc = await readJsonFile(path, 'catalogue', { what: 'signature catalogue' });
    return SignatureCatalogue.fromDocument(doc, path);
  }

  /**
   * A new catalogue with more signatures (objects, or another catalogue).
   * A signature whose id already exists replaces the old one.
   */
  extend(more: readonly SignatureInput[] | SignatureCatalogue): SignatureCatalogue {
    let extra: Compiled[];
    let version: string;
    if (more instanceof SignatureCatalogue) {
      extra = more.#compiled;
      version = `${this.version}+${more.version}`;
    } else {
      extra = more.map((raw, i) => {
        const r = safeParseDocument(SignatureSchema, raw);
        if (!r.success) throw fromZodError(r.error, 'signature', { file: 'extra signatures', path: [i] });
        return compile(r.data, 'extra signatures');
      });
      version = `${this.version}+custom`;
    }
    const ids = new Set(extra.map((c) => c.signature.id));
    return new SignatureCatalogue(version, [
      ...this.#compiled.filter((c) => !ids.has(c.signature.id)),
      ...extra,
    ]);
  }

  /** Every signature, in match order. */
  get signatures(): readonly Signature[] {
    return this.#compiled.map((c) => c.signature);
  }

  /** The signature with this id. */
  get(id: string): Signature | undefined {
    return this.#byId.get(id);
  }

  #conf(c: Compiled, method: MatchMethod): number {
    return c.signature.confidence?.[method] ?? DEFAULT_CONFIDENCE[method];
  }

  #first(method: MatchMethod, matched: string, test: (c: Compiled) => boolean): SignatureMatch | undefined {
    const key = `${method}\u0000${matched}`;
    const hit = this.#memo.get(key);
    if (hit !== undefined) return hit ?? undefined;
    let found: SignatureMatch | null = null;
    // Later signatures win, so user extensions override built-ins.
    for (let i = this.#compiled.length - 1; i >= 0; i--) {
      const c = this.#compiled[i]!;
      if (test(c)) {
        found = { signature: c.signature, method, confidence: this.#conf(c, method), matched };
        break;
      }
    }
    if (this.#memo.size >= 50_000) this.#memo.clear();
    this.#memo.set(key, found);
    return found ?? undefined;
  }

  /** Matches an npm package or Python distribution/module name. */
  matchPackage(ecosystem: 'npm' | 'pypi', name: string): SignatureMatch | undefined {
    if (ecosystem === 'npm') return this.#first('npm', name, (c) => c.npm.some((r) => r.test(name)));
    const n = normalizePythonName(name);
    return this.#first('pypi', n, (c) => c.pypi.some((r) => r.test(n)));
  }

  /** Matches an executable by base name. */
  matchExecutable(basename: string): SignatureMatch | undefined {
    return this.#first('exec', basename, (c) => c.exec.some((r) => r.test(basename)));
  }

  /** Matches a command line (argv joined with spaces). */
  matchCommandLine(argv: readonly string[]): SignatureMatch | undefined {
    const line = argv.join(' ');
    return this.#first('argv', line, (c) => c.argv.some((r) => r.test(line)));
  }

  /** Matches a DNS name. */
  matchHost(host: string): SignatureMatch | undefined {
    const h = host.toLowerCase().replace(/\.$/, '');
    return this.#first('host', h, (c) => c.hosts.some((r) => r.test(h)));
  }

  /** Matches a well-known port. Weak evidence on its own. */
  matchPort(port: number): SignatureMatch | undefined {
    return this.#first('port', String(port), (c) => c.ports.has(port));
  }

  /** Matches a container image reference (`registry/repo:tag` or `repo@sha256:…`). */
  matchImage(image: string): SignatureMatch | undefined {
    const repo = imageRepository(image);
    return this.#first('image', repo, (c) =>
      c.images.some((r) => r.test(repo) || r.test(repo.split('/').slice(-2).join('/'))),
    );
  }

  /** Matches a file path by its extension (model files). */
  matchModelFile(path: string): SignatureMatch | undefined {
    const dot = path.lastIndexOf('.');
    if (dot < 0 || dot < path.lastIndexOf('/')) return undefined;
    const ext = path.slice(dot).toLowerCase();
    return this.#first('file-extension', ext, (c) => c.extensions.has(ext));
  }

  /** Matches a `gen_ai.provider.name` value (`openai`, `aws.bedrock`…). */
  matchProvider(provider: string): SignatureMatch | undefined {
    const p = provider.toLowerCase();
    return this.#first('provider', p, (c) => c.providers.has(p));
  }
}

/**
 * The repository part of an image reference, without tag or digest and
 * without the Docker Hub defaults.
 *
 * @example
 * ```ts
 * imageRepository('docker.io/library/postgres:16@sha256:abc'); // 'postgres'
 * imageRepository('ghcr.io/acme/agent:1.2'); // 'ghcr.io/acme/agent'
 * ```
 */
export function imageRepository(image: string): string {
  let ref = image.trim();
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  ref = ref.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  ref = ref.replace(/^library\//, '');
  return ref.toLowerCase();
}
