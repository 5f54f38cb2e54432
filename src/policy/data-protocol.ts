// Messages between the main thread and the data-assembly worker (structured-clone safe: Maps,
// arrays and plain objects; the reply's buffers are transferred, not copied).
import type { MembersDocument } from '../members/members-document.js';
import { isRecord } from '../shared/is-record.js';
import type { AssembleOptions, StaticData } from './data-document.js';
import { isPreparedData, type PreparedData } from './prepared-data.js';

export interface DataJob {
  readonly staticData: StaticData;
  readonly members: MembersDocument;
  readonly options: AssembleOptions;
}

export type DataReply =
  | { readonly ok: true; readonly prepared: PreparedData }
  /** `invalid`: the data itself was refused (DataDocumentError), not the machinery. */
  | { readonly ok: false; readonly message: string; readonly invalid?: boolean };

export function isDataJob(value: unknown): value is DataJob {
  if (!isRecord(value)) return false;
  const { staticData, members, options } = value;
  return isRecord(staticData) && staticData['roles'] instanceof Map && staticData['endpoints'] instanceof Map
    && isRecord(members) && members['workspaces'] instanceof Map
    && isRecord(options) && typeof options['defaultWorkspace'] === 'string' && Array.isArray(options['publicPaths']);
}

export function isDataReply(value: unknown): value is DataReply {
  if (!isRecord(value)) return false;
  if (value['ok'] === true) return isPreparedData(value['prepared']);
  return value['ok'] === false && typeof value['message'] === 'string';
}
