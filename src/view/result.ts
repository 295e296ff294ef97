// The view of a whole-capture result: the unit view of all of it (unit.ts) with its objects by id,
// for the outputs that look things up across the capture (the HTML report, ladders, the log).

import type { AnalysisResult } from '../pipeline/result.ts';
import { resultUnit } from '../pipeline/result.ts';
import { unitView, type ConnectionView, type SessionView, type TransferView, type UnitView, type ViewOptions } from './unit.ts';

export interface ResultView {
  readonly result: AnalysisResult;
  readonly unit: UnitView;
  readonly connections: ReadonlyMap<number, ConnectionView>;
  readonly sessions: ReadonlyMap<number, SessionView>;
  readonly transfers: ReadonlyMap<number, TransferView>;
  /** The transfer each data connection carried (Transfer.dataConnection), by Connection.id. */
  readonly transferOfData: ReadonlyMap<number, TransferView>;
}

/** Built once per result; `opts` default to how the analysis ran (its showPasswords). */
export function resultView(r: AnalysisResult, opts: ViewOptions = { showPasswords: r.showPasswords }): ResultView {
  const unit = unitView(resultUnit(r), opts);
  return {
    result: r,
    unit,
    connections: new Map(unit.connections.map((v) => [v.c.id, v] as const)),
    sessions: new Map(unit.sessions.map((v) => [v.s.id, v] as const)),
    transfers: new Map(unit.transfers.map((v) => [v.t.id, v] as const)),
    transferOfData: new Map(unit.transfers.filter((v) => v.t.dataConnection !== null).map((v) => [v.t.dataConnection!, v] as const)),
  };
}
