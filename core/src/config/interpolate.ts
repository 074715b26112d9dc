import { instancePathToField } from './problems.js';

const VARIABLE = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string value of a parsed config tree.
 * `$${VAR}` stays literal `${VAR}`. Returns a new tree and one problem per missing variable.
 */
export function interpolate(tree: unknown, env: NodeJS.ProcessEnv): { value: unknown; problems: string[] } {
  const problems: string[] = [];
  const walk = (node: unknown, pointer: string): unknown => {
    if (typeof node === 'string') {
      return node.replace(
        VARIABLE,
        (match, escaped: string | undefined, name: string, fallback: string | undefined) => {
          if (escaped) return match.slice(1);
          const value = env[name];
          if (value !== undefined && value !== '') return value;
          if (fallback !== undefined) return fallback;
          const path = instancePathToField(pointer) || '(root)';
          problems.push(`${path}: environment variable ${name} is not set`);
          return '';
        },
      );
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${pointer}/${i}`));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) out[key] = walk(value, `${pointer}/${key}`);
      return out;
    }
    return node;
  };
  return { value: walk(tree, ''), problems };
}
