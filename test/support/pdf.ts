/**
 * A tiny PDF writer for tests: blank letter pages, written the classic way (every object in the
 * file, a cross-reference table) or the way PDF 1.5 writers do by default (the catalog, page tree
 * and pages packed in a FlateDecode object stream, a compressed cross-reference stream).
 */
import { deflateSync } from 'node:zlib';

export interface PdfOptions {
  /** Pack the objects in a compressed object stream (`/Type /ObjStm`) and a cross-reference stream. */
  readonly objectStreams?: boolean;
  /** Name an `/Encrypt` dictionary and scramble the object stream's bytes, as encryption leaves them to a reader without the key. */
  readonly encrypted?: boolean;
  /** Objects per page besides the page (padding the object stream: a PDF bomb's inflated size). */
  readonly padding?: number;
}

/** The objects of a PDF of `pages` blank pages: 1 the catalog, 2 the page tree, 3… the pages. */
function pageObjects(pages: number, padding: number): string[] {
  const kids = Array.from({ length: pages }, (_, i) => `${i + 3} 0 R`).join(' ');
  const pad = padding > 0 ? `/Padding (${' '.repeat(padding)})` : '';
  return [
    '<</Type /Catalog /Pages 2 0 R>>',
    `<</Type /Pages /Count ${pages} /Kids [${kids}]>>`,
    ...Array.from({ length: pages }, () => `<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]${pad}>>`),
  ];
}

/** A PDF of `pages` blank letter pages. */
export function writePdf(pages: number, options: PdfOptions = {}): Buffer {
  const objects = pageObjects(pages, options.padding ?? 0);
  return options.objectStreams ? packedPdf(objects, options.encrypted ?? false) : classicPdf(objects);
}

/** writePdf(), base64. */
export function pdfBase64(pages: number, options: PdfOptions = {}): string {
  return writePdf(pages, options).toString('base64');
}

function classicPdf(objects: string[]): Buffer {
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = pdf.length;
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const at of offsets) pdf += `${String(at).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<</Size ${objects.length + 1} /Root 1 0 R>>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

/** Objects 1…n in object stream n + 1, described by cross-reference stream n + 2. */
function packedPdf(objects: string[], encrypted: boolean): Buffer {
  const n = objects.length;
  let header = '';
  let body = '';
  objects.forEach((object, i) => {
    header += `${i + 1} ${body.length} `;
    body += `${object}\n`;
  });
  let packed = deflateSync(Buffer.from(header + body, 'latin1'));
  if (encrypted) packed = Buffer.from(packed.map((byte, i) => byte ^ ((0x5a + i) % 256)));
  const chunks: Buffer[] = [Buffer.from('%PDF-1.5\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const length = () => chunks.reduce((sum, c) => sum + c.length, 0);
  const stream = length();
  chunks.push(
    Buffer.from(
      `${n + 1} 0 obj\n<</Type /ObjStm /N ${n} /First ${header.length} /Filter /FlateDecode /Length ${packed.length}>>\nstream\n`,
      'latin1',
    ),
    packed,
    Buffer.from('\nendstream\nendobj\n', 'latin1'),
  );
  const xrefAt = length();
  // Entries of 1 + 4 + 2 bytes: type (0 free, 1 in the file, 2 in an object stream), field 2, field 3.
  const rows = [[0, 0, 65535], ...objects.map((_, i) => [2, n + 1, i]), [1, stream, 0], [1, xrefAt, 0]];
  const table = Buffer.alloc(rows.length * 7);
  rows.forEach(([type, field2, field3], i) => {
    table.writeUInt8(type!, i * 7);
    table.writeUInt32BE(field2!, i * 7 + 1);
    table.writeUInt16BE(field3!, i * 7 + 5);
  });
  const xref = deflateSync(table);
  const encrypt = encrypted ? ' /Encrypt <</Filter /Standard /V 2 /R 3 /Length 128 /P -4>>' : '';
  chunks.push(
    Buffer.from(
      `${n + 2} 0 obj\n<</Type /XRef /Size ${n + 3} /W [1 4 2] /Root 1 0 R${encrypt} /Filter /FlateDecode /Length ${xref.length}>>\nstream\n`,
      'latin1',
    ),
    xref,
    Buffer.from(`\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`, 'latin1'),
  );
  return Buffer.concat(chunks);
}

/** An Anthropic Messages body asking about a PDF given inline (`data`: its base64). */
export function documentAsk(data: string, model = 'm'): Record<string, unknown> {
  return {
    model,
    max_tokens: 100,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data } },
          { type: 'text', text: 'sum it up' },
        ],
      },
    ],
  };
}
