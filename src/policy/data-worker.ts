// Worker-thread entry: static data + members → the assembled data document as JSON bytes
// (prepared-data.ts). With a million role bindings assembly and serialisation take seconds of CPU,
// none of which should stall the thread answering checks.
import { parentPort, workerData } from 'node:worker_threads';
import { assembleData, DataDocumentError } from './data-document.js';
import { isDataJob, type DataReply } from './data-protocol.js';
import { prepareData } from './prepared-data.js';

function run(): { reply: DataReply; transfer: ArrayBuffer[] } {
  if (!isDataJob(workerData)) return { reply: { ok: false, message: 'malformed data job' }, transfer: [] };
  try {
    const prepared = prepareData(assembleData(workerData.staticData, workerData.members, workerData.options));
    const transfer = prepared.json.buffer instanceof ArrayBuffer ? [prepared.json.buffer] : [];
    return { reply: { ok: true, prepared }, transfer };
  } catch (err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    return { reply: { ok: false, message, invalid: err instanceof DataDocumentError }, transfer: [] };
  }
}

const { reply, transfer } = run();
parentPort?.postMessage(reply, transfer);
