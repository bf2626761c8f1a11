/**
 * Vigil reporters: findings, AI-BOMs and gap reports as JSON, SARIF 2.1.0,
 * CycloneDX 1.6, OCSF, Markdown, HTML and console text; OTLP/HTTP export.
 *
 * @packageDocumentation
 */

// Each format family keeps its public surface in its own folder's `public.ts`.
export * from './cyclonedx/public.js';
// The documents the application facades return, rendered by format name (one registry).
export * from './documents/public.js';
export * from './formats/public.js';
export * from './html/public.js';
export * from './otlp/public.js';
// The schemas, typed by the structural VigilSchema (zod-typed: the `/schemas` subpath).
export * from './schemas/public.js';
