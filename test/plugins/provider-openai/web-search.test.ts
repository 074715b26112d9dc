import { describe, expect, it } from 'vitest';
import { chatToResponses, searchCallsOfOutput } from '@switchyard/wire-openai-responses';

describe('searchCallsOfOutput: a Responses answer’s searches as web_search_calls', () => {
  it('one search per search action (query, else the first of queries), the cited pages titled and the rest under the first', () => {
    const output = [
      {
        type: 'web_search_call',
        status: 'completed',
        action: { type: 'search', query: 'a', sources: [{ type: 'url', url: 'https://a.example/' }] },
      },
      { type: 'web_search_call', status: 'completed', action: { type: 'open_page', url: 'https://a.example/' } },
      { type: 'web_search_call', status: 'completed', action: { type: 'search', queries: ['b', 'c'] } },
      {
        type: 'message',
        content: [
          {
            type: 'output_text',
            text: 'x',
            annotations: [
              { type: 'url_citation', url: 'https://a.example/', title: 'A' },
              { type: 'url_citation', url: 'https://d.example/', title: 'D' },
              { type: 'url_citation', url: 'https://d.example/', title: 'D again' },
            ],
          },
        ],
      },
    ];
    expect(searchCallsOfOutput(output)).toEqual([
      {
        query: 'a',
        results: [
          { url: 'https://a.example/', title: 'A' },
          { url: 'https://d.example/', title: 'D' },
        ],
      },
      { query: 'b', results: [] },
    ]);
  });

  it('citations without a search call are one search of no query; nothing searched or cited is none', () => {
    const cited = [
      {
        type: 'message',
        content: [{ type: 'output_text', annotations: [{ type: 'url_citation', url: 'https://e.example/' }] }],
      },
    ];
    expect(searchCallsOfOutput(cited)).toEqual([
      { query: '', results: [{ url: 'https://e.example/', title: 'https://e.example/' }] },
    ]);
    expect(searchCallsOfOutput([{ type: 'message', content: [{ type: 'output_text', annotations: [] }] }])).toEqual([]);
    expect(searchCallsOfOutput(undefined)).toEqual([]);
  });
});

describe('chatToResponses: a converted request for the Responses API', () => {
  it('carries messages, tools, the search and limits; names what it drops', () => {
    const warnings: string[] = [];
    const body = chatToResponses(
      {
        model: 'alias',
        messages: [
          { role: 'system', content: 'be brief' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'hi' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } },
              { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBE' } },
              { type: 'input_audio', input_audio: { data: '', format: 'wav' } },
            ],
          },
          {
            role: 'assistant',
            content: 'calling',
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'done' }] },
        ],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
        tool_choice: { type: 'function', function: { name: 'f' } },
        max_tokens: 100,
        temperature: 0.5,
        stop: ['x'],
        response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object' } } },
        web_search_options: {
          search_context_size: 'low',
          user_location: { type: 'approximate', approximate: { city: 'Oslo' } },
        },
        stream: true,
      },
      'gpt-4o-mini',
      (m) => warnings.push(m),
    );
    expect(body).toEqual({
      model: 'gpt-4o-mini',
      store: false,
      stream: true,
      input: [
        { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'be brief' }] },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'hi' },
            { type: 'input_image', image_url: 'data:image/png;base64,AA==', detail: 'auto' },
            { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBE' },
          ],
        },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'calling', annotations: [] }] },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'done' },
      ],
      tools: [
        { type: 'function', name: 'f', parameters: { type: 'object' } },
        { type: 'web_search', search_context_size: 'low', user_location: { type: 'approximate', city: 'Oslo' } },
      ],
      include: ['web_search_call.action.sources'],
      tool_choice: { type: 'function', name: 'f' },
      max_output_tokens: 100,
      temperature: 0.5,
      text: { format: { type: 'json_schema', name: 'n', schema: { type: 'object' } } },
    });
    expect(warnings).toEqual([
      'a input_audio part dropped (not carried to the Responses API)',
      'stop dropped (the Responses API has no such field)',
    ]);
  });
});
