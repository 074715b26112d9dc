#!/usr/bin/env node
import { createHash } from 'node:crypto';
import { existsSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SwitchyardError, createGateway, createLogger, flushLogger } from '@switchyard/core';
import { maskSecrets, maskText, maskUrl } from '@switchyard/core/config';
import type { ConfigInput, Gateway, Logger, Preset, ReloadInput } from '@switchyard/core';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import { readConfigFile } from './config-file.js';
import type { ConfigFile } from './config-file.js';
import { withKnownPlugins } from './first-party.js';
import { npmScriptCommand, npmSwallowed, strayArguments, UsageError } from './arguments.js';
import { KEYS_USAGE, runKeys } from './keys.js';
import { runStats, STATS_USAGE } from './stats.js';

const USAGE = `Usage:
  switchyard start [--config FILE] [--port N] [--host H] [--preset MODULE] [--watch]
  switchyard config validate FILE [--preset MODULE]
  switchyard config show FILE [--preset MODULE]
  switchyard keys hash [KEY]     (KEY from stdin when omitted; prints sha256:<hex> for auth keyHash)
${KEYS_USAGE}
${STATS_USAGE}
Without --config, start reads ./switchyard.config.yaml, else builds providers from
OPENAI_API_KEY / OPENAI_BASE_URL (and friends). The preset defaults to @switchyard/preset-standard;
a plugins: section naming a first-party plugin the preset lacks (tag-routing, strategies, otel, ...)
loads it. Through npm, options go after --: npm start -- --config FILE.
A running gateway reloads its config file on SIGHUP, on POST /admin/reload, and with --watch
(or server.watchConfig: true) when the file changes. SIGTERM drains: /ready answers 503 at once,
connections are still accepted for server.drainDelayMs, then in-flight requests finish; SIGINT
(Ctrl-C) skips the delay. Then exit 0; a second signal exits at once with code 130.`;

const DEFAULT_PRESET = '@switchyard/preset-standard';
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
    throw new SwitchyardError(
      'SWITCHYARD_ERR_CONFIG_READ',
      `cannot load preset module "${specifier}": ${(err as Error).message}. Install it next to @switchyard/core.`,
    );
  }
  const factory = mod.default as (() => Preset) | undefined;
  if (typeof factory !== 'function')
    throw new SwitchyardError(
      'SWITCHYARD_ERR_CONFIG_READ',
      `preset module "${specifier}" has no default export returning a preset`,
    );
  const configFromEnv = mod.configFromEnv as PresetModule['configFromEnv'];
  return configFromEnv ? { preset: factory(), configFromEnv } : { preset: factory() };
}

function describe(gateway: Gateway): string[] {
  // A plugin may set an instance's served models (Azure OpenAI's deployments, discovery) over its configured list.
  const routes = gateway.contract(MODEL_ROUTES);
  const served = (i: Gateway['instances'][number]) => routes?.served(i.name) ?? i.models;
  const lines = gateway.instances.map(
    (i) =>
      `provider ${i.name} (${i.type}) ${maskUrl(i.baseUrl)} models: ${served(i)?.join(', ') ?? `by name prefix (${gateway.providers.get(i.type)?.modelPrefixes?.join(' ') ?? 'none'})`}`,
  );
  for (const alias of routes?.aliases ?? []) lines.push(`alias ${alias.name} → ${alias.targets.join(', ')}`);
  return lines;
}

