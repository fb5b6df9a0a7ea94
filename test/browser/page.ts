/**
 * The page side of test/browser/run.ts, bundled after the test file: runs the tests it registered
 * and hands each result, then the end, to the functions run.ts exposed on the page. An unhandled
 * rejection fails the file, as it fails a file under node --test.
 */
import { type Result, run } from './node-test.ts';

/** What run.ts exposes on the page (playwright's exposeFunction). */
interface Host {
  reportResult(result: Result): Promise<void>;
  reportError(error: string): Promise<void>;
  reportDone(): Promise<void>;
}

const host = globalThis as unknown as Host & EventTarget;
host.addEventListener('unhandledrejection', (event) => {
  const { reason } = event as Event & { reason: unknown };
  void host.reportError(
    `unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`,
  );
});

const results: Promise<void>[] = [];
await run((result) => results.push(host.reportResult(result)));
await Promise.all(results);
await host.reportDone();
