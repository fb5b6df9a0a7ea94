// The lifecycle every socket manager promises (SPEC §6), against a real server of each kind:
// TCP, TLS and Unix sockets.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type * as net from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { DisposeReason } from '../../../src/index.ts';
import { ConnectionPool } from '../../../src/index.ts';
import { type NetSetup, netKinds } from '../helpers/net-kinds.ts';
import { request } from '../helpers/net-servers.ts';
import { skipOn } from '../helpers/runtime.ts';

/** A pool on `setup` that records creates and disposals, closed when test `t` ends. */
function poolOn(t: TestContext, setup: NetSetup<unknown>, options: { maxSize?: number } = {}) {
  const pool = new ConnectionPool(setup.manager, {
    acquireTimeout: 5_000,
    createTimeout: 5_000,
    disposeTimeout: 2_000,
    ...options,
  });
  const created: net.Socket[] = [];
  const disposed: Array<{ socket: net.Socket; reason: DisposeReason }> = [];
  t.after(() => pool.close({ timeout: 0 }));
  pool.on('create', ({ connection }) => created.push(connection));
  pool.on('dispose', ({ connection, reason }) => disposed.push({ socket: connection, reason }));
  return { pool, created, disposed };
}

/** Resolves on `socket`'s 'close' (`once` would reject on an 'error' first). */
function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

