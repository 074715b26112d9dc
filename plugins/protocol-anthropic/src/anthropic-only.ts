import type { AnthropicMessagesRequest } from '@switchyard/wire-anthropic';

/**
 * What in a Messages request only Anthropic upstreams can serve: server tools (web search, code
 * execution, tool search, computer use: any tool with a `type` other than `custom`, whose schema
 * and execution Anthropic owns) and `mcp_servers` (the API connects to them). Empty when none.
 */
export function anthropicOnlyFeatures(body: Partial<AnthropicMessagesRequest>): string[] {
  const features: string[] = [];
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    if (tool && typeof tool.type === 'string' && tool.type !== 'custom')
      features.push(`server tool ${String(tool.name)} (${tool.type})`);
  }
  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length) features.push('mcp_servers');
  return features;
}
