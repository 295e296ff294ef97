// What the commands load only when they run, one dynamic import (`await import('./on-demand.ts')`)
// instead of a static import each: a run of `analyze` did not need compare, live capture, the
// ladders, the operation log, the code sheets, nor analyze's own HTML page and eve/Zeek writers
// unless asked for them, and evaluating them was ~10 % of a short run's start-up. One module,
// so that the bundle splits it into few chunks (the package's file budget, test/package); regress
// has its own (regress-on-demand.ts): it brings the YAML parser.
export { openLive, LiveError, listInterfaces } from '../../capture/live/index.ts';
export { compareDetailed, readBoth } from '../../compare/compare.ts';
export { compareJsonHead, renderCompareJson, renderCompareText } from '../../compare/render.ts';
export { buildTwoPointLadder } from '../../compare/two-point-ladder.ts';
export { renderTwoPointLadderText } from '../../compare/two-point-ladder-text.ts';
export { eveLines, writeZeekLogs } from '../../export/index.ts';
export { LiveEventStream } from '../../export/live-events.ts';
export { catalogJson, codesJson, CodeArgumentError, parseCodeArgument, renderCodeCatalog, renderCodeComparison, renderCodeDetail } from '../../report/codes.ts';
export { buildHtmlReport, writeHtmlReport } from '../../report/html-report.ts';
export { buildLadder, planTarget, LadderError } from '../../report/ladder-model.ts';
export { renderLadderText } from '../../report/ladder-text.ts';
export { buildOperations } from '../../report/log/operations.ts';
export { renderOperationLog } from '../../report/log/render.ts';
export { codeSheet } from '../../view/reply-codes.ts';
