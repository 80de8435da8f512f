/**
 * Reads a `text/event-stream` body (the WHATWG Server-Sent Events format) into events:
 * `event:` names one, `data:` lines are joined with newlines, a blank line dispatches it,
 * lines starting with `:` are comments (keep-alives). Works on any byte stream, so the CLI
 * can follow `GET /runs/{id}/events` without EventSource.
 *
 * @example
 * ```ts
 * for await (const e of readEvents(res.body!)) console.log(e.event, JSON.parse(e.data));
 * ```
 * @module
 */

/** One dispatched event. */
export interface ServerSentEvent {
  /** `message` when the stream named none. */
  event: string;
  data: string;
  id?: string;
}

/** Yields the events of an SSE byte stream until it ends. */
export async function* readEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  const line = (text: string): ServerSentEvent | null => {
    if (text === "") {
      const out = data.length ? { event: event || "message", data: data.join("\n"), id } : null;
      event = "";
      data = [];
      return out;
    }
    if (text.startsWith(":")) return null;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
    return null;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = nextBreak(buffer); end >= 0; end = nextBreak(buffer)) {
      const text = buffer.slice(0, end);
      // a CR LF pair is one line break
      const width = buffer[end] === "\r" && buffer[end + 1] === "\n" ? 2 : 1;
      if (buffer[end] === "\r" && end + 1 === buffer.length) break; // LF may follow
      buffer = buffer.slice(end + width);
      const e = line(text);
      if (e) yield e;
    }
  }
}

function nextBreak(text: string): number {
  const lf = text.indexOf("\n");
  const cr = text.indexOf("\r");
  if (cr < 0) return lf;
  if (lf < 0) return cr;
  return Math.min(lf, cr);
}
