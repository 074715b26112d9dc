/**
 * Objects of the upstream account a request names by id: files, vector stores, custom skills.
 * Every gateway key shares each upstream instance's account, and the gateway serves no files API,
 * so such objects are made outside the gateway: a key naming one by id could read another
 * tenant's data (as input no body shows). A key names only those its `accountObjects` lists.
 */

/** An object of the upstream account a request names: its id, and the field naming it. */
export interface AccountObject {
  readonly id: string;
  readonly field: string;
}

const MAX_DEPTH = 64;

/** What a walk found so far: an array only once something is found (the walk runs on every keyed request). */
type Found = AccountObject[] | undefined;

const NONE: readonly AccountObject[] = Object.freeze([]);

/**
 * The account objects a body names, in order: every `file_id` in the prompt (a Chat `file` part,
 * a Responses `input_file` or `input_image`, an Anthropic `image`/`document` with a `file` source
 * or a `container_upload`, also inside tool results), a Chat assistant message's earlier audio
 * answer (`audio.id`), a tool's `vector_store_ids` (Responses
 * `file_search`) and `file_ids` (its `container`, Responses `code_interpreter`), and Anthropic's
 * custom skills (`container.skills` of `type: "custom"`).
 */
export function accountObjectsOf(body: Record<string, unknown>): readonly AccountObject[] {
  let found = collect(body.messages, 0, undefined);
  found = collect(body.input, 0, found);
  found = collect(body.system, 0, found);
  found = collect(body.instructions, 0, found);
  if (Array.isArray(body.tools))
    for (const tool of body.tools as unknown[]) {
      if (typeof tool !== 'object' || tool === null) continue;
      const { vector_store_ids: stores, container } = tool as { vector_store_ids?: unknown; container?: unknown };
      found = ids(stores, 'tools.vector_store_ids', found);
      found = ids(
        (container as { file_ids?: unknown } | null | undefined)?.file_ids,
        'tools.container.file_ids',
        found,
      );
    }
  const skills = (body.container as { skills?: unknown } | null | undefined)?.skills;
  if (Array.isArray(skills))
    for (const skill of skills as Array<{ type?: unknown; skill_id?: unknown } | null>)
      if (skill?.type === 'custom' && typeof skill.skill_id === 'string')
        (found ??= []).push({ id: skill.skill_id, field: 'container.skills.skill_id' });
  return found ?? NONE;
}

/** `found` with the file ids and earlier audio answers named anywhere in `value` (index loops: no iterator per array). */
function collect(value: unknown, depth: number, found: Found): Found {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return found;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) found = collect(value[i], depth + 1, found);
    return found;
  }
  const node = value as Record<string, unknown>;
  if (typeof node.file_id === 'string') (found ??= []).push({ id: node.file_id, field: 'file_id' });
  const audio = node.role === 'assistant' ? (node.audio as { id?: unknown } | null | undefined) : undefined;
  if (typeof audio?.id === 'string') (found ??= []).push({ id: audio.id, field: 'messages.audio.id' });
  for (const key in node) {
    const item = node[key];
    if (item !== null && typeof item === 'object') found = collect(item, depth + 1, found);
  }
  return found;
}

function ids(list: unknown, field: string, found: Found): Found {
  if (!Array.isArray(list)) return found;
  for (const id of list) if (typeof id === 'string') (found ??= []).push({ id, field });
  return found;
}

/** The first account object a body names that a key may not: `allowed` holds the ids it may (`*`: any). */
export function firstForeign(allowed: ReadonlySet<string>, body: Record<string, unknown>): AccountObject | undefined {
  if (allowed.has('*')) return undefined;
  return accountObjectsOf(body).find((o) => !allowed.has(o.id));
}