async function start(values: {
  config?: string;
  port?: string;
  host?: string;
  preset: string;
  watch?: boolean;
}): Promise<void> {
  const presetModule = await loadPreset(values.preset);
  const { preset } = presetModule;
  const file = values.config ?? DEFAULT_FILES.find((f) => existsSync(f));
  const { config, plugins, registered, notes } = await startingConfig(file, presetModule);
  const reloadFrom = file ? () => reloadInput(file, preset) : undefined;
  const gateway = await createGateway({
    config,
    presets: [preset],
    plugins,
    ...(file ? { source: file, reloadFrom } : {}),
  }).catch((err: unknown) => {
    throw withKnownPlugins(err, registered);
  });
  const log = gateway.logger;
  for (const note of notes) log.info(note);
  const address = await gateway.listen({
    ...(values.port !== undefined ? { port: parsePort(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
  });
  for (const line of describe(gateway)) log.info(line);
  log.info(`Switchyard listening on ${address.url} (preset ${preset.name})`);
  const lifecycle = new Lifecycle(gateway, file, npmScriptCommand(process.env));
  process.on('SIGHUP', () => lifecycle.reload('SIGHUP'));
  if (file && (values.watch || gateway.config.server.watchConfig)) lifecycle.watch(resolve(file));
  process.on('SIGTERM', () => lifecycle.stop('SIGTERM'));
  process.on('SIGINT', () => lifecycle.stop('SIGINT'));
}

/** What start builds the gateway from, and the lines it logs about where that came from. */
interface StartingConfig extends ConfigFile {
  notes: string[];
}

/** The config file's contents; without a file, the preset's config from the environment (if it builds one). */
async function startingConfig(
  file: string | undefined,
  { preset, configFromEnv }: PresetModule,
): Promise<StartingConfig> {
  if (file) {
    const { config, plugins, registered } = await readConfigFile(file, preset);
    return { config, plugins, registered, notes: [`config loaded from ${file}`] };
  }
  if (!configFromEnv) return { config: {}, plugins: [], registered: new Set(), notes: [] };
  const fromEnv = configFromEnv(process.env);
  return {
    config: fromEnv.config,
    plugins: [],
    registered: new Set(),
    notes: ['no config file: using the embedded default built from the environment', ...fromEnv.notes],
  };
}

/** A started gateway's reloads (SIGHUP, a watched file) and its shutdown (SIGTERM, SIGINT). */
class Lifecycle {
  readonly #gateway: Gateway;
  readonly #file: string | undefined;
  readonly #log: Logger;
  #stopping = false;
  #stopped = false;
  #stopWatching: (() => void) | undefined;
  /** The signal that started the stop. */
  #stopSignal: string | undefined;
  /** Under `npm start`, a Ctrl-C's SIGINT comes twice (the terminal's, npm's copy): the first repeat is that copy. */
  #forwardedCopy: boolean;

  constructor(gateway: Gateway, file: string | undefined, underNpm: boolean) {
    this.#gateway = gateway;
    this.#file = file;
    this.#log = gateway.logger;
    this.#forwardedCopy = underNpm;
  }

  /** Reloads whenever the file at `path` changes, until the gateway stops. */
  watch(path: string): void {
    this.#stopWatching = watchFile(path, () => this.reload('config file changed'));
  }

  /** Reloads the configuration, unless the gateway is shutting down. */
  reload(why: string): void {
    const log = this.#log;
    if (this.#stopping) return void log.warn(`${why}: ignored, the gateway is shutting down`);
    log.info(`${why}: reloading ${this.#file ?? 'the configuration'}`);
    const gateway = this.#gateway;
    gateway.reload().then(
      (result) => {
        if (result.ok) for (const line of describe(gateway.current)) log.info(line);
      },
      (err: unknown) => log.error({ err }, 'config reload failed unexpectedly'),
    );
  }

  /** Drains and stops the gateway, then exits; a second signal while it drains exits at once. */
  stop(signal: string): void {
    const log = this.#log;
    // Stopped already, writing its last log lines: nothing is left to cut.
    if (this.#stopped) return;
    if (this.#stopping && signal === 'SIGINT' && this.#stopSignal === 'SIGINT' && this.#forwardedCopy) {
      this.#forwardedCopy = false;
      return void log.info('SIGINT again, as npm passes Ctrl-C on: still draining (Ctrl-C once more exits at once)');
    }
    if (this.#stopping) {
      log.warn(`${signal} again: exiting now (code 130)`);
      process.exit(130);
    }
    this.#stopping = true;
    this.#stopSignal = signal;
    this.#stopWatching?.();
    const { shutdownGraceMs, drainDelayMs } = this.#gateway.current.config.server;
    // An orchestrator's SIGTERM waits for load balancers to see /ready fail; Ctrl-C (SIGINT) does not.
    const delay = signal === 'SIGINT' ? 0 : drainDelayMs;
    log.info(
      `${signal}: draining: /ready answers 503${delay ? `, new connections are still accepted for ${delay} ms (server.drainDelayMs)` : ''}, ` +
        `then in-flight requests finish (up to ${shutdownGraceMs} ms) and the gateway stops`,
    );
    // The log is written asynchronously: every line leaves before the process exits.
    const exit = (code: number): Promise<never> => flushLogger(log).then(() => process.exit(code));
    this.#gateway.close({ drainDelayMs: delay }).then(
      () => {
        this.#stopped = true;
        log.info('stopped');
        return exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        return exit(1);
      },
    );
  }
}

/** The config file and the plugins it brings, as a reload reads them. */
async function reloadInput(file: string, preset: Preset): Promise<ReloadInput> {
  const { config, plugins } = await readConfigFile(file, preset);
  return { config, plugins, source: file };
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
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be an integer from 0 to 65535, got "${value}"`);
  return port;
}

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
      preset: { type: 'string' },
      watch: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, file] = positionals;
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const swallowed = npmSwallowed(values, positionals, process.env);
  if (swallowed) throw new UsageError(swallowed);
  const stray = strayArguments(values, positionals);
  if (stray) throw new UsageError(stray);
  if (command === 'start') {
    await start({ ...values, preset: values.preset ?? DEFAULT_PRESET });
    return -1;
  }
  if (command === 'keys' && sub === 'hash') return hashKey(file);
  if (command === 'config' && (sub === 'validate' || sub === 'show'))
    return checkConfig(sub, file, values.preset ?? DEFAULT_PRESET);
  throw new UsageError(`unknown command "${[command, sub].filter(Boolean).join(' ')}"`);
}

/** `switchyard keys hash`: prints the key's hash, as auth's keyHash takes it. */
async function hashKey(arg: string | undefined): Promise<number> {
  const key = arg ?? (await readStdin()).replace(/\r?\n$/, '');
  if (!key) throw new UsageError('switchyard keys hash needs a KEY argument or the key on stdin');
  console.log(`sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`);
  return 0;
}

/** `switchyard config validate|show`: builds the gateway the file describes, then says it is valid or prints it filled in. */
async function checkConfig(
  sub: 'validate' | 'show',
  file: string | undefined,
  presetSpecifier: string,
): Promise<number> {
  if (!file) throw new UsageError(`switchyard config ${sub} needs a FILE`);
  const { preset } = await loadPreset(presetSpecifier);
  const { config, plugins, registered } = await readConfigFile(file, preset);
  // Building the gateway checks the core sections, every plugin's section and the provider types at once, and fills defaults.
  const gateway = await createGateway({
    config,
    presets: [preset],
    plugins,
    source: file,
    logger: createLogger({ level: 'silent' }),
  }).catch((err: unknown) => {
    throw withKnownPlugins(err, registered);
  });
  await gateway.close();
  if (sub === 'show') {
    const { stringify: toYaml } = await import('yaml');
    process.stdout.write(toYaml(maskSecrets({ ...gateway.config, plugins: gateway.pluginOptions() })));
    return 0;
  }
  const loaded = plugins.map((p) => p.name);
  console.log(
    `${file}: valid (${gateway.config.providers.length} providers, ${gateway.contract(MODEL_ROUTES)?.aliases.length ?? 0} aliases, preset ${preset.name}${loaded.length ? `, plugins ${loaded.join(', ')}` : ''})`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof UsageError || String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) {
      console.error(`switchyard: ${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(
      maskText(
        `switchyard: ${err instanceof SwitchyardError ? `${err.message} [${err.code}]` : ((err as Error).stack ?? String(err))}`,
      ),
    );
    process.exit(1);
  },
);
