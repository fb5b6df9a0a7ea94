/**
 * The three socket managers, each with a real echo server of its kind, so one suite can run
 * against TCP, TLS and Unix sockets alike.
 */
import type * as net from 'node:net';
import {
  TcpSocketConnectionManager,
  TlsSocketConnectionManager,
  UnixSocketConnectionManager,
} from '../../../src/contrib/net/index.ts';
import type { ConnectionManager } from '../../../src/index.ts';
import {
  type EchoServer,
  makeCertificates,
  portOf,
  startTcpServer,
  startTlsServer,
  startUnixServer,
} from './net-servers.ts';

/** A running server and a manager and endpoint to reach it. */
export interface NetSetup<E> {
  readonly server: EchoServer;
  readonly endpoint: E;
  readonly manager: ConnectionManager<E, net.Socket>;
}

export interface NetKind {
  readonly name: 'tcp' | 'tls' | 'unix';
  /** Whether the server can reset a connection (TCP RST). */
  readonly canReset: boolean;
  start(): Promise<NetSetup<unknown>>;
}

export const netKinds: readonly NetKind[] = [
  {
    name: 'tcp',
    canReset: true,
    async start() {
      const server = await startTcpServer();
      const endpoint = ['127.0.0.1', portOf(server)] as const;
      return { server, endpoint, manager: new TcpSocketConnectionManager() };
    },
  },
  {
    name: 'tls',
    canReset: true,
    async start() {
      const certificates = await makeCertificates();
      const server = await startTlsServer(certificates.server);
      const endpoint = ['127.0.0.1', portOf(server)] as const;
      const manager = new TlsSocketConnectionManager({ ca: certificates.ca.cert });
      return { server, endpoint, manager };
    },
  },
  {
    name: 'unix',
    canReset: false,
    async start() {
      const server = await startUnixServer();
      return { server, endpoint: server.path, manager: new UnixSocketConnectionManager() };
    },
  },
];
