// Live capture: the public face of src/capture/live (ftpdiag live, ftpdiag interfaces).
export { openLive, DEFAULT_FILTER, DEFAULT_BUFFER_BYTES } from './open.ts';
export { chooseBackend, AUTO_ORDER, type ChooseOptions } from './choose.ts';
export { listInterfaces, parseTcpdumpD, type LiveInterface } from './interfaces.ts';
export { LiveError, LiveErrorCode } from './errors.ts';
export { CAP_SNAPLEN } from './cap-backend.ts';
export type { BackendChoice, BackendName, LiveBackend, LiveCapture, LiveOptions, LiveSummary } from './types.ts';
