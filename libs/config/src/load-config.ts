import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConclaveConfig, configSchema, isPostgresUrl, redactDatabaseUrl } from './config.schema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The environment variables that win over the file. Nothing else in the code reads process.env for config. */
export interface ConfigEnv {
  CONCLAVE_CONFIG?: string;
  PORT?: string;
  HOST?: string;
  CONCLAVE_DB?: string;
  CONCLAVE_API_KEY?: string;
  LOG_LEVEL?: string;
  /** all | api | worker (cluster.role). */
  CONCLAVE_ROLE?: string;
  /** A redis:// URL (cluster.redis): rounds become jobs on a shared queue. */
  CONCLAVE_REDIS?: string;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Keys whose values are secrets: a message names them and never shows them. */
const SECRET_KEY = /^(apiKey|secret|password|token)$/i;

/**
 * A copy of `value` with every secret replaced by a placeholder that says only how long it was, so a
 * message about a bad key (say, too short) cannot echo the key into a terminal or a log collector.
 */
function redactSecrets(value: unknown): unknown {
  // A PostgreSQL URL may carry its password.
  if (typeof value === 'string' && isPostgresUrl(value)) return redactDatabaseUrl(value);
  // Any other URL with a password (CONCLAVE_REDIS's).
  if (typeof value === 'string') return value.replace(/(\/\/[^:/@\s]*:)[^@/\s]*@/, '$1***@');
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(redactSecrets);
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      SECRET_KEY.test(key) ? `(hidden, ${typeof v === 'string' ? `${v.length} characters` : typeof v})` : redactSecrets(v),
    ]),
  );
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** One line per problem: the key's dotted path, the bad value (never a secret's) and what is allowed. */
export function formatConfigIssues(given: unknown, error: z.ZodError, source: string): string {
  const raw = redactSecrets(given);
  const lines = error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const at = issue.path.length ? `${issue.path.join('.')}.` : '';
      return `  ${issue.keys.map((k) => at + k).join(', ')}: unknown key (check the spelling; see conclave.example.yaml)`;
    }
    const key = issue.path.join('.') || '(root)';
    return `  ${key}: got ${describeValue(valueAt(raw, issue.path))}; ${issue.message}`;
  });
  return `Invalid configuration in ${source}:\n${lines.join('\n')}`;
}

function readFile(path: string, explicit: boolean): Record<string, unknown> {
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError(`CONCLAVE_CONFIG names ${path}, which does not exist`);
    return {};
  }
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (e) {
    // The parser's message goes on to quote the offending lines, which may hold a key: its first line
    // (what is wrong, at which line and column) is enough to find it.
    throw new ConfigError(`Invalid YAML in ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${path}: the top level must be a mapping`);
  return doc as Record<string, unknown>;
}

function section(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = raw[key];
  return value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as object) } : {};
}

/** Reads the YAML file, lays the environment over it, and validates the whole. Throws ConfigError. */
export function loadConfig(env: ConfigEnv): ConclaveConfig {
  const path = env.CONCLAVE_CONFIG || './conclave.yaml';
  const raw = readFile(path, Boolean(env.CONCLAVE_CONFIG));
  const server = section(raw, 'server');
  const database = section(raw, 'database');
  if (env.PORT !== undefined) server.port = /^\d+$/.test(env.PORT) ? Number(env.PORT) : env.PORT;
  if (env.HOST) server.host = env.HOST;
  if (env.LOG_LEVEL) server.logLevel = env.LOG_LEVEL;
  if (env.CONCLAVE_API_KEY) server.apiKey = env.CONCLAVE_API_KEY;
  if (env.CONCLAVE_DB) database.path = env.CONCLAVE_DB;
  const cluster = section(raw, 'cluster');
  if (env.CONCLAVE_ROLE) cluster.role = env.CONCLAVE_ROLE;
  if (env.CONCLAVE_REDIS) cluster.redis = env.CONCLAVE_REDIS;
  const merged = { ...raw, server, database, cluster };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(formatConfigIssues(merged, parsed.error, `${path} (and environment)`));
  const names = new Set<string>();
  for (const adapter of parsed.data.adapters) {
    if (names.has(adapter.name)) throw new ConfigError(`adapters: the name "${adapter.name}" is used twice`);
    names.add(adapter.name);
  }
  assertEmbeddingsBackend(parsed.data);
  assertClusterDatabase(parsed.data);
  const digester = parsed.data.deliberation.digestAdapter;
  if (digester && !names.has(digester.adapter)) {
    throw new ConfigError(
      `deliberation.digestAdapter.adapter: got "${digester.adapter}"; must name a configured adapter (${[...names].join(', ') || 'none configured'})`,
    );
  }
  const chair = parsed.data.deliberation.chair;
  if (chair && !names.has(chair.adapter)) {
    throw new ConfigError(`deliberation.chair.adapter: got "${chair.adapter}"; must name a configured adapter (${[...names].join(', ') || 'none configured'})`);
  }
  return parsed.data;
}

/**
 * api and worker processes share one database and one queue: SQLite is one process's database, and without
 * Redis there is no queue between processes.
 */
function assertClusterDatabase(config: ConclaveConfig): void {
  const { role, redis } = config.cluster;
  const postgres = isPostgresUrl(config.database.path);
  if (redis && !postgres) {
    throw new ConfigError(
      "cluster.redis (CONCLAVE_REDIS): the shared job queue needs a shared database; set CONCLAVE_DB=postgres://… (SQLite is one process's database)",
    );
  }
  if (role !== 'all' && !redis) {
    throw new ConfigError(
      `cluster.role (CONCLAVE_ROLE): got "${role}"; ${role} processes share a database and a queue, so they need CONCLAVE_DB=postgres://… and CONCLAVE_REDIS=redis://… (one process on SQLite runs as "all")`,
    );
  }
}

/** Providers whose HTTP adapters serve embeddings (OpenAI-compatible /v1/embeddings, Ollama /api/embed). */
export const EMBEDDING_PROVIDERS: readonly string[] = ['openai', 'openrouter', 'lmstudio', 'ollama'];

function assertEmbeddingsBackend(config: ConclaveConfig): void {
  const convergence = config.deliberation.convergence;
  const key = 'deliberation.convergence.embeddings';
  if (config.memory.embeddings) assertEmbeddingsAdapter(config, 'memory.embeddings', config.memory.embeddings.adapter);
  if (convergence.backend !== 'embeddings') return;
  if (!convergence.embeddings) throw new ConfigError(`${key}: backend "embeddings" needs { adapter, model } naming an HTTP adapter that serves embeddings`);
  assertEmbeddingsAdapter(config, key, convergence.embeddings.adapter);
}

function assertEmbeddingsAdapter(config: ConclaveConfig, key: string, name: string): void {
  const adapter = config.adapters.find((a) => a.name === name);
  if (!adapter || adapter.kind !== 'http' || !EMBEDDING_PROVIDERS.includes(adapter.provider)) {
    throw new ConfigError(`${key}.adapter: got "${name}"; must name a configured http adapter with provider ${EMBEDDING_PROVIDERS.join(' | ')}`);
  }
}
