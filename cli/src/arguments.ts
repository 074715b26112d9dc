/** A command line the CLI refuses: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** The options each command takes (`--help` aside); anything else given to it is refused. */
const OPTIONS: Readonly<Record<string, readonly string[]>> = {
  start: ['config', 'port', 'host', 'preset', 'watch'],
  config: ['preset'],
  keys: [],
};
/** How many positionals each command takes at most, itself included. */
const POSITIONALS: Readonly<Record<string, number>> = { start: 1, config: 3, keys: 3 };
/** Options that take a value (the others are flags). */
const VALUED = new Set(['config', 'port', 'host', 'preset']);

/** Why the command line is refused: an argument or option its command does not take. Unknown commands are left to the caller. */
export function strayArguments(values: Record<string, unknown>, positionals: readonly string[]): string | undefined {
  const command = positionals[0]!;
  const allowed = OPTIONS[command];
  if (!allowed) return undefined;
  const extra = positionals.slice(POSITIONALS[command]!);
  if (extra.length)
    return `unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => `"${a}"`).join(' ')} for switchyard ${positionals.slice(0, command === 'start' ? 1 : 2).join(' ')}`;
  const refused = Object.keys(values).filter(
    (name) => name !== 'help' && values[name] !== undefined && !allowed.includes(name),
  );
  if (refused.length) return `switchyard ${command} takes no ${refused.map((name) => `--${name}`).join(', ')}`;
  return undefined;
}

/**
 * Run through an npm script (`npm start --config FILE`), npm takes the options written before
 * `--` for its own: it sets `npm_config_config` and leaves the value as a stray argument, so the
 * gateway would silently start without the file. The explanation, when that happened.
 */
export function npmSwallowed(
  values: Record<string, unknown>,
  positionals: readonly string[],
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (env.npm_lifecycle_event === undefined) return undefined;
  const taken = (OPTIONS[positionals[0]!] ?? []).filter(
    (name) => env[`npm_config_${name}`] !== undefined && values[name] === undefined,
  );
  if (taken.length === 0) return undefined;
  const left = positionals.slice(POSITIONALS[positionals[0]!] ?? 1);
  const valued = taken.filter((name) => VALUED.has(name));
  const shown = taken.map((name) => {
    if (!VALUED.has(name)) return `--${name}`;
    const own = env[`npm_config_${name}`];
    // `--config=FILE` leaves the value in npm's variable; `--config FILE` leaves it as an argument.
    const value =
      own !== undefined && own !== 'true' && own !== ''
        ? own
        : valued.length === 1 && left.length === 1
          ? left[0]!
          : name.toUpperCase();
    return `--${name} ${value}`;
  });
  const script = env.npm_lifecycle_event === 'start' ? 'npm start' : `npm run ${env.npm_lifecycle_event}`;
  return `npm took ${taken.map((name) => `--${name}`).join(', ')} for itself (npm's options go before "--", the gateway's after it): run ${script} -- ${shown.join(' ')}`;
}

/**
 * Whether this process is the command of the npm script running it (`npm start`: the script runs
 * `switchyard … start`). npm passes SIGINT and SIGTERM on to it, so a terminal's Ctrl-C, which
 * signals the whole foreground group, reaches the gateway twice: once itself, once through npm.
 */
export function npmScriptCommand(env: NodeJS.ProcessEnv): boolean {
  const script = env.npm_lifecycle_script;
  return script !== undefined && /\bswitchyard(?:\.js)?\s+start\b/.test(script);
}
