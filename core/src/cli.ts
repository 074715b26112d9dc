#!/usr/bin/env node
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify as toYaml } from 'yaml';
import { loadConfigFile } from './config/load.js';
import type { ConfigInput } from './config/load.js';
import { maskSecrets } from './config/mask.js';
import { SwitchyardError } from './errors.js';
import { createGateway } from './gateway.js';
import type { Gateway } from './gateway.js';
import { runStats, STATS_USAGE } from './cli-stats.js';
import { createLogger } from './logger.js';
import { loadPluginModules } from './plugin/modules.js';
import type { Preset } from './plugin/plugin.js';

const USAGE = `Usage:
  switchyard start [--config FILE] [--port N] [--host H] [--preset MODULE]
  switchyard config validate FILE [--preset MODULE]
  switchyard config show FILE
  switchyard keys hash [KEY]     (KEY from stdin when omitted; prints sha256:<hex> for auth keyHash)
${STATS_USAGE}
Without --config, start reads ./switchyard.config.yaml, else builds providers from
OPENAI_API_KEY / OPENAI_BASE_URL (and friends). The preset defaults to @switchyard/preset-standard.`;

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
  const lines = gateway.instances.map((i) => `provider ${i.name} (${i.type}) ${i.baseUrl} models: ${i.models?.join(', ') ?? `by name prefix (${gateway.providers.get(i.type)?.modelPrefixes?.join(' ') ?? 'none'})`}`);
  for (const alias of gateway.config.models) lines.push(`alias ${alias.name} → ${alias.targets.join(', ')}`);
  return lines;
}

async function start(values: { config?: string; port?: string; host?: string; preset: string }): Promise<void> {
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
  const gateway = await createGateway({ config, presets: [preset], plugins, ...(file ? { source: file } : {}) });
  const log = gateway.logger;
  for (const note of notes) log.info(note);
  const address = await gateway.listen({
    ...(values.port !== undefined ? { port: parsePort(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
  });
  for (const line of describe(gateway)) log.info(line);
  log.info(`Switchyard listening on ${address.url} (preset ${preset.name})`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: draining in-flight requests, then stopping`);
    gateway.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
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
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      preset: { type: 'string', default: '@switchyard/preset-standard' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, file] = positionals;
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command === 'start') {
    await start(values as { config?: string; port?: string; host?: string; preset: string });
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
    if (sub === 'show') {
      process.stdout.write(toYaml(maskSecrets(config)));
      return 0;
    }
    const { preset } = await loadPreset(values.preset!);
    const plugins = await loadPluginModules(config.modules, dirname(resolve(file)));
    const gateway = await createGateway({ config: config as ConfigInput, presets: [preset], plugins, source: file, logger: createLogger({ level: 'silent' }) });
    await gateway.close();
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
    console.error(`switchyard: ${err instanceof SwitchyardError ? `${err.message} [${err.code}]` : (err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
