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

/**
 * The account objects a body names, in order: every `file_id` in the prompt (a Chat `file` part,
 * a Responses `input_file` or `input_image`, an Anthropic `image`/`document` with a `file` source
 * or a `container_upload`, also inside tool results), a Chat assistant message's earlier audio
 * answer (`audio.id`), a tool's `vector_store_ids` (Responses
 * `file_search`) and `file_ids` (its `container`, Responses `code_interpreter`), and Anthropic's
 * custom skills (`container.skills` of `type: "custom"`).
 */
export function accountObjectsOf(body: Record<string, unknown>): AccountObject[] {
  const found: AccountObject[] = [];
  const walk = (value: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
      return;
    }
    const node = value as Record<string, unknown>;
    if (typeof node.file_id === 'string') found.push({ id: node.file_id, field: 'file_id' });
    const audio = node.role === 'assistant' ? (node.audio as { id?: unknown } | null | undefined) : undefined;
    if (typeof audio?.id === 'string') found.push({ id: audio.id, field: 'messages.audio.id' });
    for (const key in node) {
      const item = node[key];
      if (item !== null && typeof item === 'object') walk(item, depth + 1);
    }
  };
  walk(body.messages, 0);
  walk(body.input, 0);
  walk(body.system, 0);
  walk(body.instructions, 0);
  if (Array.isArray(body.tools))
    for (const tool of body.tools as unknown[]) {
      if (typeof tool !== 'object' || tool === null) continue;
      const { vector_store_ids: stores, container } = tool as { vector_store_ids?: unknown; container?: unknown };
      ids(stores, 'tools.vector_store_ids', found);
      ids((container as { file_ids?: unknown } | null | undefined)?.file_ids, 'tools.container.file_ids', found);
    }
  const skills = (body.container as { skills?: unknown } | null | undefined)?.skills;
  if (Array.isArray(skills))
    for (const skill of skills as Array<{ type?: unknown; skill_id?: unknown } | null>)
      if (skill?.type === 'custom' && typeof skill.skill_id === 'string')
        found.push({ id: skill.skill_id, field: 'container.skills.skill_id' });
  return found;
}

function ids(list: unknown, field: string, found: AccountObject[]): void {
  if (!Array.isArray(list)) return;
  for (const id of list) if (typeof id === 'string') found.push({ id, field });
}

/** The first account object a body names that a key may not: `allowed` holds the ids it may (`*`: any). */
export function firstForeign(allowed: ReadonlySet<string>, body: Record<string, unknown>): AccountObject | undefined {
  if (allowed.has('*')) return undefined;
  return accountObjectsOf(body).find((o) => !allowed.has(o.id));
}
