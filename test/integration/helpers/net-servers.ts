/**
 * Real servers on loopback for the contrib/net tests: a line echo server over TCP, TLS or a Unix
 * socket that counts its connections, test certificates, a TCP listener that never accepts, and a
 * line client. Node.js only. Every starter returns something whose `close()` frees all it made.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as tls from 'node:tls';
import { generate } from 'selfsigned';

/** A line echo server: `line\n` is answered with `echo: line\n`. */
export interface EchoServer {
  readonly server: net.Server;
  /** The server side of each open connection (for TLS: the TCP socket under the TLS one). */
  readonly connections: Set<net.Socket>;
  /** Connections accepted so far, and the most open at once. */
  readonly counts: { accepted: number; maxOpen: number };
  /** Resolves once at most `n` connections are open (at once if so already). */
  whenOpenAtMost(n: number): Promise<void>;
  /** Resolves once at least `n` connections are open (at once if so already). */
  whenOpenAtLeast(n: number): Promise<void>;
  /** The server side of `client`'s connection (for TLS: the TLS socket, `raw`: the TCP one). */
  peerOf(client: net.Socket, raw?: boolean): net.Socket;
  /** Ends (FIN) every open connection and, from now on, every new one as soon as it is accepted. */
  endAll(): void;
  /** Closes the server and every connection; resolves once the server is closed. */
  close(): Promise<void>;
}

/** Counts and echoes the connections of `server` (which emits `connectionEvent` per socket). */
function echoing(
  server: net.Server,
  connectionEvent: 'connection' | 'secureConnection',
  echo = true,
): EchoServer {
  const connections = new Set<net.Socket>();
  const sessions = new Set<net.Socket>(); // what `connectionEvent` gave: TLS sockets for TLS
  const counts = { accepted: 0, maxOpen: 0 };
  // Each waiter says whether the number of open connections is what it waits for.
  const waiters: Array<{ done: (open: number) => boolean; resolve: () => void }> = [];
  let ending = false;
  const wake = () => {
    for (const w of [...waiters]) {
      if (w.done(connections.size)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const whenOpen = (done: (open: number) => boolean) =>
    new Promise<void>((resolve) => {
      waiters.push({ done, resolve });
      wake();
    });
  // TLS: the raw TCP socket counts from accept (a handshake that never ends is still open).
  server.on('connection', (raw: net.Socket) => {
    counts.accepted++;
    connections.add(raw);
    counts.maxOpen = Math.max(counts.maxOpen, connections.size);
    wake();
    raw.on('error', () => {}); // a client vanishing is not the server's problem
    raw.once('close', () => {
      connections.delete(raw);
      wake();
    });
    if (ending) raw.end();
  });
  if (echo) {
    server.on(connectionEvent, (socket: net.Socket) => {
      sessions.add(socket);
      socket.once('close', () => sessions.delete(socket));
      // A client vanishing is not the server's problem; readline re-emits the socket's errors.
      socket.on('error', () => {});
      createInterface({ input: socket })
        .on('error', () => {})
        .on('line', (line) => socket.write(`echo: ${line}\n`));
    });
  }
  return {
    server,
    connections,
    counts,
    whenOpenAtMost: (n) => whenOpen((open) => open <= n),
    whenOpenAtLeast: (n) => whenOpen((open) => open >= n),
    peerOf(client, raw = false) {
      const open = [...(raw || !echo ? connections : sessions)];
      // A Unix socket has no port: then the server side must be the only connection.
      const peer =
        client.localPort === undefined
          ? open.length === 1
            ? open[0]
            : undefined
          : open.find((s) => s.remotePort === client.localPort);
      if (peer === undefined) {
        throw new Error(`no single server side for port ${client.localPort} among ${open.length}`);
      }
      return peer;
    },
    endAll() {
      ending = true;
      for (const socket of connections) socket.end();
    },
    async close() {
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function listening(server: net.Server, where: net.ListenOptions): Promise<void> {
  server.listen(where);
  await once(server, 'listening');
}

/** The port a TCP or TLS server listens on. */
export function portOf(echo: EchoServer): number {
  return (echo.server.address() as net.AddressInfo).port;
}

/** A TCP line echo server on 127.0.0.1. */
export async function startTcpServer(): Promise<EchoServer> {
  const server = net.createServer();
  const echo = echoing(server, 'connection');
  await listening(server, { host: '127.0.0.1', port: 0 });
  return echo;
}

/**
 * A TLS line echo server on 127.0.0.1 with `pems`. With `handshake: false` it accepts TCP
 * connections but never answers a ClientHello.
 */
export async function startTlsServer(
  pems: KeyAndCert,
  { handshake = true }: { handshake?: boolean } = {},
): Promise<EchoServer> {
  const server = handshake
    ? tls.createServer({ key: pems.key, cert: pems.cert })
    : net.createServer((socket) => socket.resume()); // reads (so it sees the close), never answers
  const echo = echoing(server, 'secureConnection', handshake);
  await listening(server, { host: '127.0.0.1', port: 0 });
  return echo;
}

/** A Unix socket line echo server in a fresh temporary directory, removed by `close()`. */
export async function startUnixServer(): Promise<EchoServer & { path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gcp-net-'));
  const path = join(dir, 'echo.sock');
  const server = net.createServer();
  const echo = echoing(server, 'connection');
  await listening(server, { path });
  return {
    ...echo,
    path,
    async close() {
      await echo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface KeyAndCert {
  key: string;
  cert: string;
}

/** A CA, and a certificate for `localhost`, 127.0.0.1 and ::1 that it signed. */
export interface TestCertificates {
  ca: KeyAndCert;
  server: KeyAndCert;
}

/** Makes a fresh CA and a server certificate it signed (EC P-256, SHA-256; a few ms). */
export async function makeCertificates(): Promise<TestCertificates> {
  const ca = await generate([{ name: 'commonName', value: 'generic-connection-pool test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return {
    ca: { key: ca.private, cert: ca.cert },
    server: { key: server.private, cert: server.cert },
  };
}

/**
 * A TCP port on 127.0.0.1 where connecting never completes: a child process listens with a backlog
 * of 1 and is stopped, so it never accepts; two connections fill its accept queue and the kernel
 * drops every later SYN. `close()` kills the child and the fillers.
 */
export async function startBlackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const script =
    "const s = require('node:net').createServer();" +
    "s.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => console.log(s.address().port));";
  const child: ChildProcess = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(chunk.toString().trim());
  child.kill('SIGSTOP');
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    fillers.push(socket);
    await once(socket, 'connect');
  }
  return {
    port,
    async close() {
      for (const socket of fillers) socket.destroy();
      const exited = once(child, 'exit');
      // process.kill, not child.kill: Deno 2.9's child.kill() sends no signal after an earlier one
      // (SIGSTOP) succeeded, so the child would never exit (denoland/deno#36643).
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (one was just closed there): connecting is refused. */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await listening(server, { host: '127.0.0.1', port: 0 });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Sends `line` and resolves with the one-line answer. Reads only up to that line's end and leaves
 * the socket as a paused stream, the way a protocol client would.
 */
export function request(socket: net.Socket, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (error?: Error) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.endsWith('\n')) {
        text = text.slice(0, -1);
        done();
      }
    };
    const onClose = () => done(new Error(`socket closed before the answer to "${line}"`));
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.resume();
    socket.write(`${line}\n`);
  });
}
