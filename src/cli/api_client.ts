/**
 * The management commands' way to the running server: JSON over HTTP with the bearer token,
 * and the server's error body turned back into a NightpullError with the server's code, so
 * the CLI exits with the same code the API answered with.
 *
 * @example
 * ```ts
 * const api = new ApiClient("http://127.0.0.1:8080", Deno.env.get("NIGHTPULL_TOKEN"));
 * const page = await api.get<{ items: unknown[] }>("/api/v1/schedules");
 * ```
 * @module
 */
import { type ErrorCode, isErrorCode, NightpullError } from "../errors.ts";

/** Query values; undefined ones are left out. */
/** Query parameters; a list repeats the parameter (`label=a&label=b`). */
type Query = Record<string, string | number | boolean | string[] | undefined>;

const STATUS_CODES: Record<number, ErrorCode> = {
  400: "usage",
  401: "auth_required",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "body_too_large",
  415: "unsupported_media_type",
  422: "invalid_input",
};

/** Client of nightpull's `/api/v1`. */
export class ApiClient {
  readonly server: string;
  readonly #token?: string;

  /** `server` is the base URL (`http://127.0.0.1:8080`); `token` the bearer token, if any. */
  constructor(server: string, token?: string) {
    this.server = server.replace(/\/+$/, "");
    this.#token = token || undefined;
  }

  /** `GET path?query`, parsed JSON. */
  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, { query });
  }

  /** `POST path` with an optional JSON body. */
  post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.request<T>("POST", path, { body, query });
  }

  /** `DELETE path?query`; resolves when the server answered 2xx. */
  async delete(path: string, query?: Query): Promise<void> {
    await this.request("DELETE", path, { query });
  }

  /** Opens `GET path` as an SSE stream; throws the server's error as a NightpullError. */
  async events(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const headers: Record<string, string> = { accept: "text/event-stream" };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let res: Response;
    try {
      res = await fetch(this.server + path, { headers, signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw this.#unreachable(err);
    }
    if (!res.ok || !res.body) throw responseError(res.status, await res.text(), this.server);
    return res.body;
  }

  #unreachable(err: unknown): NightpullError {
    return new NightpullError(
      "server_unreachable",
      `cannot reach nightpull at ${this.server}: start it with \`nightpull serve\` ` +
        `(or point --server / NIGHTPULL_URL at the running server)`,
      undefined,
      { cause: err },
    );
  }

  /** Sends one request; throws the server's error as a NightpullError. */
  async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; query?: Query } = {},
  ): Promise<T> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (Array.isArray(v)) { for (const item of v) url.searchParams.append(k, item); }
      else if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (err) {
      throw this.#unreachable(err);
    }
    const text = await res.text();
    if (!res.ok) throw responseError(res.status, text, this.server);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new NightpullError(
        "upstream_error",
        `${this.server} answered ${res.status} with a body that is not JSON: is it nightpull?`,
      );
    }
  }
}

/** The NightpullError for an error response: the server's own code when it sent one. */
export function responseError(status: number, text: string, server: string): NightpullError {
  try {
    const body = JSON.parse(text) as {
      error?: { code?: string; message?: string; details?: unknown };
    };
    const e = body.error;
    if (e && typeof e.code === "string" && typeof e.message === "string") {
      const code = isErrorCode(e.code) ? e.code : codeForStatus(status);
      const details = e.details && typeof e.details === "object"
        ? e.details as Record<string, unknown>
        : undefined;
      return new NightpullError(code, e.message, details);
    }
  } catch {
    // not our error body: fall through to the status
  }
  return new NightpullError(
    codeForStatus(status),
    `${server} answered HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ""}`,
  );
}

function codeForStatus(status: number): ErrorCode {
  return STATUS_CODES[status] ?? (status >= 500 ? "upstream_error" : "usage");
}
