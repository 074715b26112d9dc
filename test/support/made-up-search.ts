/**
 * An assistant turn as Switchyard answers an Anthropic caller whose web search another upstream
 * ran: `server_tool_use` + `web_search_tool_result` and a cited text, the encrypted fields empty
 * (only Anthropic makes them); and the text an Anthropic upstream gets for it instead.
 */
export const MADE_UP_SEARCH_URL = 'https://a.example/release';

export const madeUpSearchTurn = [
  { type: 'server_tool_use', id: 'srvtoolu_x_0', name: 'web_search', input: { query: 'release' } },
  {
    type: 'web_search_tool_result',
    tool_use_id: 'srvtoolu_x_0',
    content: [
      { type: 'web_search_result', url: MADE_UP_SEARCH_URL, title: 'Release', encrypted_content: '', page_age: null },
    ],
  },
  {
    type: 'text',
    text: 'It shipped.',
    citations: [
      {
        type: 'web_search_result_location',
        url: MADE_UP_SEARCH_URL,
        title: 'Release',
        cited_text: 'It shipped.',
        encrypted_index: '',
      },
    ],
  },
];

export const madeUpSearchAsText = [
  { type: 'text', text: '(searched the web for: release)' },
  { type: 'text', text: `(search results)\n- Release: ${MADE_UP_SEARCH_URL}` },
  { type: 'text', text: 'It shipped.' },
];
