/**
 * What a request body lets an upstream read as input beyond the body's own text: hosted tools whose
 * results it reads, documents it fetches by reference. Budgets reserve such input up to the context
 * window, and rate limits count it so, from these same readings.
 */

/** A tool of a request body, as far as these checks read it. */
export type BodyTool = { type?: unknown; environment?: { type?: unknown } | null } | null;

/** Hosted tools whose results the upstream reads as input: web fetches and searches, MCP, retrieval, code runs. */
const READS_RESULTS = /^(?:web_(?:fetch_|search)|mcp$|file_search$|code_interpreter$|code_execution|advisor_)/;

/**
 * Whether a request offers tools whose results the upstream reads as input: Anthropic `web_fetch_*`,
 * `web_search_*`, `code_execution_*`, `advisor_*` (its model reads the whole transcript at each
 * call, as many calls as the answer makes: usage.iterations) and `mcp_servers`, Responses `web_search*`, `mcp`, `file_search`,
 * `code_interpreter` and a hosted `shell`, a Chat `web_search_options`, Azure On Your Data `data_sources`.
 */
export function readsToolResults(body: Record<string, unknown>): boolean {
  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0) return true;
  if (Array.isArray(body.data_sources) && body.data_sources.length > 0) return true;
  if (body.web_search_options !== undefined && body.web_search_options !== null) return true;
  if (!Array.isArray(body.tools)) return false;
  return (body.tools as BodyTool[]).some(
    (tool) => (typeof tool?.type === 'string' && READS_RESULTS.test(tool.type)) || hostedShell(tool),
  );
}

/**
 * Whether the upstream may compact the context server-side before it answers: Anthropic's
 * `context_management.edits` holding a `compact_*` edit (`compact_20260112`), or a `compaction`
 * entry of a `context_management` list. A compaction is a sampling of its own: the model reads the
 * whole prompt and writes a summary, then answers from it, all billed (usage.iterations), so the
 * prompt is read twice. Budgets and rate limits reserve the prompt and the output limit twice.
 */
export function compactsContext(body: Record<string, unknown>): boolean {
  const management = body.context_management as { edits?: unknown } | unknown[] | null | undefined;
  if (management === null || typeof management !== 'object') return false;
  const edits = Array.isArray(management) ? management : management.edits;
  return (
    Array.isArray(edits) &&
    edits.some((edit: { type?: unknown } | null) => typeof edit?.type === 'string' && /^compact/.test(edit.type))
  );
}

/** A Responses `shell` tool run in a container the upstream hosts (and bills), not by the caller. */
export function hostedShell(tool: BodyTool): boolean {
  const environment = tool?.environment?.type;
  return tool?.type === 'shell' && typeof environment === 'string' && environment.startsWith('container');
}

const MAX_DEPTH = 64;

/**
 * Media in the prompt that its text does not price:
 * - `audio`: audio input (a Chat or Responses `input_audio` part, an audio data URL, media type or
 *   file URL, a Chat assistant message's earlier audio answer by `audio.id`), billed per audio token at its own rate (gpt-4o audio input: 16 times text; Gemini: 3 times);
 * - `byReference`: a document or file given by URL or file id (Anthropic `document` with a `url` or
 *   `file` source, Responses `input_file` with `file_url` or `file_id`, a Chat `file` with
 *   `file_id` or an http(s) `file_data`), or an image part whose URL is a document's or a video's, or
 *   whose inline data is no image (a text file, a video: its bytes are not weighed as a file part's
 *   are), or a file part holding a video inline (billed by its length, not its bytes), which the
 *   upstream reads whole: a 500-page PDF is some 300,000 input tokens, an hour of video a million.
 */
export function promptMediaOf(body: Record<string, unknown>): PromptMedia {
  let seen = mediaSeen.get(body);
  if (!seen) {
    seen = walkPromptMedia(body);
    mediaSeen.set(body, seen);
  }
  return seen;
}

export interface PromptMedia {
  readonly audio: boolean;
  readonly byReference: boolean;
  readonly unknownKind: boolean;
}

/** promptMediaOf() per body: budgets and rate limits both ask, once each. */
const mediaSeen = new WeakMap<object, PromptMedia>();

function walkPromptMedia(body: Record<string, unknown>): PromptMedia {
  const seen = { audio: false, byReference: false, unknownKind: false };
  const walk = (value: unknown, depth: number): void => {
    if (typeof value === 'string') {
      if (value.startsWith('data:audio/')) seen.audio = true;
      return;
    }
    if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
      return;
    }
    const node = value as Record<string, unknown>;
    const media = mediaOf(node);
    if (media === 'audio') seen.audio = true;
    else if (media === 'reference') seen.byReference = true;
    else if (media === 'unknown') seen.unknownKind = true;
    for (const item of Object.values(node)) walk(item, depth + 1);
  };
  walk(body.messages, 0);
  walk(body.input, 0);
  walk(body.system, 0);
  walk(body.instructions, 0);
  return seen;
}

