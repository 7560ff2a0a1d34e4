/**
 * The defaults of every setting a node offers, in one place: the library falls back to them and the nodes' fields
 * show them, so the editor never promises a value the engine does not use.
 */
import type { CopyTuning } from './migration/types';
import type { ThroughputAssumption } from './preflight/preflight';

export const DEFAULT_TUNING: CopyTuning = {
	connections: 2,
	pipelineDepth: 8,
	batchMessages: 50,
	batchBytes: 8 * 1024 * 1024,
	reconnects: 3,
	windowMessages: 2000,
};

/** Connections per host when no throttle profile says otherwise: enough for the default parallelism, and a cap. */
export const DEFAULT_MAX_CONNECTIONS_PER_HOST = 16;

/** What a throttle profile allows per host when it names no connection limit of its own. */
export const DEFAULT_PROFILE_MAX_CONNECTIONS = 4;

/** Mailboxes of one execution migrated at the same time. */
export const DEFAULT_MAILBOXES_IN_PARALLEL = 2;

/** Failed items listed in a node's output per mailbox; the ledger keeps all of them. */
export const DEFAULT_FAILED_ITEMS_LISTED = 200;

/** Throughput the pre-flight's duration estimate assumes until a pilot migration measures the real one. */
export const DEFAULT_THROUGHPUT_ASSUMPTION: ThroughputAssumption = {
	messagesPerSecond: 200,
	megabytesPerSecond: 10,
};

/**
 * What changes when the target is Exchange Online, unless the user set it. Exchange throttles each mailbox on its own
 * budget, so a second connection to one mailbox buys no speed, only more `Request is throttled` refusals and, after
 * several, a disconnect: mailboxes run in parallel instead. Its default maximum message size is 35 MB for sending and
 * 36 MB for receiving, and IMAP imports are bound by it (Microsoft, "Exchange Online limits", message limits); 35 MB,
 * counted here as 35,000,000 bytes, fits under both whichever one the server applies to APPEND.
 */
export const EXCHANGE_ONLINE_DEFAULTS = {
	connections: 1,
	maxMessageBytes: 35_000_000,
};

/**
 * What changes when the target is Microsoft 365 through Graph, unless the user set it. Graph lets one app run 4
 * requests at a time against a mailbox (learn.microsoft.com/graph/throttling-limits, Outlook service limits), and the
 * Graph client's mailbox limiter keeps one session at that many already: more folders at once only wait for the same
 * four slots. The mailbox's message size limit applies to what Graph creates, attachments included: 35 MB unless an
 * admin raised it (learn.microsoft.com/graph/api/attachment-createuploadsession, "Tip"; the tenant maximum is 150 MB,
 * as is an upload session's), so 35 MB, as for Exchange Online over IMAP, and a larger Max Message Size when raised.
 */
export const GRAPH_DEFAULTS = {
	connections: 1,
	maxMessageBytes: 35_000_000,
};
