import type { IncomingHttpHeaders } from 'node:http';
import { SwitchyardError } from '@switchyard/core';
import type { RouteConstraints } from './contract.js';

export const NO_CONSTRAINTS: RouteConstraints = Object.freeze({});

export const CONSTRAINT_HEADERS = {
  maxCost: 'x-switchyard-max-cost',
  excludeProviders: 'x-switchyard-exclude-providers',
  preferLocal: 'x-switchyard-prefer-local',
  strategy: 'x-switchyard-strategy',
  tags: 'x-switchyard-tags',
} as const;

/** The body field carrying constraints; removed from the body before routing. */
export const CONSTRAINTS_FIELD = 'switchyard';

const BODY_FIELDS = new Set(['maxCost', 'excludeProviders', 'preferLocal', 'strategy', 'tags']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
/** Tags may also carry `key=value` or `a/b` forms; a leading `!` excludes the tag. */
const TAG = /^!?[A-Za-z0-9][A-Za-z0-9._:=/-]*$/;

/**
 * Reads the constraints of a request and removes `switchyard` from `body` (in place, so that
 * pass-through and conversions never see it). A bad value is a 400 naming the header or field.
 */
export function takeConstraints(body: Record<string, unknown>, headers: IncomingHttpHeaders): RouteConstraints {
  const raw = body[CONSTRAINTS_FIELD];
  if (raw === undefined && !hasConstraintHeader(headers)) return NO_CONSTRAINTS;
  delete body[CONSTRAINTS_FIELD];
  const fromBody = raw === undefined ? {} : bodyConstraints(raw);
  const out: { -readonly [K in keyof RouteConstraints]: RouteConstraints[K] } = { ...fromBody };

  const maxCost = header(headers, CONSTRAINT_HEADERS.maxCost);
  if (maxCost !== undefined)
    out.maxCostPer1k = price(Number(maxCost.trim()), maxCost.trim() === '', CONSTRAINT_HEADERS.maxCost);
  const excluded = header(headers, CONSTRAINT_HEADERS.excludeProviders);
  if (excluded !== undefined) out.excludeProviders = names(splitList(excluded), CONSTRAINT_HEADERS.excludeProviders);
  const preferLocal = header(headers, CONSTRAINT_HEADERS.preferLocal);
  if (preferLocal !== undefined) out.preferLocal = flag(preferLocal, CONSTRAINT_HEADERS.preferLocal);
  const strategy = header(headers, CONSTRAINT_HEADERS.strategy);
  if (strategy !== undefined) out.strategy = names([strategy.trim()], CONSTRAINT_HEADERS.strategy)[0]!;
  const tags = header(headers, CONSTRAINT_HEADERS.tags);
  if (tags !== undefined)
    out.tags = [...new Set([...(out.tags ?? []), ...names(splitList(tags), CONSTRAINT_HEADERS.tags, TAG)])];
  return Object.freeze(out);
}

function bodyConstraints(raw: unknown): RouteConstraints {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid(CONSTRAINTS_FIELD, 'must be an object');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!BODY_FIELDS.has(key))
      throw invalid(`${CONSTRAINTS_FIELD}.${key}`, `is not a known field (known: ${[...BODY_FIELDS].join(', ')})`);
  const out: { -readonly [K in keyof RouteConstraints]: RouteConstraints[K] } = {};
  if (o.maxCost !== undefined)
    out.maxCostPer1k = price(
      typeof o.maxCost === 'number' ? o.maxCost : Number.NaN,
      false,
      `${CONSTRAINTS_FIELD}.maxCost`,
    );
  if (o.excludeProviders !== undefined)
    out.excludeProviders = names(
      stringList(o.excludeProviders, 'excludeProviders'),
      `${CONSTRAINTS_FIELD}.excludeProviders`,
    );
  if (o.preferLocal !== undefined) {
    if (typeof o.preferLocal !== 'boolean') throw invalid(`${CONSTRAINTS_FIELD}.preferLocal`, 'must be a boolean');
    out.preferLocal = o.preferLocal;
  }
  if (o.strategy !== undefined) {
    if (typeof o.strategy !== 'string') throw invalid(`${CONSTRAINTS_FIELD}.strategy`, 'must be a string');
    out.strategy = names([o.strategy], `${CONSTRAINTS_FIELD}.strategy`)[0]!;
  }
  if (o.tags !== undefined)
    out.tags = [...new Set(names(stringList(o.tags, 'tags'), `${CONSTRAINTS_FIELD}.tags`, TAG))];
  return out;
}

function hasConstraintHeader(headers: IncomingHttpHeaders): boolean {
  for (const name of Object.values(CONSTRAINT_HEADERS)) if (headers[name] !== undefined) return true;
  return false;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function stringList(value: unknown, field: string): string[] {
  if (typeof value === 'string') return splitList(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v) => v.trim());
  throw invalid(`${CONSTRAINTS_FIELD}.${field}`, 'must be a list of strings');
}

function names(list: string[], field: string, pattern = NAME): string[] {
  if (list.length === 0) throw invalid(field, 'must name at least one value');
  const bad = list.find((n) => !pattern.test(n));
  if (bad !== undefined) throw invalid(field, `"${bad.slice(0, 64)}" is not a valid name`);
  return list;
}

function price(value: number, empty: boolean, field: string): number {
  if (empty || !Number.isFinite(value) || value < 0)
    throw invalid(field, 'must be a non-negative number (USD per 1k tokens)');
  return value;
}

function flag(value: string, field: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === '1' || v === 'true' || v === 'yes') return true;
  if (v === '0' || v === 'false' || v === 'no') return false;
  throw invalid(field, 'must be true or false');
}

function invalid(field: string, message: string): SwitchyardError {
  return new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', `${field}: ${message}`, {
    param: field,
    publicCode: 'invalid_routing_constraint',
  });
}
