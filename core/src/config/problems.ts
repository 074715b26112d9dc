import type { ErrorObject } from 'ajv';

/** `/providers/0/name` → `providers[0].name`. */
export function instancePathToField(instancePath: string, root = ''): string {
  let out = root;
  for (const segment of instancePath.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(key)) out += `[${key}]`;
    else out += out === '' ? key : `.${key}`;
  }
  return out;
}

/** Turns ajv errors into `path: message` lines, one per problem. */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined, root = ''): string[] {
  const lines: string[] = [];
  for (const e of errors ?? []) {
    let path = instancePathToField(e.instancePath, root);
    let message = e.message ?? 'is invalid';
    const join = (child: string): string => (path === '' ? child : `${path}.${child}`);
    if (e.keyword === 'required') {
      path = join(String(e.params.missingProperty));
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      path = join(String(e.params.additionalProperty));
      message = 'is not a known field';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (e.keyword === 'if') {
      continue;
    }
    const line = `${path === '' ? '(root)' : path}: ${message}`;
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}
