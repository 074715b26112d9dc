import { SwitchyardError } from '@switchyard/core';
import { providerPlugin } from '@switchyard/wire-provider';
import type { ChatCompletion, ChatCompletionChunk, ChatMessage, Usage } from '@switchyard/core/protocol';
import type { Exchange, Plugin, UpstreamRequest } from '@switchyard/core';
import type { ProviderAdapter } from '@switchyard/core/provider';
import type { SseEvent } from '@switchyard/core/stream';

/** Acme Inference, an internal API: `POST {baseUrl}/v2/infer`, token in `x-acme-token`. */
interface AcmeTurn {
  who: 'system' | 'human' | 'bot';
  say: string;
}
interface AcmeEnd {
  stopped: 'done' | 'limit';
  meter: { read: number; wrote: number };
}

const WHO = { system: 'system', developer: 'system', user: 'human', assistant: 'bot' } as const;
const FINISH = { done: 'stop', limit: 'length' } as const;

function text(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => (part.type === 'text' ? String(part.text) : '')).join('');
}

function usage(end: AcmeEnd): Usage {
  return {
    prompt_tokens: end.meter.read,
    completion_tokens: end.meter.wrote,
    total_tokens: end.meter.read + end.meter.wrote,
  };
}

function chunk(model: string, delta: ChatCompletionChunk['choices'][0]['delta'], end?: AcmeEnd): ChatCompletionChunk {
  const choice = { index: 0, delta, finish_reason: end ? FINISH[end.stopped] : null };
  return {
    id: 'acme',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [choice],
    ...(end ? { usage: usage(end) } : {}),
  };
}

const adapter: ProviderAdapter = {
  protocol: 'acme',
  decodeResponse(body, x): ChatCompletion {
    const { result, meter } = body as { result: { say: string; stopped: AcmeEnd['stopped'] }; meter: AcmeEnd['meter'] };
    return {
      id: 'acme',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: x.target!.model,
      choices: [
        { index: 0, message: { role: 'assistant', content: result.say }, finish_reason: FINISH[result.stopped] },
      ],
      usage: usage({ stopped: result.stopped, meter }),
    };
  },
  async *decodeStream(events: AsyncIterable<SseEvent>, x): AsyncGenerator<ChatCompletionChunk> {
    const model = x.target!.model;
    yield chunk(model, { role: 'assistant', content: '' });
    for await (const event of events) {
      if (event.event === 'say') yield chunk(model, { content: (JSON.parse(event.data) as { say: string }).say });
      if (event.event === 'end') return yield chunk(model, {}, JSON.parse(event.data) as AcmeEnd);
    }
    throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'Acme stream ended without its end event', {
      expose: true,
    });
  },
};

/** Builds Acme's wire request from the canonical (OpenAI-shaped) one; names what it drops. */
function buildRequest(req: UpstreamRequest, x: Exchange): UpstreamRequest {
  const request = x.request!;
  const turns: AcmeTurn[] = request.messages.flatMap((m) =>
    m.role in WHO ? [{ who: WHO[m.role as keyof typeof WHO], say: text(m) }] : [],
  );
  if (turns.length < request.messages.length) x.warn('acme: tool messages are not supported and were dropped');
  if (request.tools?.length) x.warn('acme: tools are not supported and were dropped');
  req.url = `${x.target!.instance.baseUrl}/v2/infer`;
  req.headers = { 'content-type': 'application/json', 'x-acme-token': x.target!.instance.apiKey ?? '' };
  req.body = {
    engine: x.target!.model,
    turns,
    stream: req.stream,
    max_words: request.max_completion_tokens ?? request.max_tokens ?? undefined,
  };
  return req;
}

/** Provider type `acme`: a plugin teams can copy to put their own API behind Switchyard. */
export function acme(): Plugin<Record<string, never>> {
  return providerPlugin({ name: 'provider-acme', type: 'acme', adapter, build: buildRequest });
}

export default acme;
