import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Attributes } from '@opentelemetry/api';
import type { MetricData, Histogram as SdkHistogram } from '@opentelemetry/sdk-metrics';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { instrumentPool } from '../../../src/contrib/otel/index.ts';
import { ConnectionPool } from '../../../src/index.ts';
import type { MockConnection } from '../../../src/testing/index.ts';
import { MemoryBudget, MockConnectionManager } from '../../../src/testing/index.ts';
import type { Clock } from '../../helpers/pool.ts';
import { closePool, fulfilled, rejected, track, useFakeClock } from '../../helpers/pool.ts';

/** A reader the test collects from by hand. */
class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const POOL = 'db.client.connection.pool.name';
const STATE = 'db.client.connection.state';
const BOUNDARIES = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** Name, kind (data point type, monotonic), unit, description: as the semantic conventions say. */
const DESCRIPTORS = [
  [
    'db.client.connection.count',
    DataPointType.SUM,
    false,
    '{connection}',
    'The number of connections that are currently in state described by the state attribute.',
  ],
  [
    'db.client.connection.max',
    DataPointType.SUM,
    false,
    '{connection}',
    'The maximum number of open connections allowed.',
  ],
  [
    'db.client.connection.pending_requests',
    DataPointType.SUM,
    false,
    '{request}',
    'The number of current pending requests for an open connection.',
  ],
  [
    'db.client.connection.timeouts',
    DataPointType.SUM,
    true,
    '{timeout}',
    'The number of connection timeouts that have occurred trying to obtain a connection from the pool.',
  ],
  [
    'db.client.connection.create_time',
    DataPointType.HISTOGRAM,
    undefined,
    's',
    'The time it took to create a new connection.',
  ],
  [
    'db.client.connection.wait_time',
    DataPointType.HISTOGRAM,
    undefined,
    's',
    'The time it took to obtain an open connection from the pool.',
  ],
  [
    'db.client.connection.use_time',
    DataPointType.HISTOGRAM,
    undefined,
    's',
    'The time between borrowing a connection and returning it to the pool.',
  ],
];

type Endpoint = string | readonly [string, number];

interface Histogram {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Bucket counts as `[upper boundary, count]`, empty buckets left out. */
  buckets: Array<[number, number]>;
}

type Points = Array<[Attributes, number | Histogram]>;

/** Data points of every metric by name, sorted by attributes, histograms condensed. */
async function collect(
  reader: TestReader,
  clock: Clock,
): Promise<Map<string, { data: MetricData; points: Points }>> {
  // The SDK's collection waits on a zero-delay timer.
  const collecting = track(reader.collect());
  while (collecting.state === 'pending') await clock.tickAsync(0);
  const { resourceMetrics, errors } = fulfilled(collecting);
  assert.deepEqual(errors, []);
  const byName = new Map<string, { data: MetricData; points: Points }>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const data of scope.metrics) {
      const points: Points = data.dataPoints.map((point) => {
        if (typeof point.value === 'number') return [point.attributes, point.value];
        const value = point.value as SdkHistogram;
        const { boundaries, counts } = value.buckets;
        return [
          point.attributes,
          {
            count: value.count,
            sum: value.sum ?? Number.NaN,
            min: value.min ?? Number.NaN,
            max: value.max ?? Number.NaN,
            buckets: counts.flatMap(
              (n, i): Array<[number, number]> => (n === 0 ? [] : [[boundaries[i] ?? Infinity, n]]),
            ),
          },
        ];
      });
      points.sort(([a], [b]) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      byName.set(data.descriptor.name, { data, points });
    }
  }
  return byName;
}

function points(metrics: Map<string, { points: Points }>, name: string): Points | undefined {
  return metrics.get(name)?.points;
}

const hist = (values: number[], buckets: Array<[number, number]>): Histogram => ({
  count: values.length,
  sum: values.reduce((a, b) => a + b, 0),
  min: Math.min(...values),
  max: Math.max(...values),
  buckets,
});

