/**
 * A small client of the review API, for `farmwatch clusters` and scripts: the same endpoints, roles
 * and audit trail as the page. The token comes from the environment, never from the command line
 * (where other users of the machine can read it in the process list).
 */
import { FarmwatchError } from '../errors/farmwatch-error.ts';

export class ReviewApiError extends FarmwatchError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('REVIEW_API_FAILED', message);
  }
}

export class ReviewClient {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    if (token === '')
      throw new FarmwatchError(
        'CONFIG_INVALID',
        "FARMWATCH_REVIEW_TOKEN is empty: set it to your review token (an entry of the server's " +
          'FARMWATCH_REVIEW_TOKENS)',
      );
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
    const qs = params.toString();
    return this.call<T>('GET', `${path}${qs ? `?${qs}` : ''}`);
  }

  async post<T>(path: string, body: Record<string, unknown>): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  private async call<T>(method: string, path: string, body?: Record<string, unknown>): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new ReviewApiError(
        0,
        `cannot reach the review API at ${this.baseUrl} (FARMWATCH_REVIEW_URL): ` +
          `${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const data = (await res.json().catch(() => ({}))) as T & { error?: string };
    if (!res.ok)
      throw new ReviewApiError(
        res.status,
        `${method} ${path.split('?')[0]}: HTTP ${res.status}: ${data.error ?? res.statusText}`,
      );
    return data;
  }
}