for (const kind of netKinds) {
  describe(`${kind.name} sockets`, () => {
    let setup: NetSetup<unknown>;
    before(async () => {
      setup = await kind.start();
    });
    after(async () => {
      await setup.server.close();
    });

    it('does echo round trips through one pooled socket, reused', async (t) => {
      const { pool, created } = poolOn(t, setup);
      const accepted = setup.server.counts.accepted;
      const answers: string[] = [];
      const sockets = new Set<net.Socket>();
      for (let i = 0; i < 5; i++) {
        answers.push(
          await pool.connection(setup.endpoint, (socket) => {
            sockets.add(socket);
            return request(socket, `hello ${i}`);
          }),
        );
      }
      assert.deepEqual(
        answers,
        [0, 1, 2, 3, 4].map((i) => `echo: hello ${i}`),
      );
      assert.equal(created.length, 1);
      assert.equal(sockets.size, 1);
      assert.equal(setup.server.counts.accepted - accepted, 1);
      assert.equal(pool.getEndpointPoolSize(setup.endpoint, false), 1);
      await pool.close();
      assert.equal(pool.size, 0);
      await setup.server.whenOpenAtMost(0);
    });

    it('hands out a socket that behaves like a fresh one: a data listener gets the answer', async (t) => {
      const { pool, created } = poolOn(t, setup);
      await pool.connection(setup.endpoint, (socket) => request(socket, 'warm up')); // paused now
      const answer = await pool.connection(setup.endpoint, async (socket) => {
        assert.equal(socket.listenerCount('error'), 0, "the user's errors are the user's");
        socket.write('plain\n');
        const [chunk] = (await once(socket, 'data')) as [Buffer];
        socket.pause();
        return chunk.toString();
      });
      assert.equal(answer, 'echo: plain\n');
      assert.equal(created.length, 1);
      await pool.close();
    });

    it('leaves a socket it hands out as it was: its own listeners, neither flowing nor paused', async (t) => {
      const { pool, created } = poolOn(t, setup);
      const counts = (s: net.Socket) =>
        ['error', 'readable', 'data', 'end', 'close'].map((event) => s.listenerCount(event));
      const socket = await pool.acquire(setup.endpoint);
      const handedOut = counts(socket);
      assert.equal(socket.readableFlowing, null);
      for (const leave of [() => socket.pause(), () => socket.resume()]) {
        assert.equal(await request(socket, 'x'), 'echo: x');
        leave();
        await pool.release(socket);
        assert.equal(socket.readableFlowing, false, 'an idle socket does not flow');
        assert.equal(await pool.acquire(setup.endpoint), socket);
        assert.equal(socket.readableFlowing, null);
        assert.deepEqual(counts(socket), handedOut);
      }
      await pool.release(socket);
      assert.deepEqual(created, [socket]);
      await pool.close();
    });

    it('delivers nothing to a listener left on a socket while it is idle: it is dead', async (t) => {
      const { pool, created, disposed } = poolOn(t, setup);
      const first = await pool.acquire(setup.endpoint);
      assert.equal(await request(first, 'one'), 'echo: one');
      const late: Buffer[] = [];
      first.on('data', (chunk: Buffer) => late.push(chunk));
      first.resume();
      await pool.release(first);
      const bytesRead = first.bytesRead;
      setup.server.peerOf(first).write('unsolicited\n');
      while (first.bytesRead === bytesRead) await new Promise(setImmediate);
      assert.deepEqual(late, []);
      const second = await pool.acquire(setup.endpoint);
      assert.deepEqual(created, [first, second]);
      assert.deepEqual(disposed, [{ socket: first, reason: 'dead' }]);
      await pool.release(second);
      await pool.close();
    });

    const deaths: Array<{
      what: string;
      when: boolean;
      kill(peerOf: (raw?: boolean) => net.Socket, client: net.Socket): Promise<void>;
      errorCode?: string;
      /** A runtime's own bug breaks the case there (see helpers/runtime.ts). */
      options?: { skip: string | false };
    }> = [
      {
        what: 'closed by the server (FIN)',
        when: true,
        async kill(peerOf, client) {
          peerOf().end();
          await closed(client);
        },
      },
      {
        what: 'reset by the server (RST)',
        when: kind.canReset,
        async kill(peerOf, client) {
          peerOf(true).resetAndDestroy();
          await closed(client);
        },
        errorCode: 'ECONNRESET',
        options: skipOn(
          kind.name === 'tls' ? ['deno'] : [],
          "Deno 2.9's node:tls surfaces no error for a socket its peer reset (errored stays " +
            'null; Node.js and Bun have ECONNRESET)',
        ),
      },
      {
        what: 'sent data while idle',
        when: true,
        async kill(peerOf, client) {
          const bytesRead = client.bytesRead;
          peerOf().write('unsolicited\n');
          // Any listener ('readable', 'data') would change how the socket buffers: poll instead.
          while (client.bytesRead === bytesRead) await new Promise(setImmediate);
        },
      },
    ];
    for (const death of deaths.filter((d) => d.when)) {
      it(`never hands out an idle socket ${death.what}: disposed as dead, replaced`, {
        ...death.options,
      }, async (t) => {
        const { pool, created, disposed } = poolOn(t, setup);
        let dead: unknown = 0;
        pool.on('dead', ({ connection }) => {
          dead = connection;
        });
        const first = await pool.acquire(setup.endpoint);
        assert.equal(await request(first, 'one'), 'echo: one');
        first.resume(); // left flowing with no listener: data while idle must not be lost unseen
        await pool.release(first);
        await death.kill((raw) => setup.server.peerOf(first, raw), first);
        assert.equal(
          first.errored === null ? undefined : (first.errored as NodeJS.ErrnoException).code,
          death.errorCode,
        );

        const second = await pool.acquire(setup.endpoint);
        assert.notEqual(second, first);
        assert.equal(dead, first);
        assert.deepEqual(disposed, [{ socket: first, reason: 'dead' }]);
        assert.deepEqual(created, [first, second]);
        assert.equal(await request(second, 'two'), 'echo: two');
        await pool.release(second);
        await pool.close();
        assert.ok(first.destroyed && second.destroyed);
        await setup.server.whenOpenAtMost(0);
      });
    }

    it('watches a socket that was never acquired (prewarmed) as idle too', async (t) => {
      const { pool, created, disposed } = poolOn(t, setup);
      await pool.prewarm(setup.endpoint, 1);
      const [fresh] = created;
      assert.ok(fresh);
      await setup.server.whenOpenAtLeast(1);
      // Reset if the kind can, else closed: either way no unhandled 'error', and dead on acquire.
      if (kind.canReset) setup.server.peerOf(fresh, true).resetAndDestroy();
      else setup.server.peerOf(fresh, true).end();
      await closed(fresh);
      const socket = await pool.acquire(setup.endpoint);
      assert.deepEqual(disposed, [{ socket: fresh, reason: 'dead' }]);
      assert.deepEqual(created, [fresh, socket]);
      await pool.release(socket);
      await pool.close();
      await setup.server.whenOpenAtMost(0);
    });

    it('leaves no socket open after close(), on either side', async (t) => {
      const { pool, created, disposed } = poolOn(t, setup, { maxSize: 3 });
      const held = await Promise.all([1, 2, 3].map(() => pool.acquire(setup.endpoint)));
      await Promise.all(held.map((s) => request(s, 'x')));
      assert.equal(setup.server.connections.size, 3);
      await pool.release(held[0]!);
      const closing = pool.close();
      await Promise.all(held.slice(1).map((s) => pool.release(s)));
      await closing;
      assert.equal(created.length, 3);
      assert.deepEqual(
        disposed.map((d) => d.reason),
        ['closed', 'closed', 'closed'],
      );
      assert.ok(created.every((s) => s.destroyed));
      await setup.server.whenOpenAtMost(0);
      assert.equal(setup.server.connections.size, 0);
    });

    it('serves 200 concurrent requests through at most 8 sockets', async (t) => {
      const { pool, created } = poolOn(t, setup, { maxSize: 8 });
      const before = { ...setup.server.counts };
      setup.server.counts.maxOpen = setup.server.connections.size;
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          pool.connection(setup.endpoint, (socket) => request(socket, `request ${i}`)),
        ),
      );
      assert.deepEqual(
        answers,
        Array.from({ length: 200 }, (_, i) => `echo: request ${i}`),
      );
      assert.equal(created.length, 8);
      assert.equal(setup.server.counts.accepted - before.accepted, 8);
      assert.equal(setup.server.counts.maxOpen, 8);
      await pool.close();
      await setup.server.whenOpenAtMost(0);
    });
  });
}
