import type { AnthropicMessagesRequest } from '@switchyard/wire-anthropic';

type Tools = NonNullable<AnthropicMessagesRequest['tools']>;

const isServerTool = (tool: Tools[number] | null | undefined): boolean =>
  !!tool && typeof tool.type === 'string' && tool.type !== 'custom';

/**
 * What in a Messages request only Anthropic upstreams can serve: server tools (web search, code
 * execution, tool search, computer use: any tool with a `type` other than `custom`, whose schema
 * and execution Anthropic owns) and `mcp_servers` (the API connects to them). Empty when none.
 */
export function anthropicOnlyFeatures(body: Partial<AnthropicMessagesRequest>): string[] {
  const features: string[] = [];
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    if (isServerTool(tool)) features.push(`server tool ${String(tool.name)} (${tool.type})`);
  }
  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length) features.push('mcp_servers');
  return features;
}

/**
 * Why the request cannot do without what only Anthropic upstreams serve, if it cannot: its
 * `tool_choice` names a tool that is not a custom one (a server tool, or one of an MCP server's),
 * or asks for any tool while only server and MCP tools are offered. Else undefined: the
 * conversion for another upstream may leave them out, each named in a warning.
 */
export function requiresAnthropicOnly(body: Partial<AnthropicMessagesRequest>): string | undefined {
  const choice = body.tool_choice;
  const tools: Tools = Array.isArray(body.tools) ? body.tools : [];
  const custom = tools.filter((tool) => tool && !isServerTool(tool));
  if (choice?.type === 'tool' && !custom.some((tool) => tool.name === choice.name))
    return `tool_choice requires ${String(choice.name)}, which is not a custom tool`;
  if (choice?.type === 'any' && custom.length === 0) return 'tool_choice any, and only server or MCP tools are offered';
  return undefined;
}
