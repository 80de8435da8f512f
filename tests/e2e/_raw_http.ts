/**
 * One HTTP/1.1 exchange on a fresh raw socket to 127.0.0.1, so every header byte (Host,
 * Authorization, …) reaches the server exactly as the test wrote it: nothing normalizes it.
 * The request should say `Connection: close`; the answer is read until the server closes.
 */

/** Options of {@link rawExchange}. */
export interface RawExchangeOptions {
  /** Stop reading once an SSE answer's status line and headers are in (the stream stays open). */
  stopAtSseHead?: boolean;
}

/** The answer: status code, the raw status line and headers, and the body (as text). */
export interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/** Writes `request` (string as UTF-8, or exact bytes) and reads the whole answer. */
export async function rawExchange(
  port: number,
  request: string | Uint8Array,
  options: RawExchangeOptions = {},
): Promise<RawAnswer> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let text = "";
  try {
    await conn.write(typeof request === "string" ? new TextEncoder().encode(request) : request);
    const buf = new Uint8Array(16 * 1024);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
      if (
        options.stopAtSseHead && text.includes("text/event-stream") && text.includes("\r\n\r\n")
      ) break;
    }
  } finally {
    conn.close();
  }
  const [head, ...rest] = text.split("\r\n\r\n");
  return { status: Number(head.split(" ")[1]), head, body: rest.join("\r\n\r\n") };
}
