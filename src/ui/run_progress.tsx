/**
 * A run's progress block: status, a total progress bar and per-file rows. The server draws
 * what the run record knows (files done of total, bytes so far); the script then follows
 * `/api/v1/runs/{id}/events` and fills in bytes, rate and ETA per file as they arrive.
 * @module
 */
import { formatBytes } from "../byte_size.ts";
import type { Run } from "../store/records.ts";
import { StatusBadge } from "./layout.tsx";

/** One live run; `title` names what it pulls. */
export function RunProgress(props: { run: Run; title: string; href?: string }) {
  const { run } = props;
  const files = run.files;
  const known = files.total > 0;
  return (
    <section
      class="card run-live"
      data-run-live=""
      data-run-id={run.id}
      aria-label={`Download ${props.title}`}
    >
      <p>
        {props.href ? <a href={props.href}>{props.title}</a> : <strong>{props.title}</strong>}{" "}
        <StatusBadge status={run.status} live />
      </p>
      <progress
        role="progressbar"
        aria-label={`Total progress of ${props.title}`}
        data-total=""
        max={known ? files.total : undefined}
        value={known ? files.done : undefined}
      >
      </progress>
      <p class="live small" aria-live="polite" data-total-text="">
        {`${formatBytes(run.bytes)} transferred` +
          (known ? `, ${files.done} of ${files.total} files done` : "")}
      </p>
      <div data-files="" class="files"></div>
    </section>
  );
}
