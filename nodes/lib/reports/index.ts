/** Reports from the ledger: build one (`build*`), then render it as HTML, CSV or JSON. */
export * from './model';
export { buildWaveSummary, type ReportRequest } from './waveSummary';
export { buildNotMigrated, type NotMigratedRequest } from './notMigrated';
export { buildErrorDigest, DEFAULT_DIGEST_NAME, type ErrorDigestRequest } from './errorDigest';
export { acknowledgeDigest, DigestMarkTokenError, type DigestMarkMode } from './digestMarks';
export { renderHtml } from './render/html';
export { renderCsv } from './render/csv';
export { renderJson } from './render/json';
export { headlineOf } from './headline';
