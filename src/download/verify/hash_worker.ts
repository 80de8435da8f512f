/**
 * The body of the hash thread ({@link HashThread}, `hash_thread.ts`): a Worker that keeps one
 * running digest (SHA-256, and the git blob SHA-1 when asked) and feeds it, in the order the
 * messages come, with byte ranges of shared buffers or with a file's prefix read on this
 * thread. Every request is answered with its `id` (and `error` when it failed); after a failure
 * the digest is unusable until the next `begin`.
 *
 * Loaded only as a Worker: `new Worker(new URL("./hash_worker.ts", import.meta.url), { type: "module" })`.
 * @module
 */
import { createHash, type Hash } from "node:crypto";

/** A request to the hash thread. */
export type HashRequest =
  | { op: "begin"; id: number; gitBlobSize?: number }
  | {
    op: "update";
    id: number;
    buffer: SharedArrayBuffer | ArrayBuffer;
    offset: number;
    length: number;
    /** The buffer was transferred: hand it back with the answer. */
    lend?: boolean;
  }
  | { op: "file"; id: number; path: string; length: number }
  | { op: "digest"; id: number };

/** The answer to one {@link HashRequest}. */
export interface HashReply {
  id: number;
  error?: string;
  sha256?: string;
  gitSha1?: string;
  /** A lent buffer, handed back. */
  buffer?: ArrayBuffer;
}

/** Read size of a prefix re-hash. */
const FILE_CHUNK = 1024 * 1024;

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<HashRequest>) => void) | null;
  postMessage(reply: HashReply, transfer?: Transferable[]): void;
};

let sha256: Hash | undefined;
let sha1: Hash | undefined;

function feed(bytes: Uint8Array): void {
  if (!sha256) throw new Error("no digest begun");
  sha256.update(bytes);
  sha1?.update(bytes);
}

/** Feeds the first `length` bytes of the file at `path`. */
function feedFile(path: string, length: number): void {
  using file = Deno.openSync(path, { read: true });
  const buffer = new Uint8Array(Math.min(FILE_CHUNK, Math.max(1, length)));
  for (let at = 0; at < length;) {
    const view = buffer.subarray(0, Math.min(buffer.length, length - at));
    let got = 0;
    while (got < view.length) {
      const n = file.readSync(view.subarray(got));
      if (n === null) throw new Error(`${path} ends at byte ${at + got}, expected ${length}`);
      got += n;
    }
    feed(view);
    at += view.length;
  }
}

function handle(request: HashRequest): HashReply {
  switch (request.op) {
    case "begin":
      sha256 = createHash("sha256");
      sha1 = request.gitBlobSize === undefined
        ? undefined
        : createHash("sha1").update(`blob ${request.gitBlobSize}\0`);
      return { id: request.id };
    case "update":
      feed(new Uint8Array(request.buffer, request.offset, request.length));
      return { id: request.id };
    case "file":
      feedFile(request.path, request.length);
      return { id: request.id };
    case "digest": {
      if (!sha256) throw new Error("no digest begun");
      const reply = { id: request.id, sha256: sha256.digest("hex"), gitSha1: sha1?.digest("hex") };
      sha256 = sha1 = undefined;
      return reply;
    }
  }
}

scope.onmessage = (event) => {
  let reply: HashReply;
  try {
    reply = handle(event.data);
  } catch (err) {
    sha256 = sha1 = undefined;
    reply = { id: event.data.id, error: err instanceof Error ? err.message : String(err) };
  }
  // a lent buffer goes back, also after a failure
  const request = event.data;
  if (request.op === "update" && request.lend) {
    reply.buffer = request.buffer as ArrayBuffer;
    scope.postMessage(reply, [reply.buffer]);
  } else scope.postMessage(reply);
};
