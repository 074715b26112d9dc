import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openReasoning, reasoningBlock, responsesToCanonical, sealReasoning } from '@switchyard/wire-openai-responses';
import type { ResponsesReasoningItem, ResponsesRequest } from '@switchyard/wire-openai-responses';

const fixture = (name: string): Array<{ body: ResponsesRequest }> =>
  JSON.parse(readFileSync(new URL(`../../fixtures/clients/${name}.json`, import.meta.url), 'utf8'));

describe('Responses request → canonical', () => {
  it('takes Codex’s whole first request: developer messages as system, custom tools as functions, the rest named', () => {
    const body = fixture('codex.turn')[0]!.body;
    const { request, warnings, requires } = responsesToCanonical(body);
    expect(request.messages.map((m) => m.role)).toEqual(['system', 'system', 'user', 'user']);
    expect(request.messages[3]!.content).toBe('Say hello');
    expect(request).toMatchObject({
      model: 'gpt-5.5',
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: 'medium',
      tool_choice: 'auto',
      parallel_tool_calls: true,
      prompt_cache_key: body.prompt_cache_key,
    });
    const tools = request.tools!.map((t) => t.function.name);
    expect(tools).toEqual([
      'exec_command',
      'write_stdin',
      'request_user_input',
      'apply_patch',
      'view_image',
      'get_goal',
      'create_goal',
      'update_goal',
    ]);
    // The freeform apply_patch tool takes its raw text as one string.
    expect(request.tools![3]!.function.parameters).toMatchObject({
      type: 'object',
      properties: { input: { type: 'string' } },
      required: ['input'],
    });
    expect(warnings).toEqual([
      'tool_search tool dropped (only an OpenAI Responses upstream takes it)',
      'text.verbosity low dropped (no equivalent upstream)',
    ]);
    expect(requires).toEqual([]);
    for (const key of ['store', 'include', 'client_metadata', 'input', 'text', 'reasoning'])
      expect(request).not.toHaveProperty(key);
  });

  it('turns Codex’s tool round trip into an assistant turn (its reasoning kept whole, the call) and a tool message', () => {
    const body = fixture('codex.shell-tool')[1]!.body;
    const { request } = responsesToCanonical(body);
    const [assistant, tool] = request.messages.slice(-2);
    const reasoning = (body.input as Array<{ type: string }>).find(
      (i) => i.type === 'reasoning',
    ) as ResponsesReasoningItem;
    expect(assistant).toMatchObject({
      role: 'assistant',
      content: null,
      reasoning_blocks: [
        { type: 'encrypted_reasoning', source: 'openai', id: reasoning.id, signature: reasoning.encrypted_content },
      ],
      tool_calls: [
        { type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"echo switchyard-shell-ok"}' } },
      ],
    });
    expect(tool).toMatchObject({
      role: 'tool',
      tool_call_id: (assistant as { tool_calls: Array<{ id: string }> }).tool_calls[0]!.id,
    });
    expect(String(tool!.content)).toContain('switchyard-shell-ok');
  });

  it('takes the Agents SDK’s and the AI SDK’s requests as they are', () => {
    const agents = responsesToCanonical(fixture('agents.function-tool')[1]!.body);
    expect(agents.request.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(agents.request).toMatchObject({
      reasoning_effort: 'none',
      tools: [{ function: { name: 'get_weather', strict: true } }],
    });
    const ai = responsesToCanonical(fixture('ai-sdk.openai.tool')[1]!.body);
    expect(ai.request.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(ai.warnings).toEqual([]);
  });

  it('carries instructions, images, files, sampling, output limits and structured output', () => {
    const { request, warnings } = responsesToCanonical({
      model: 'm',
      instructions: 'Be brief.',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Look' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
            { type: 'input_file', file_data: 'data:application/pdf;base64,BBBB', filename: 'a.pdf' },
          ],
        },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Seen.' }] },
        { role: 'user', content: 'Now JSON.' },
      ],
      max_output_tokens: 500,
      temperature: 0.2,
      top_p: 0.9,
      user: 'u-1',
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      truncation: 'auto',
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,BBBB', filename: 'a.pdf' } },
        ],
      },
      { role: 'assistant', content: 'Seen.' },
      { role: 'user', content: 'Now JSON.' },
    ]);
    expect(request).toMatchObject({
      max_completion_tokens: 500,
      temperature: 0.2,
      top_p: 0.9,
      user: 'u-1',
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
    });
    expect(warnings).toEqual(['truncation auto dropped (the input must fit the target model as sent)']);
  });

  it('drops a hosted tool the model may skip with a warning, and names one tool_choice requires', () => {
    const fn = { type: 'function', name: 'f', parameters: { type: 'object', properties: {} } };
    const fileSearch = { type: 'file_search', vector_store_ids: ['vs_test'] };
    const optional = responsesToCanonical({ model: 'm', input: 'x', tools: [fileSearch, fn] });
    expect(optional.warnings).toEqual(['file_search tool dropped (only an OpenAI Responses upstream takes it)']);
    expect(optional.requires).toEqual([]);
    // Web search is asked of the upstream's own search instead (web_search_options).
    const search = responsesToCanonical({
      model: 'm',
      input: 'x',
      tools: [{ type: 'web_search', search_context_size: 'low', filters: { allowed_domains: ['example.com'] } }, fn],
    });
    expect(search.request.web_search_options).toEqual({ search_context_size: 'low' });
    expect(search.warnings).toEqual(["web_search tool: filters dropped (the upstream's own search has no equivalent)"]);
    expect(
      responsesToCanonical({
        model: 'm',
        input: 'x',
        tools: [{ type: 'web_search' }, fn],
        tool_choice: { type: 'web_search' },
      }).requires,
    ).toEqual(['tool_choice requires the hosted tool web_search']);
    expect(
      responsesToCanonical({
        model: 'm',
        input: 'x',
        tools: [{ type: 'file_search', vector_store_ids: ['vs'] }],
        tool_choice: 'required',
      }).requires,
    ).toEqual(['tool_choice required, and only hosted tools (file_search) are offered']);
    expect(responsesToCanonical({ model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] }).requires).toEqual([
      'input item_reference msg_1 is not stored by the gateway',
    ]);
    expect(responsesToCanonical({ model: 'm', input: 'x', prompt: { id: 'pmpt_1' } }).requires).toEqual([
      'a stored prompt template (`prompt`) is only known to OpenAI',
    ]);
  });

  it('narrows tools to allowed_tools and keeps its mode', () => {
    const tool = (name: string) => ({ type: 'function', name, parameters: { type: 'object', properties: {} } });
    const { request } = responsesToCanonical({
      model: 'm',
      input: 'x',
      tools: [tool('a'), tool('b')],
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'b' }] },
    });
    expect(request.tools!.map((t) => t.function.name)).toEqual(['b']);
    expect(request.tool_choice).toBe('required');
  });

  it('reads reasoning items: a sealed block comes back exactly, OpenAI’s content is kept opaque, a bare item is dropped with a warning', () => {
    const thinking = { type: 'thinking' as const, text: 'Let me think.', signature: 'c2ln', source: 'anthropic' };
    const sealed = sealReasoning(thinking);
    expect(sealed.startsWith('swy1_')).toBe(true);
    expect(openReasoning(sealed)).toEqual(thinking);
    expect(reasoningBlock({ id: 'rs_1', type: 'reasoning', summary: [], encrypted_content: sealed })).toEqual(thinking);
    expect(
      reasoningBlock({
        id: 'rs_2',
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'S' }],
        encrypted_content: 'gAAAAxyz',
      }),
    ).toEqual({ type: 'encrypted_reasoning', id: 'rs_2', text: 'S', signature: 'gAAAAxyz', source: 'openai' });
    expect(openReasoning('gAAAAxyz')).toBeUndefined();
    const { request, warnings } = responsesToCanonical({
      model: 'm',
      input: [
        { role: 'user', content: 'q' },
        { type: 'reasoning', id: 'rs_3', summary: [] },
        { role: 'assistant', content: 'a' },
      ],
    });
    expect(request.messages[1]).toEqual({ role: 'assistant', content: 'a' });
    expect(warnings[0]).toMatch(/^reasoning items without encrypted_content dropped/);
  });

  it('turns custom tool calls and outputs into function calls and tool messages', () => {
    const { request } = responsesToCanonical({
      model: 'm',
      tools: [
        {
          type: 'custom',
          name: 'apply_patch',
          description: 'Patch files.',
          format: { type: 'grammar', syntax: 'lark', definition: 'start: /.+/' },
        },
      ],
      input: [
        { role: 'user', content: 'patch it' },
        { type: 'custom_tool_call', call_id: 'call_1', name: 'apply_patch', input: '*** Begin Patch' },
        { type: 'custom_tool_call_output', call_id: 'call_1', output: 'Done' },
      ],
    });
    expect(request.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'Done' },
    ]);
  });
});
