import type { ConfigInput } from './config/load.js';
import type { SwitchyardConfig } from './config/schema.js';
import { SwitchyardError } from './errors.js';
import type { PluginEntry } from './plugin/plugin.js';

/** What a reload builds the next generation from. */
export interface ReloadInput {
  config: ConfigInput;
  /** Plugins beside the presets (e.g. the config file's `modules:`). @default the previous generation's */
  plugins?: readonly PluginEntry[];
  /** Where the config came from, for messages. @default the previous generation's */
  source?: string;
}

export interface ReloadResult {
  ok: boolean;
  /** The generation serving new requests after this reload (the old one when it failed). */
  generation: number;
  /** Every problem, `path: message`, when the reload failed. */
  problems?: string[];
}

export interface ReloadStats {
  ok: number;
  failed: number;
  last?: { at: string; ok: boolean; generation: number; problems?: string[] };
}

/** What to build the next generation from: `input` as given, else what `fallback` reads. */
export async function readReloadInput(input: ReloadInput | ConfigInput | undefined, fallback: () => Promise<ReloadInput>): Promise<ReloadInput> {
  if (input === undefined) return fallback();
  return isReloadInput(input) ? input : { config: input };
}

function isReloadInput(input: ReloadInput | ConfigInput): input is ReloadInput {
  return typeof input.config === 'object' && input.config !== null && Object.keys(input).every((k) => k === 'config' || k === 'plugins' || k === 'source');
}

/** The problem lines of whatever building a generation threw. */
export function generationProblems(err: unknown): string[] {
  if (err instanceof SwitchyardError && err.problems?.length) return [...err.problems];
  return [err instanceof Error ? err.message : String(err)];
}

/** Settings a running gateway keeps until it restarts: the listening socket, the store, the logger. */
export function restartOnlyChanges(before: SwitchyardConfig, after: SwitchyardConfig): string[] {
  const changed: string[] = [];
  if (before.server.host !== after.server.host) changed.push('server.host');
  if (before.server.port !== after.server.port) changed.push('server.port');
  for (const key of ['headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs', 'maxConnections'] as const) {
    if (before.server[key] !== after.server[key]) changed.push(`server.${key}`);
  }
  if (JSON.stringify(before.store) !== JSON.stringify(after.store)) changed.push('store');
  if (before.log.level !== after.log.level) changed.push('log.level');
  return changed.map((path) => `${path}: changed, takes effect on restart (kept as it was)`);
}
