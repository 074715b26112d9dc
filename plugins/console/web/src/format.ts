/** How figures read on the page. A dash stands for "no value". */

export const DASH = '–';

export function rate(perSecond: number): string {
  if (perSecond === 0) return '0';
  return perSecond < 10 ? perSecond.toFixed(2) : perSecond.toFixed(1);
}

export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return DASH;
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`;
}

export function count(value: number): string {
  if (value < 1000) return String(Math.round(value));
  if (value < 1_000_000) return `${(value / 1000).toFixed(1)}k`;
  return `${(value / 1_000_000).toFixed(2)}M`;
}

export function usd(value: number | undefined): string {
  if (value === undefined) return DASH;
  if (value === 0) return '$0';
  if (value >= 1) return `$${value.toFixed(2)}`;
  // Two significant digits at least, however small (a few tokens cost millionths of a dollar).
  return `$${value.toFixed(Math.min(10, Math.max(4, 2 - Math.floor(Math.log10(value)))))}`;
}

export function time(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}

export function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.ceil(ms / 1000)} s` : `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}
