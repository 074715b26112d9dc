import { deflateSync } from 'node:zlib';
import { pdfPages } from '@switchyard/plugin-models/contract';
import { describe, expect, it } from 'vitest';
import { pdfBase64, writePdf } from '../../support/pdf.js';

const base64 = (pdf: string | Buffer) =>
  (typeof pdf === 'string' ? Buffer.from(pdf, 'latin1') : pdf).toString('base64');

describe('pdfPages', () => {
  it('counts the pages of a classic PDF', () => {
    for (const pages of [1, 7, 300]) expect(pdfPages(pdfBase64(pages))).toBe(pages);
  });

  it('counts the pages of a PDF whose objects are packed in a compressed object stream', () => {
    // Was undefined (pages that cannot be counted): budgets reserved the whole context window.
    for (const pages of [1, 7, 300]) expect(pdfPages(pdfBase64(pages, { objectStreams: true }))).toBe(pages);
  });

  it('cannot count an encrypted or broken object stream, nor one past the inflate cap', () => {
    expect(pdfPages(pdfBase64(5, { objectStreams: true, encrypted: true }))).toBeUndefined();
    const broken = writePdf(5, { objectStreams: true });
    const data = broken.indexOf('stream\n') + 'stream\n'.length;
    broken.fill(0x41, data + 10, data + 30);
    expect(pdfPages(broken.toString('base64'))).toBeUndefined();
    // 100 pages of 200 KB each once inflated (20 MB, a few dozen KB deflated): past the cap.
    const bomb = writePdf(100, { objectStreams: true, padding: 200_000 });
    expect(bomb.length).toBeLessThan(200_000);
    expect(pdfPages(bomb.toString('base64'))).toBeUndefined();
  });

  it('an object stream read by its /N and /First, whatever its /Type says', () => {
    const pdf = writePdf(12, { objectStreams: true }).toString('latin1').replace('/Type /ObjStm', '/Kind /Other');
    expect(pdfPages(base64(Buffer.from(pdf, 'latin1')))).toBe(12);
  });

  it('finds an object stream whatever else its dictionary names, and a stream keyword with spaces after it', () => {
    const pdf = writePdf(6, { objectStreams: true })
      .toString('latin1')
      .replace('/Type /ObjStm ', '')
      .replace('/Filter /FlateDecode /Length', '/Kind /objects /Filter /FlateDecode /Length')
      .replace('>>\nstream\n', '>> stream  \r\n');
    expect(pdfPages(base64(pdf))).toBe(6);
  });

  it('reads names written with #xx escapes and tokens parted by comments, as a reader does', () => {
    const text = writePdf(9)
      .toString('latin1')
      .replace(/\/Type \/Page\b/g, '/Type %a comment\n/P#61ge')
      .replace('/Count 9', '/Co#75nt 1');
    expect(pdfPages(base64(text))).toBe(9);
  });

  it("takes the page tree root's /Count when it says more than the page objects found", () => {
    const header = '1 0 2 40 ';
    const objects = '<</Type /Catalog /Pages 2 0 R>>\n        <</Type /Pages /Count 250 /Kids []>>\n';
    const packed = deflateSync(header + objects);
    const pdf = Buffer.concat([
      Buffer.from(`%PDF-1.5\n3 0 obj\n<</Type /ObjStm /N 2 /First ${header.length} /Filter /FlateDecode>>\nstream\n`),
      packed,
      Buffer.from('\nendstream\nendobj\n%%EOF\n'),
    ]);
    expect(pdfPages(base64(pdf))).toBe(250);
  });

  it('walks the page tree: a page without its /Type under a /Count that says fewer is counted', () => {
    for (const objectStreams of [false, true]) {
      const untyped = writePdf(40, { objectStreams })
        .toString('latin1')
        .replace(/\/Type \/Page \/Parent/g, '/Parent')
        .replace('/Count 40', '/Count 1');
      expect({ objectStreams, pages: pdfPages(base64(untyped)) }).toEqual({ objectStreams, pages: 40 });
    }
    // Kids given by reference to an array object.
    const kids = Array.from({ length: 30 }, (_, i) => `${i + 4} 0 R`).join(' ');
    let pdf = '%PDF-1.4\n1 0 obj\n<</Type /Catalog /Pages 2 0 R>>\nendobj\n';
    pdf += `2 0 obj\n<</Type /Pages /Count 1 /Kids 3 0 R>>\nendobj\n3 0 obj\n[${kids}]\nendobj\n`;
    for (let i = 0; i < 30; i++) pdf += `${i + 4} 0 obj\n<</Parent 2 0 R>>\nendobj\n`;
    expect(pdfPages(base64(`${pdf}trailer\n<</Root 1 0 R>>\n%%EOF\n`))).toBe(30);
  });

  it('does not take an outline’s /Count for pages', () => {
    const text = writePdf(3)
      .toString('latin1')
      .replace('%PDF-1.4\n', '%PDF-1.4\n9 0 obj\n<</Type /Outlines /Count 40>>\nendobj\n');
    expect(pdfPages(base64(text))).toBe(3);
  });
});
