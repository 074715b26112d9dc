/**
 * A hole the eleventh rule-bypass pass closed: an image or file URL on the Gemini API's own host
 * (`https://generativelanguage.googleapis.com/v1beta/files/…`, a Files API file) was passed to a
 * Gemini upstream as `fileData`, which Gemini reads from the upstream account — the one every key
 * of the gateway shares, so a file another tenant uploaded (its data, read as input no budget saw
 * as such). The ninth pass dropped `gs://` URIs for the same reason; these are dropped now too,
 * with a warning, however the URL spells the host. The test failed before the fix (the URI sent).
 */
import { describe, expect, it } from 'vitest';
import { call } from '../support/rule-probes.js';
import { budgeted, geminiAt, k, startScriptedUpstream } from '../support/rule-probes-5.js';

/** Spellings of a Files API file of the upstream account, and of Vertex AI's host. */
const URIS = [
  'https://generativelanguage.googleapis.com/v1beta/files/payroll-2026',
  'HTTPS://GenerativeLanguage.GoogleAPIs.com/v1beta/files/payroll-2026',
  'https://generativelanguage.googleapis.com.:443/v1beta/files/payroll-2026',
  'https://caller@generativelanguage.googleapis.com/v1beta/files/payroll-2026?alt=media',
  'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/ragCorpora/1',
];

describe("a URL naming an object of the upstream account's Gemini API", () => {
  it('reaches no Gemini upstream, as an image or file part, from a Chat or a Messages caller', async () => {
    const up = await startScriptedUpstream(() => ({
      candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, totalTokenCount: 6 },
      modelVersion: 'gemini-2.5-flash',
    }));
    const { gw } = await budgeted({
      keys: [{ name: 'files11', key: k('files11') }],
      catalog: { 'gemini-2.5-flash': { contextWindow: 1_048_576 } },
      providers: [geminiAt(up.baseUrl, 'gemini-2.5-flash')],
    });
    try {
      let sent = 0;
      for (const uri of URIS) {
        const asks: Array<[string, object]> = [
          [
            '/v1/chat/completions',
            {
              model: 'gemini-2.5-flash',
              max_tokens: 10,
              messages: [
                {
                  role: 'user',
                  content: [
                    { type: 'text', text: 'read it' },
                    { type: 'image_url', image_url: { url: uri } },
                  ],
                },
              ],
            },
          ],
          [
            '/v1/chat/completions',
            {
              model: 'gemini-2.5-flash',
              max_tokens: 10,
              messages: [
                {
                  role: 'user',
                  content: [
                    { type: 'text', text: 'read it' },
                    { type: 'file', file: { file_data: uri } },
                  ],
                },
              ],
            },
          ],
          [
            '/v1/messages',
            {
              model: 'gemini-2.5-flash',
              max_tokens: 10,
              messages: [
                {
                  role: 'user',
                  content: [
                    { type: 'image', source: { type: 'url', url: uri } },
                    { type: 'text', text: 'read it' },
                  ],
                },
              ],
            },
          ],
        ];
        for (const [path, body] of asks) {
          const res = await call(`${gw.url}${path}`, k('files11'), body);
          // Was: the URI sent as fileData.fileUri.
          const named = JSON.stringify(up.received.at(-1)?.body).toLowerCase().includes('googleapis');
          expect({ uri, path, status: res.status, named }).toEqual({ uri, path, status: 200, named: false });
          expect(res.headers['x-switchyard-warnings']).toContain('dropped');
          sent++;
        }
      }
      expect(up.received).toHaveLength(sent);
      for (const { body } of up.received) expect(JSON.stringify(body).toLowerCase()).not.toContain('googleapis');
      // A URL on any other host is still Gemini's to fetch.
      const other = await call(`${gw.url}/v1/chat/completions`, k('files11'), {
        model: 'gemini-2.5-flash',
        max_tokens: 10,
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://img.example.test/cat.png' } }] },
        ],
      });
      expect(other.status).toBe(200);
      expect(up.received.at(-1)?.body.contents[0].parts).toContainEqual({
        fileData: { mimeType: 'image/png', fileUri: 'https://img.example.test/cat.png' },
      });
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
