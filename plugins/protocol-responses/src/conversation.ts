/**
 * A follow-up's input as the model must see it: a previous response's conversation in front of
 * the new items, item references and bare reasoning items replaced by the items the gateway kept.
 * Pure: the store is read by the caller, which hands the records in.
 */
import { inputItems } from '@switchyard/wire-openai-responses';
import type { ResponsesItem, ResponsesRequest } from '@switchyard/wire-openai-responses';
import type { StoredResponse } from './store.js';

/** The ids of items that name a kept item instead of carrying it: item references, and reasoning items without their content. */
export function referencedIds(items: readonly ResponsesItem[]): string[] {
  const ids: string[] = [];
  for (const item of items) {
    if (typeof item.id !== 'string') continue;
    if (item.type === 'item_reference' || (item.type === 'reasoning' && !item.encrypted_content)) ids.push(item.id);
  }
  return ids;
}

/** The previous conversation (its input, then its output), then the request's own items. */
export function continued(previous: StoredResponse, input: ResponsesRequest['input']): ResponsesItem[] {
  return [...previous.input, ...previous.response.output, ...inputItems(input)];
}

/** Items with references swapped for the kept items found (references not found stay as they are). */
export function resolved(items: readonly ResponsesItem[], found: ReadonlyMap<string, ResponsesItem>): ResponsesItem[] {
  return items.map((item) =>
    typeof item.id === 'string' && (item.type === 'item_reference' || item.type === 'reasoning')
      ? (found.get(item.id) ?? item)
      : item,
  );
}
