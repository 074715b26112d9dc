/** Where the admin key lives: this browser tab only, gone when it closes. */
const KEY_ITEM = 'switchyard.console.adminKey';

export const adminKey = {
  get: (): string | null => sessionStorage.getItem(KEY_ITEM),
  set: (key: string): void => sessionStorage.setItem(KEY_ITEM, key),
  clear: (): void => sessionStorage.removeItem(KEY_ITEM),
};

/** An admin endpoint's refusal or failure, with the gateway's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }

  /** The key is missing, wrong or not an admin key. */
  get denied(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

let onDenied: (error: ApiError) => void = () => undefined;

/** Called whenever an admin endpoint refuses the key (it changed, or a reload removed it). */
export function whenDenied(handler: (error: ApiError) => void): void {
  onDenied = handler;
}

export interface CallOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  /** Statuses besides 2xx whose JSON body is the answer (e.g. 422 for a refused reload). */
  accept?: readonly number[];
}

/** Calls an admin endpoint with the admin key as a Bearer token; JSON in, JSON out. */
export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = adminKey.get();
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'the gateway cannot be reached');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok && !options.accept?.includes(res.status)) {
    const error = (json as { error?: { message?: string; code?: string } } | undefined)?.error;
    const failure = new ApiError(res.status, error?.message ?? `HTTP ${res.status}`, error?.code);
    if (failure.denied) onDenied(failure);
    throw failure;
  }
  return json as T;
}