/** A URL's kind: audio, a document or video read by reference, an image's, or unknown (no telling extension). */
type UrlKind = 'audio' | 'reference' | 'image' | 'unknown';

/** What a content part puts in the prompt beyond its text: audio, input read by reference, a URL of unknown kind, or nothing. */
function mediaOf(node: Record<string, unknown>): UrlKind | undefined {
  if (node.type === 'input_audio') return 'audio';
  // A Chat assistant message naming an earlier audio answer by id: the upstream reads that audio.
  if (node.role === 'assistant' && typeof (node.audio as { id?: unknown } | null | undefined)?.id === 'string')
    return 'audio';
  if (typeof node.media_type === 'string' && node.media_type.startsWith('audio/')) return 'audio';
  const source = node.source as { type?: unknown; url?: unknown } | null | undefined;
  switch (node.type) {
    case 'document': {
      if (source?.type === 'url' || source?.type === 'file') return 'reference';
      const mediaType = (source as { media_type?: unknown } | null | undefined)?.media_type;
      return source?.type === 'base64' && typeof mediaType === 'string' && VIDEO.test(mediaType)
        ? 'reference'
        : undefined;
    }
    case 'input_file':
      return typeof node.file_id === 'string' ? 'reference' : (fileUrlOf(node.file_url) ?? fileUrlOf(node.file_data));
    case 'file': {
      const file = node.file as { file_id?: unknown; file_data?: unknown } | null | undefined;
      return typeof file?.file_id === 'string' ? 'reference' : fileUrlOf(file?.file_data);
    }
    // An image part may name a URL that is no image: Gemini reads a PDF, a video or audio by URL
    // (fileData), and a text file or a video given inline (inlineData of the type its data URL names).
    case 'image_url':
      return imageUrlOf((node.image_url as { url?: unknown } | null | undefined)?.url);
    case 'input_image':
      return imageUrlOf(node.image_url);
    case 'image':
      if (source?.type === 'url') return mediaUrlOf(source.url);
      return source?.type === 'base64' ? inlineKindOf((source as { media_type?: unknown }).media_type) : undefined;
    default:
      return undefined;
  }
}

/** Extensions of images, of documents and video an upstream may read by URL, and of audio. */
const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp|gif|heic|heif)$/i;
const DOCUMENT_EXTENSIONS = /\.(pdf|txt|html?|csv|md|mp4|mpe?g|mov|avi|webm|wmv|flv|3gp|mkv)$/i;
const AUDIO_EXTENSIONS = /\.(mp3|wav|aac|ogg|flac|aiff?|m4a|opus)$/i;
/** A video's media type (given inline, billed by its length: its bytes do not tell). */
const VIDEO = /^video\//i;
const VIDEO_HOSTS = /^(?:www\.|m\.)?(?:youtube\.com|youtu\.be)$/i;

/** An image part's URL: an http(s) URL's kind (mediaUrlOf), or a data URL's by its media type (inlineKindOf). */
function imageUrlOf(url: unknown): UrlKind | undefined {
  if (typeof url !== 'string') return undefined;
  if (!/^data:/i.test(url)) return mediaUrlOf(url);
  const type = /^data:([^;,]*)/i.exec(url)![1]!.toLowerCase();
  // A PDF's pages are counted (inlinePdfTokens).
  return type === 'application/pdf' ? undefined : inlineKindOf(type);
}

/**
 * What an image part given inline holds, by its media type: an image (undefined: reserved as one),
 * audio, or anything else (a text file, a video, a PDF in an Anthropic image block), which an
 * upstream that takes it (Gemini's inlineData) reads whole, like a document by reference.
 */
function inlineKindOf(mediaType: unknown): UrlKind | undefined {
  const type = typeof mediaType === 'string' ? mediaType.toLowerCase() : '';
  if (type.startsWith('image/')) return undefined;
  return type.startsWith('audio/') ? 'audio' : 'reference';
}

/**
 * A file's http(s) URL: audio by its extension, else a file read by reference. Given inline, its
 * bytes are weighed as text, but a video is billed by its length (Gemini: 263 tokens a second), which
 * they do not tell: read whole too.
 */
function fileUrlOf(url: unknown): 'audio' | 'reference' | undefined {
  if (typeof url === 'string' && /^data:video\//i.test(url)) return 'reference';
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return undefined;
  return mediaUrlOf(url) === 'audio' ? 'audio' : 'reference';
}

/**
 * An http(s) URL's kind: audio by its extension; a document or a video (by its extension, or a
 * YouTube host), read by reference; an image by its extension; else unknown.
 */
function mediaUrlOf(url: unknown): UrlKind | undefined {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return undefined;
  try {
    const { hostname, pathname } = new URL(url);
    if (AUDIO_EXTENSIONS.test(pathname)) return 'audio';
    if (VIDEO_HOSTS.test(hostname) || DOCUMENT_EXTENSIONS.test(pathname)) return 'reference';
    return IMAGE_EXTENSIONS.test(pathname) ? 'image' : 'unknown';
  } catch {
    return undefined;
  }
}
