// A stand-in for the delivery store's thread (src/store/sqlite/thread/delivery-store.worker.ts),
// for the ways a real one fails that a spec cannot provoke: its DATA_DIR (workerData.dataDir)
// says which.
import { parentPort, workerData } from 'node:worker_threads';

const behaviour = workerData.dataDir;
if (behaviour === 'exit-at-start') process.exit(3);
parentPort.postMessage([{ kind: 'open' }]);
parentPort.on('message', (calls) => {
  if (behaviour === 'throw-on-call') throw new Error('the thread broke');
  // 'unrecorded': every call answered, and its attempts reported as not written.
  parentPort.postMessage([
    { kind: 'unrecorded', error: { name: 'SqliteError', message: 'disk I/O error', code: 'SQLITE_IOERR' }, deliveryIds: ['d-1'] },
    ...calls.map(({ id }) => ({ kind: 'result', id, value: undefined })),
  ]);
});
