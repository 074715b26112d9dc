import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type * as Yaml from 'yaml';
import { SwitchyardError } from '../errors.js';
import { interpolate } from './interpolate.js';
import { configSchemaWith } from './schema.js';
import { schemaProblems } from './validate.js';
import type { ProviderConfig, SwitchyardConfig } from './schema.js';

/** A provider entry as written: the fields with defaults may be left out. */
export type ProviderInput = Pick<ProviderConfig, 'name' | 'type' | 'baseUrl'> & Partial<ProviderConfig>;

/** A config tree as written: any subset of SwitchyardConfig, before defaults. */
export type ConfigInput = Partial<Omit<SwitchyardConfig, 'server' | 'log' | 'routing' | 'providers'>> & {
  server?: Partial<SwitchyardConfig['server']>;
  providers?: ProviderInput[];
  log?: Partial<SwitchyardConfig['log']>;
  routing?: Partial<SwitchyardConfig['routing']>;
  [section: string]: unknown;
};

const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

export function invalidConfig(problems: readonly string[], source?: string): SwitchyardError {
  const where = source ? ` in ${source}` : '';
  return new SwitchyardError(
    'SWITCHYARD_ERR_CONFIG_INVALID',
    `invalid configuration${where}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    { expose: false, problems },
  );
}

const require = createRequire(import.meta.url);

/** The YAML parser, loaded by the first YAML file: a JSON config does not pay for it. */
function parseYaml(text: string): unknown {
  return (require('yaml') as typeof Yaml).parse(text);
}

/** Parses YAML or JSON text (by file extension; YAML when unknown). */
export function parseConfigText(text: string, source: string): unknown {
  try {
    return extname(source).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new SwitchyardError('SWITCHYARD_ERR_CONFIG_READ', `cannot parse ${source}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Interpolates, fills defaults and validates the core sections (and the plugin-owned
 * `sections`, by name: their schemas); every problem is listed.
 */
export function resolveConfig(
  input: unknown,
  env: NodeJS.ProcessEnv = process.env,
  source?: string,
  sections: Readonly<Record<string, object>> = {},
): SwitchyardConfig {
  const { config, problems } = checkConfig(input, env, sections);
  if (problems.length) throw invalidConfig(problems, source);
  return config;
}

/**
 * The config with defaults filled, and the problems of its core sections and of the sections
 * plugins own (`sections`: their schemas by name) (interpolation, shape, duplicate names). A
 * section of a plugin the config leaves out (`leftOut`: section → plugin) is named as such. With
 * problems the config is only good for collecting more of them: sections of the wrong type are
 * replaced by empty ones.
 */
export function checkConfig(
  input: unknown,
  env: NodeJS.ProcessEnv = process.env,
  sections: Readonly<Record<string, object>> = {},
  leftOut: ReadonlyMap<string, string> = new Map(),
): { config: SwitchyardConfig; problems: string[] } {
  const { value, problems } = interpolate(input ?? {}, env);
  const config = structuredClone(value) as SwitchyardConfig;
  for (const [name, plugin] of leftOut) {
    if (!isObject(config) || !(name in config)) continue;
    problems.push(`${name}: is the section of plugin "${plugin}", which plugins.${plugin}: false leaves out`);
    delete (config as Record<string, unknown>)[name];
  }
  problems.push(...schemaProblems(configSchemaWith(sections), config, '', { coerce: true }));
  if (!isObject(config.plugins)) config.plugins = {};
  if (!isObject(config.store) || typeof config.store.type !== 'string') config.store = { type: 'memory' };
  if (!Array.isArray(config.providers)) config.providers = [];
  const names = new Set<string>();
  config.providers.forEach((p, i) => {
    if (names.has(p.name)) problems.push(`providers[${i}].name: duplicate instance name "${p.name}"`);
    names.add(p.name);
    problems.push(...credentialProblems(p, `providers[${i}]`));
  });
  if (isObject(config.server)) problems.push(...serverProblems(config.server));
  return { config, problems };
}

/** `shutdownTimeoutMs` read as the former name of `shutdownGraceMs` (defaulted here), and timeouts that contradict each other. */
function serverProblems(server: SwitchyardConfig['server']): string[] {
  const problems: string[] = [];
  if (server.shutdownTimeoutMs !== undefined) {
    if (server.shutdownGraceMs !== undefined && server.shutdownGraceMs !== server.shutdownTimeoutMs) {
      problems.push('server.shutdownTimeoutMs: former name of server.shutdownGraceMs; set only shutdownGraceMs');
    }
    server.shutdownGraceMs = server.shutdownTimeoutMs;
    delete server.shutdownTimeoutMs;
  }
  server.shutdownGraceMs ??= DEFAULT_SHUTDOWN_GRACE_MS;
  if (server.headersTimeoutMs > server.requestTimeoutMs) {
    problems.push(
      `server.headersTimeoutMs: must not exceed server.requestTimeoutMs (${server.requestTimeoutMs}): the head is part of the request`,
    );
  }
  return problems;
}

/** A plain object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * An upstream key or header value with outer whitespace (a stray newline from a secrets file)
 * or control characters would be refused upstream, or make every request fail: refused here,
 * by path, never showing the value.
 */
function credentialProblems(provider: ProviderConfig, at: string): string[] {
  const problems: string[] = [];
  const check = (path: string, value: string): void => {
    if (value !== value.trim())
      problems.push(`${path}: has leading or trailing whitespace (a stray space or newline from a file or variable?)`);
    else if (CONTROL.test(value)) problems.push(`${path}: contains control characters`);
  };
  if (provider.apiKey) check(`${at}.apiKey`, provider.apiKey);
  for (const [name, value] of Object.entries(provider.headers ?? {})) check(`${at}.headers.${name}`, value);
  return problems;
}

/** Reads, interpolates and validates a config file: core's sections and the plugin-owned `sections` (their schemas by name). */
export async function loadConfigFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  sections: Readonly<Record<string, object>> = {},
): Promise<SwitchyardConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SwitchyardError(
      'SWITCHYARD_ERR_CONFIG_READ',
      `cannot read config file ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return resolveConfig(parseConfigText(text, path), env, path, sections);
}