describe('instrumentPool (OpenTelemetry metrics)', () => {
  const clock = useFakeClock(); // first: installed before, uninstalled before the provider's hooks
  let provider: MeterProvider;
  let reader: TestReader;
  beforeEach(() => {
    reader = new TestReader();
    provider = new MeterProvider({ readers: [reader] });
  });
  afterEach(async () => {
    await provider.shutdown();
  });

  /** Creates take 100 ms; at most 2 connections per endpoint. */
  function makePool(): ConnectionPool<Endpoint, MockConnection<Endpoint>> {
    const mock = new MockConnectionManager<Endpoint>();
    mock.set('create', { delay: 100 });
    return new ConnectionPool(mock, { maxSize: 2, totalMaxSize: 4 });
  }

  it('reports acquires, waits, a timeout, releases and the gauges per endpoint, exactly', async () => {
    const pool = makePool();
    instrumentPool(pool, provider.getMeter('test'));

    const first = track(pool.acquire('db'));
    await clock.tickAsync(100); // created and handed out at 100 ms
    const a = fulfilled(first);
    const second = track(pool.acquire('db'));
    await clock.tickAsync(100); // at 200 ms
    const b = fulfilled(second);
    const third = track(pool.acquire('db')); // maxSize 2: queues
    await clock.tickAsync(0);

    let metrics = await collect(reader, clock);
    assert.deepEqual(points(metrics, 'db.client.connection.count'), [
      [{ [POOL]: 'db', [STATE]: 'idle' }, 0],
      [{ [POOL]: 'db', [STATE]: 'used' }, 2],
    ]);
    assert.deepEqual(points(metrics, 'db.client.connection.pending_requests'), [
      [{ [POOL]: 'db' }, 1],
    ]);
    assert.deepEqual(points(metrics, 'db.client.connection.max'), [[{ [POOL]: 'db' }, 2]]);
    assert.deepEqual(points(metrics, 'db.client.connection.create_time'), [
      [{ [POOL]: 'db' }, hist([0.1, 0.1], [[0.1, 2]])],
    ]);
    assert.equal(metrics.get('db.client.connection.timeouts'), undefined, 'no timeout yet');

    await clock.tickAsync(50);
    await pool.release(a); // at 250 ms, held 150 ms, handed to the third acquirer after 50 ms
    await clock.tickAsync(0); // the third acquirer's onAcquire runs after the release is done
    const c = fulfilled(third);
    assert.equal(c, a);
    const late = track(pool.acquire('db', { timeout: 100 }));
    await clock.tickAsync(100); // times out at 350 ms
    rejected(late);
    await clock.tickAsync(50);
    await pool.release(b); // at 400 ms, held 200 ms
    await clock.tickAsync(100);
    await pool.release(c); // at 500 ms, held 250 ms
    const other = track(pool.acquire(['h', 1]));
    await clock.tickAsync(100 + 1);
    await pool.release(fulfilled(other)); // held 1 ms

    metrics = await collect(reader, clock);
    assert.deepEqual(points(metrics, 'db.client.connection.count'), [
      [{ [POOL]: '["h",1]', [STATE]: 'idle' }, 1],
      [{ [POOL]: '["h",1]', [STATE]: 'used' }, 0],
      [{ [POOL]: 'db', [STATE]: 'idle' }, 2],
      [{ [POOL]: 'db', [STATE]: 'used' }, 0],
    ]);
    assert.deepEqual(points(metrics, 'db.client.connection.pending_requests'), [
      [{ [POOL]: '["h",1]' }, 0],
      [{ [POOL]: 'db' }, 0],
    ]);
    assert.deepEqual(points(metrics, 'db.client.connection.max'), [
      [{ [POOL]: '["h",1]' }, 2],
      [{ [POOL]: 'db' }, 2],
    ]);
    assert.deepEqual(points(metrics, 'db.client.connection.timeouts'), [[{ [POOL]: 'db' }, 1]]);
    assert.deepEqual(points(metrics, 'db.client.connection.create_time'), [
      [{ [POOL]: '["h",1]' }, hist([0.1], [[0.1, 1]])],
      [{ [POOL]: 'db' }, hist([0.1, 0.1], [[0.1, 2]])],
    ]);
    assert.deepEqual(points(metrics, 'db.client.connection.wait_time'), [
      [{ [POOL]: '["h",1]' }, hist([0.1], [[0.1, 1]])],
      [
        { [POOL]: 'db' },
        hist(
          [0.1, 0.1, 0.05],
          [
            [0.05, 1],
            [0.1, 2],
          ],
        ),
      ],
    ]);
    assert.deepEqual(points(metrics, 'db.client.connection.use_time'), [
      [{ [POOL]: '["h",1]' }, hist([0.001], [[0.001, 1]])],
      [{ [POOL]: 'db' }, hist([0.15, 0.2, 0.25], [[0.25, 3]])],
    ]);
    assert.deepEqual(
      [...metrics.values()].map(({ data }) => [
        data.descriptor.name,
        data.dataPointType,
        'isMonotonic' in data ? data.isMonotonic : undefined,
        data.descriptor.unit,
        data.descriptor.description,
      ]),
      DESCRIPTORS,
    );
    for (const name of ['create_time', 'wait_time', 'use_time']) {
      const value = metrics.get(`db.client.connection.${name}`)?.data.dataPoints[0]?.value;
      assert.deepEqual((value as SdkHistogram).buckets.boundaries, BOUNDARIES, name);
    }
    await closePool(pool, clock);
  });

  it('keeps reporting an endpoint the pool forgot, at 0, and everything at 0 after close', async () => {
    const pool = makePool();
    instrumentPool(pool, provider.getMeter('test'));
    const once = track(pool.acquire('gone'));
    await clock.tickAsync(100);
    await pool.discard(fulfilled(once)); // nothing left for 'gone': the pool forgets it
    const kept = track(pool.acquire('kept'));
    await clock.tickAsync(100);
    const held = fulfilled(kept);
    assert.deepEqual(
      pool.stats().endpoints.map((e) => e.endpoint),
      ['kept'],
    );
    let metrics = await collect(reader, clock);
    assert.deepEqual(
      points(metrics, 'db.client.connection.count'),
      [
        [{ [POOL]: 'gone', [STATE]: 'idle' }, 0],
        [{ [POOL]: 'gone', [STATE]: 'used' }, 0],
        [{ [POOL]: 'kept', [STATE]: 'idle' }, 0],
        [{ [POOL]: 'kept', [STATE]: 'used' }, 1],
      ],
      'gone is known from its events although no collection saw it in the pool',
    );
    assert.deepEqual(points(metrics, 'db.client.connection.max'), [
      [{ [POOL]: 'gone' }, 2],
      [{ [POOL]: 'kept' }, 2],
    ]);
    await pool.release(held);
    await closePool(pool, clock);
    metrics = await collect(reader, clock);
    assert.deepEqual(points(metrics, 'db.client.connection.count'), [
      [{ [POOL]: 'gone', [STATE]: 'idle' }, 0],
      [{ [POOL]: 'gone', [STATE]: 'used' }, 0],
      [{ [POOL]: 'kept', [STATE]: 'idle' }, 0],
      [{ [POOL]: 'kept', [STATE]: 'used' }, 0],
    ]);
    assert.deepEqual(points(metrics, 'db.client.connection.pending_requests'), [
      [{ [POOL]: 'gone' }, 0],
      [{ [POOL]: 'kept' }, 0],
    ]);
    assert.deepEqual(
      points(metrics, 'db.client.connection.use_time'),
      [[{ [POOL]: 'kept' }, hist([0], [[0.001, 1]])]],
      'the discarded connection of gone was not released, so not recorded',
    );
  });

  it('names pools with poolName; two pools share one meter', async () => {
    const meter = provider.getMeter('test');
    const one = { pool: makePool() };
    const two = { pool: makePool() };
    instrumentPool(one.pool, meter, { poolName: (endpoint) => `one/${endpoint}` });
    instrumentPool(two.pool, meter, { poolName: (endpoint) => `two/${endpoint}` });
    const a = track(one.pool.acquire('db'));
    const b = track(two.pool.acquire('db'));
    const c = track(two.pool.acquire('db'));
    await clock.tickAsync(100);
    const metrics = await collect(reader, clock);
    assert.deepEqual(points(metrics, 'db.client.connection.count'), [
      [{ [POOL]: 'one/db', [STATE]: 'idle' }, 0],
      [{ [POOL]: 'one/db', [STATE]: 'used' }, 1],
      [{ [POOL]: 'two/db', [STATE]: 'idle' }, 0],
      [{ [POOL]: 'two/db', [STATE]: 'used' }, 2],
    ]);
    assert.deepEqual(points(metrics, 'db.client.connection.wait_time'), [
      [{ [POOL]: 'one/db' }, hist([0.1], [[0.1, 1]])],
      [{ [POOL]: 'two/db' }, hist([0.1, 0.1], [[0.1, 2]])],
    ]);
    await one.pool.release(fulfilled(a));
    await two.pool.release(fulfilled(b));
    await two.pool.release(fulfilled(c));
    await closePool(one.pool, clock);
    await closePool(two.pool, clock);
  });

  it('reports the connection budget: its limit, the slots held and the acquirers waiting for it', async () => {
    const meter = provider.getMeter('test');
    const budget = new MemoryBudget<Endpoint, MockConnection<Endpoint>>({ limit: 1 });
    const mock = new MockConnectionManager<Endpoint>();
    const pool = new ConnectionPool(mock, { maxSize: 2, totalMaxSize: 4, budget });
    instrumentPool(pool, meter);
    const a = track(pool.acquire('db'));
    const b = track(pool.acquire('db', { timeout: Number.POSITIVE_INFINITY }));
    await clock.tickAsync(1);
    const metrics = await collect(reader, clock);
    assert.deepEqual(points(metrics, 'db.client.connection.budget.limit'), [[{ [POOL]: 'db' }, 1]]);
    assert.deepEqual(points(metrics, 'db.client.connection.budget.held'), [[{ [POOL]: 'db' }, 1]]);
    assert.deepEqual(points(metrics, 'db.client.connection.budget.pending_requests'), [
      [{ [POOL]: 'db' }, 1],
    ]);
    await pool.release(fulfilled(a));
    await clock.tickAsync(1);
    await pool.release(fulfilled(b));
    await closePool(pool, clock);
  });

  it('names other endpoints as JSON with sorted keys, adding up endpoints that share a name', async () => {
    const mock = new MockConnectionManager<unknown>();
    const pool = new ConnectionPool<unknown, MockConnection<unknown>>(mock, {
      endpointKey: (e) => JSON.stringify(e),
    });
    instrumentPool(pool, provider.getMeter('test'));
    const held = [
      await pool.acquire({ port: 1, host: 'h' }),
      await pool.acquire({ host: 'h', port: 1 }), // another key (endpointKey), the same name
      await pool.acquire(7),
    ];
    const metrics = await collect(reader, clock);
    assert.deepEqual(points(metrics, 'db.client.connection.count'), [
      [{ [POOL]: '7', [STATE]: 'idle' }, 0],
      [{ [POOL]: '7', [STATE]: 'used' }, 1],
      [{ [POOL]: '{"host":"h","port":1}', [STATE]: 'idle' }, 0],
      [{ [POOL]: '{"host":"h","port":1}', [STATE]: 'used' }, 2],
    ]);
    for (const connection of held) await pool.release(connection);
    await closePool(pool, clock);
  });

  it('stop() removes the listeners and the observable callback, once', async () => {
    const pool = makePool();
    const instrumentation = instrumentPool(pool, provider.getMeter('test'));
    const first = track(pool.acquire('db'));
    await clock.tickAsync(100);
    const before = await collect(reader, clock);
    instrumentation.stop();
    instrumentation.stop();
    await pool.release(fulfilled(first));
    const second = track(pool.acquire('db'));
    const third = track(pool.acquire('db'));
    await clock.tickAsync(100);
    const after = await collect(reader, clock);
    for (const name of [
      'db.client.connection.count',
      'db.client.connection.pending_requests',
      'db.client.connection.create_time',
      'db.client.connection.wait_time',
    ]) {
      assert.deepEqual(points(after, name), points(before, name), name);
    }
    assert.deepEqual(points(before, 'db.client.connection.count'), [
      [{ [POOL]: 'db', [STATE]: 'idle' }, 0],
      [{ [POOL]: 'db', [STATE]: 'used' }, 1],
    ]);
    assert.equal(after.get('db.client.connection.use_time'), undefined);
    assert.equal(pool.stats().acquired, 2);
    await pool.release(fulfilled(second));
    await pool.release(fulfilled(third));
    await closePool(pool, clock);
  });

  it('names what was wrong with its arguments', () => {
    const pool = makePool();
    const meter = provider.getMeter('test');
    assert.throws(
      () => instrumentPool({} as never, meter),
      (e) =>
        e instanceof TypeError &&
        e.message ===
          'instrumentPool: pool must be a ConnectionPool (with stats(), on() and off()), received object',
    );
    assert.throws(
      () => instrumentPool(pool, undefined as never),
      (e) =>
        e instanceof TypeError &&
        e.message ===
          'instrumentPool: meter must be an OpenTelemetry Meter (with createHistogram, createCounter, createObservableUpDownCounter, addBatchObservableCallback, removeBatchObservableCallback), received undefined',
    );
    assert.throws(
      () => instrumentPool(pool, meter, { poolName: 'db' as never }),
      (e) =>
        e instanceof TypeError &&
        e.message === 'instrumentPool: poolName must be a function, received string',
    );
    assert.throws(
      () => instrumentPool(pool, meter, { name: 'x' } as never),
      (e) =>
        e instanceof TypeError &&
        e.message === 'instrumentPool: unknown option "name"; known options: poolName',
    );
  });
});
