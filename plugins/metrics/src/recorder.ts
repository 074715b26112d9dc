import type { AttemptResult, Exchange } from '@switchyard/core';
import { PRICING_COST } from '@switchyard/plugin-pricing/contract';
import { errorKind } from './errors.js';
import type { Families } from './families.js';
import { endpointOf, NONE } from './labels.js';
import type { LabelGuard } from './labels.js';
import type { CounterSeries, HistogramSeries } from './tally.js';

interface SeriesLabels {
  /** The series key: the label values joined. */
  readonly key: string;
  readonly values: Readonly<Record<string, string>>;
}

/** The series one kind of request touches, looked up once per request. */
interface RequestSeries {
  readonly labels: SeriesLabels;
  readonly byStatus: Map<number, CounterSeries>;
  readonly duration: HistogramSeries;
  readonly input: CounterSeries;
  readonly output: CounterSeries;
  readonly cachedRead: CounterSeries;
  readonly cacheWrite: CounterSeries;
  readonly cost: CounterSeries;
}

const SEP = '\u0000';

/**
 * The series a lookup answered last, with the label values it was asked for: while requests of
 * one kind follow each other (the usual case) the next lookup compares a few strings instead of
 * joining them into a key and hashing it.
 */
class LastSeries<T> {
  #a: string | undefined;
  #b: string | undefined;
  #c: string | undefined;
  #d: string | undefined;
  #e: string | undefined;
  #series: T | undefined;

  get(a: string, b = '', c = '', d = '', e = ''): T | undefined {
    return a === this.#a && b === this.#b && c === this.#c && d === this.#d && e === this.#e ? this.#series : undefined;
  }

  set(series: T, a: string, b = '', c = '', d = '', e = ''): T {
    this.#a = a;
    this.#b = b;
    this.#c = c;
    this.#d = d;
    this.#e = e;
    return (this.#series = series);
  }
}

/** Turns attempt results and finished requests into samples. */
export class Recorder {
  readonly #requests = new Map<string, RequestSeries>();
  readonly #gatewayLimited: CounterSeries;
  readonly #upstreamLimited: CounterSeries;
  readonly #lastAttempt = new LastSeries<CounterSeries>();
  readonly #lastTtft = new LastSeries<HistogramSeries>();
  readonly #lastOverhead = new LastSeries<HistogramSeries>();
  readonly #lastRequest = new LastSeries<RequestSeries>();

  constructor(
    private readonly f: Families,
    private readonly labels: LabelGuard,
  ) {
    this.#gatewayLimited = f.rateLimited.series('gateway', { source: 'gateway' });
    this.#upstreamLimited = f.rateLimited.series('upstream', { source: 'upstream' });
  }

  attempt(result: AttemptResult): void {
    const instance = this.labels.instance(result.target.instance.name);
    const outcome = result.outcome;
    const requests =
      this.#lastAttempt.get(instance, outcome) ??
      this.#lastAttempt.set(
        this.f.instanceRequests.series(instance + SEP + outcome, { instance, outcome }),
        instance,
        outcome,
      );
    requests.value++;
    if (outcome === 'rate_limited') this.#upstreamLimited.value++;
    if (outcome === 'success' && result.ttftMs !== undefined) {
      const provider = result.target.instance.type;
      const model = this.labels.model(result.target.model);
      const ttft =
        this.#lastTtft.get(provider, instance, model) ??
        this.#lastTtft.set(
          this.f.ttft.series(provider + SEP + instance + SEP + model, { provider, instance, model }),
          provider,
          instance,
          model,
        );
      ttft.observe(result.ttftMs / 1000);
    }
  }

  finish(x: Exchange): void {
    const outcome = x.response;
    if (!outcome) return;
    const endpoint = endpointOf(x);
    const s = this.#series(x, endpoint);
    let byStatus = s.byStatus.get(outcome.status);
    if (!byStatus)
      s.byStatus.set(
        outcome.status,
        (byStatus = this.f.requests.series(`${s.labels.key}${SEP}${outcome.status}`, {
          ...s.labels.values,
          status: String(outcome.status),
        })),
      );
    byStatus.value++;
    const totalMs = performance.now() - x.timings.start;
    s.duration.observe(totalMs / 1000);
    const overhead =
      this.#lastOverhead.get(endpoint) ??
      this.#lastOverhead.set(this.f.overhead.series(endpoint, { endpoint }), endpoint);
    overhead.observe(Math.max(0, totalMs - x.timings.upstreamMs) / 1000);
    const kind = errorKind(x);
    if (kind) {
      this.f.errors.series(kind.errorClass + SEP + kind.type, { class: kind.errorClass, error_type: kind.type })
        .value++;
      if (kind.type === 'rate_limited') this.#gatewayLimited.value++;
    }
    const usage = outcome.usage;
    if (usage) {
      const cachedRead = tokens(usage.prompt_tokens_details?.cached_tokens);
      const cacheWrite = tokens(usage.prompt_tokens_details?.cache_write_tokens);
      s.input.value += Math.max(0, tokens(usage.prompt_tokens) - cachedRead - cacheWrite);
      s.output.value += tokens(usage.completion_tokens);
      s.cachedRead.value += cachedRead;
      s.cacheWrite.value += cacheWrite;
    }
    const cost = x.get(PRICING_COST)?.usd;
    if (cost !== undefined && Number.isFinite(cost)) s.cost.value += cost;
  }

  #series(x: Exchange, endpoint: string): RequestSeries {
    const target = x.target;
    const keyName = this.labels.keyName(x);
    const provider = target ? target.instance.type : NONE;
    const instance = this.labels.instance(target?.instance.name);
    const model = this.labels.model(target ? target.model : x.model);
    const last = this.#lastRequest.get(keyName, provider, instance, model, endpoint);
    if (last) return last;
    const where = provider + SEP + instance + SEP + model + SEP + endpoint;
    const key = keyName + SEP + where;
    const known = this.#requests.get(key);
    if (known) return this.#lastRequest.set(known, keyName, provider, instance, model, endpoint);
    const values = { key_name: keyName, provider, instance, model, endpoint };
    const tokens = (type: string): CounterSeries => this.f.tokens.series(key + SEP + type, { ...values, type });
    const series: RequestSeries = {
      labels: { key, values },
      byStatus: new Map(),
      duration: this.f.duration.series(where, { provider, instance, model, endpoint }), // no key_name: shared by every key
      input: tokens('input'),
      output: tokens('output'),
      cachedRead: tokens('cached_read'),
      cacheWrite: tokens('cache_write'),
      cost: this.f.cost.series(keyName + SEP + model, { key_name: keyName, model }),
    };
    this.#requests.set(key, series);
    return this.#lastRequest.set(series, keyName, provider, instance, model, endpoint);
  }
}

/** A token count as upstreams report it, or 0 when it is missing or not a count (one bad answer must not poison a counter with NaN). */
function tokens(value: unknown): number {
  return typeof value === 'number' && value > 0 && Number.isFinite(value) ? value : 0;
}
