#!/usr/bin/env node
import { createHash } from 'node:crypto';
import { existsSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify as toYaml } from 'yaml';
import { SwitchyardError, createGateway, createLogger, loadConfigFile, maskSecrets, maskText, maskUrl } from '@switchyard/core';
import type { ConfigInput, Gateway, Preset, ReloadInput } from '@switchyard/core';
import { KEYS_USAGE, runKeys } from './keys.js';
import { runStats, STATS_USAGE } from './stats.js';
import { loadPluginModules } from './modules.js';

const USAGE = `Usage:
  switchyard start [--config FILE] [--port N] [--host H] [--preset MODULE] [--watch]
  switchyard config validate FILE [--preset MODULE]
  switchyard config show FILE [--preset MODULE]
  switchyard keys hash [KEY]     (KEY from stdin when omitted; prints sha256:<hex> for auth keyHash)
${KEYS_USAGE}
${STATS_USAGE}
Without --config, start reads ./switchyard.config.yaml, else builds providers from
OPENAI_API_KEY / OPENAI_BASE_URL (and friends). The preset defaults to @switchyard/preset-standard.
A running gateway reloads its config file on SIGHUP, on POST /admin/reload, and with --watch
(or server.watchConfig: true) when the file changes. SIGTERM/SIGINT drain, then exit 0; a
second signal exits at once with code 130.`;

const DEFAULT_FILES = ['switchyard.config.yaml', 'switchyard.config.yml', 'switchyard.config.json'];

interface PresetModule {
  preset: Preset;
  configFromEnv?: (env: NodeJS.ProcessEnv) => { config: ConfigInput; notes: string[] };
}

async function loadPreset(specifier: string): Promise<PresetModule> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    throw new SwitchyardError('SWITCHYARD_ERR_CONFIG_READ', `cannot load preset module "${specifier}": ${(err as Error).message}. Install it next to @switchyard/core.`);
  }
  const factory = mod.default as (() => Preset) | undefined;
  if (typeof factory !== 'function') throw new SwitchyardError('SWITCHYARD_ERR_CONFIG_READ', `preset module "${specifier}" has no default export returning a preset`);
  const configFromEnv = mod.configFromEnv as PresetModule['configFromEnv'];
  return configFromEnv ? { preset: factory(), configFromEnv } : { preset: factory() };
}

function describe(gateway: Gateway): string[] {
  const lines = gateway.instances.map((i) => `provider ${i.name} (${i.type}) ${maskUrl(i.baseUrl)} models: ${i.models?.join(', ') ?? `by name prefix (${gateway.providers.get(i.type)?.modelPrefixes?.join(' ') ?? 'none'})`}`);
  for (const alias of gateway.config.models) lines.push(`alias ${alias.name} → ${alias.targets.join(', ')}`);
  return lines;
}

async function start(values: { config?: string; port?: string; host?: string; preset: string; watch?: boolean }): Promise<void> {
  const { preset, configFromEnv } = await loadPreset(values.preset);
  const file = values.config ?? DEFAULT_FILES.find((f) => existsSync(f));
  let config: ConfigInput;
  const notes: string[] = [];
  if (file) {
    config = (await loadConfigFile(resolve(file))) as ConfigInput;
    notes.push(`config loaded from ${file}`);
  } else if (configFromEnv) {
    const fromEnv = configFromEnv(process.env);
    config = fromEnv.config;
    notes.push('no config file: using the embedded default built from the environment', ...fromEnv.notes);
  } else {
    config = {};
  }
  const plugins = file ? await loadPluginModules((config as { modules?: string[] }).modules ?? [], dirname(resolve(file))) : [];
  const reloadFrom = file ? () => readConfigFile(file) : undefined;
  const gateway = await createGateway({ config, presets: [preset], plugins, ...(file ? { source: file, reloadFrom } : {}) });
  const log = gateway.logger;
  for (const note of notes) log.info(note);
  const address = await gateway.listen({
    ...(values.port !== undefined ? { port: parsePort(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
  });
  for (const line of describe(gateway)) log.info(line);
  log.info(`Switchyard listening on ${address.url} (preset ${preset.name})`);
  let stopping = false;
  const reload = (why: string): void => {
    if (stopping) return void log.warn(`${why}: ignored, the gateway is shutting down`);
    log.info(`${why}: reloading ${file ?? 'the configuration'}`);
    gateway.reload().then(
      (result) => {
        if (result.ok) for (const line of describe(gateway.current)) log.info(line);
      },
      (err: unknown) => log.error({ err }, 'config reload failed unexpectedly'),
    );
  };
  process.on('SIGHUP', () => reload('SIGHUP'));
  const stopWatching = file && (values.watch || gateway.config.server.watchConfig) ? watchFile(resolve(file), () => reload('config file changed')) : undefined;
  const stop = (signal: string): void => {
    if (stopping) {
      log.warn(`${signal} again: exiting now (code 130)`);
      process.exit(130);
    }
    stopping = true;
    stopWatching?.();
    log.info(`${signal}: draining in-flight requests (up to ${gateway.current.config.server.shutdownGraceMs} ms), then stopping`);
    gateway.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** The config file and its `modules:` as a reload reads them. */
async function readConfigFile(file: string): Promise<ReloadInput> {
  const config = await loadConfigFile(resolve(file));
  const plugins = await loadPluginModules(config.modules, dirname(resolve(file)));
  return { config: config as ConfigInput, plugins, source: file };
}

/** How long the file must stay unchanged before a reload: editors write in several steps. */
const WATCH_DEBOUNCE_MS = 300;

/** Calls `changed` after the file (or its directory entry, for editors that replace it) changed; returns the stop function. */
function watchFile(path: string, changed: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(path), (_event, name) => {
    if (name !== null && name !== basename(path)) return;
    clearTimeout(timer);
    timer = setTimeout(changed, WATCH_DEBOUNCE_MS);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${value}"`);
  return port;
}

class UsageError extends Error {}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'stats') return runStats(argv.slice(1));
  if (argv[0] === 'keys' && argv[1] !== 'hash') return runKeys(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      preset: { type: 'string', default: '@switchyard/preset-standard' },
      watch: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, file] = positionals;
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command === 'start') {
    await start(values as { config?: string; port?: string; host?: string; preset: string; watch?: boolean });
    return -1;
  }
  if (command === 'keys' && sub === 'hash') {
    const key = file ?? (await readStdin()).replace(/\r?\n$/, '');
    if (!key) throw new UsageError('switchyard keys hash needs a KEY argument or the key on stdin');
    console.log(`sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`);
    return 0;
  }
  if (command === 'config' && (sub === 'validate' || sub === 'show')) {
    if (!file) throw new UsageError(`switchyard config ${sub} needs a FILE`);
    const config = await loadConfigFile(resolve(file));
    const { preset } = await loadPreset(values.preset!);
    const plugins = await loadPluginModules(config.modules, dirname(resolve(file)));
    // Building the gateway checks every plugin's section and fills its schema defaults in place.
    const gateway = await createGateway({ config: config as ConfigInput, presets: [preset], plugins, source: file, logger: createLogger({ level: 'silent' }) });
    await gateway.close();
    if (sub === 'show') {
      process.stdout.write(toYaml(maskSecrets({ ...gateway.config, plugins: gateway.pluginOptions() })));
      return 0;
    }
    console.log(`${file}: valid (${config.providers.length} providers, ${config.models.length} aliases, preset ${preset.name})`);
    return 0;
  }
  throw new UsageError(`unknown command "${[command, sub].filter(Boolean).join(' ')}"`);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`switchyard: ${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(maskText(`switchyard: ${err instanceof SwitchyardError ? `${err.message} [${err.code}]` : (err as Error).stack ?? String(err)}`));
    process.exit(1);
  },
);
