/**
 * The rule script of the throttling proxy (throttlingProxy.ts): the rule kinds, the builders tests write them with,
 * and `decide`, which picks the action for one client command. Rules are asked in order for each command; the first
 * that acts takes it, and rules after it do not see it. Their counters run over all connections, so a client that
 * reconnects meets the same script. `rewriteAppends` makes the server behind the proxy one that rewrites what it is
 * given (as Exchange-class servers do): it stores, reports and numbers a message that is not byte for byte what the
 * client sent.
 */

/** Which command lines a rule looks at, besides their names: e.g. only UID FETCHes of one UID. */
type LineTest = (line: string) => boolean;

/** Refuses matching commands: the `after`+`every`th, the `after`+2×`every`th... at most `times` of them. */
export interface RefuseRule {
	kind: 'refuse';
	commands: readonly string[];
	when: LineTest | null;
	every: number;
	after: number;
	times: number;
	code: string | null;
	text: string;
}

/** Sends `* BYE` and closes the connection in place of the `count`th matching command (once). */
export interface ByeRule {
	kind: 'bye';
	commands: readonly string[];
	count: number;
	code: string | null;
	text: string;
	abrupt: boolean;
}

/** Forwards matching APPENDs with `prefix` (e.g. a header line) put in front of every message they carry. */
export interface RewriteRule {
	kind: 'rewrite';
	commands: readonly string[];
	prefix: Buffer;
}

/** Holds the first matching command until `run` is done, then forwards it: a server-side change at an exact point. */
export interface HoldRule {
	kind: 'hold';
	commands: readonly string[];
	when: LineTest | null;
	run: () => Promise<void>;
}

/**
 * Server responses changed on their way to the client: each untagged response whose first line matches `match` is
 * dropped whole (literals included) and `replace` sent in its place (nothing when null), at most `times` times;
 * `rewrite` edits every other complete line.
 */
export interface ResponseRule {
	kind: 'response';
	match: RegExp | null;
	replace: string | null;
	times: number;
	rewrite: ((line: string) => string) | null;
}

/**
 * Asked first about every command of every connection, with the connection's number, by a rule that keeps its own
 * state per connection (exchangeOAuthSessions.ts); null lets the command on to the rules after it.
 */
export interface SessionRule {
	kind: 'session';
	decide(connection: number, name: string, line: string): Action | null;
}

export type ThrottleRule =
	RefuseRule | ByeRule | RewriteRule | HoldRule | ResponseRule | SessionRule;

/** Command names as the client sends them, upper case; `UID FETCH` for UID commands. */
type Commands = string | readonly string[];

const names = (commands: Commands): string[] =>
	(typeof commands === 'string' ? [commands] : [...commands]).map((name) => name.toUpperCase());

function positive(value: number, what: string): number {
	if (!(value >= 1) || (Number.isFinite(value) && !Number.isInteger(value)))
		throw new Error(`${what} must be a whole number ≥ 1 (or Infinity), got ${value}`);
	return value;
}

export function refuse(options: {
	command: Commands;
	/** Refuse every nth matching command; default 1 (all). */
	every?: number;
	/** Let this many matching commands through first; default 0. */
	after?: number;
	/** Refuse at most this many; default Infinity (a server that never recovers). */
	times?: number;
	code?: string | null;
	text?: string;
	/** Only commands whose first line passes (the line includes its CRLF). */
	when?: LineTest;
}): RefuseRule {
	return {
		kind: 'refuse',
		commands: names(options.command),
		when: options.when ?? null,
		every: positive(options.every ?? 1, 'every'),
		after: options.after ?? 0,
		times: positive(options.times ?? Infinity, 'times'),
		code: options.code === undefined ? 'THROTTLED' : options.code,
		text: options.text ?? 'Server busy, try again later',
	};
}

/**
 * Refuses every APPEND of a message whose internal date is in `year` with [CANNOT] (RFC 5530: the server will not
 * take it), as a target's content policy would: a mailbox seeded with such messages ends with exactly them failed.
 * Needs one message per APPEND (a MULTIAPPEND's first line names only its first message's date).
 */
export function refuseAppendsDated(year: number): RefuseRule {
	return refuse({
		command: 'APPEND',
		when: (line) => line.includes(`-${year} `),
		code: 'CANNOT',
		text: 'Rejected by policy',
	});
}

/** Refuses logins (LOGIN and AUTHENTICATE alike), by default all of them with [UNAVAILABLE]. */
export function refuseLogin(
	options: Omit<Parameters<typeof refuse>[0], 'command'> = {},
): RefuseRule {
	return refuse({ code: 'UNAVAILABLE', ...options, command: ['LOGIN', 'AUTHENTICATE'] });
}

export function byeAfter(options: {
	command: Commands;
	count: number;
	code?: string | null;
	text?: string;
	/**
	 * Default false: after the BYE the proxy half-closes and reads (and drops) what the client still sends until it
	 * hangs up, so the client always reads the BYE. True: it closes at once, as a server that just close()s does;
	 * a client still writing pipelined commands then gets a reset (EPIPE/ECONNRESET), which may swallow the BYE.
	 */
	abrupt?: boolean;
}): ByeRule {
	return {
		kind: 'bye',
		commands: names(options.command),
		count: positive(options.count, 'count'),
		code: options.code === undefined ? 'UNAVAILABLE' : options.code,
		text: options.text ?? 'Server shutting down this connection, try again later',
		abrupt: options.abrupt ?? false,
	};
}

/** Every APPEND reaches the server with `header` (a whole header line, CRLF included) at the top of each message. */
export function rewriteAppends(header: string): RewriteRule {
	if (!header.endsWith('\r\n')) throw new Error('the header must end with CRLF');
	return { kind: 'rewrite', commands: ['APPEND'], prefix: Buffer.from(header, 'latin1') };
}

/** Runs `run` before the first command named `command` (and passing `when`) goes to the server. */
export function holdBefore(options: {
	command: Commands;
	when?: LineTest;
	run: () => Promise<void>;
}): HoldRule {
	return {
		kind: 'hold',
		commands: names(options.command),
		when: options.when ?? null,
		run: options.run,
	};
}

/** Drops untagged responses whose first line matches, sending `replace` (a whole line, CRLF added) instead. */
export function replaceResponse(options: {
	match: RegExp;
	replace?: string | null;
	times?: number;
}): ResponseRule {
	return {
		kind: 'response',
		match: options.match,
		replace: options.replace ?? null,
		times: positive(options.times ?? Infinity, 'times'),
		rewrite: null,
	};
}

/** Edits every complete line the server sends (e.g. to take a capability away). */
export function rewriteResponseLines(rewrite: (line: string) => string): ResponseRule {
	return { kind: 'response', match: null, replace: null, times: Infinity, rewrite };
}

/** Whether a `UID FETCH set (...)` command line asks for `uid`, and (when given) an item spelled `item`. */
export function uidFetchOf(uid: number, item?: string): LineTest {
	return (line) => {
		const match = /^\S+ UID FETCH (\S+) /i.exec(line);
		if (!match || (item !== undefined && !line.includes(item))) return false;
		return match[1].split(',').some((range) => {
			const [from, to = from] = range
				.split(':')
				.map((end) => (end === '*' ? Infinity : Number(end)));
			return uid >= Math.min(from, to) && uid <= Math.max(from, to);
		});
	};
}

/** What the proxy does with one client command, as a rule decided. */
export type Action =
	| { kind: 'forward' }
	| { kind: 'rewrite'; prefix: Buffer }
	| { kind: 'refuse'; response: string }
	| { kind: 'bye'; response: string; abrupt: boolean }
	| { kind: 'hold'; run: () => Promise<void> };

/** A rule with its counters. */
export interface LiveRule {
	rule: ThrottleRule;
	seen: number;
	fired: number;
}

function respond(code: string | null, text: string): string {
	return `${code ? `[${code}] ` : ''}${text}`;
}

export function decide(rules: LiveRule[], connection: number, name: string, line: string): Action {
	for (const live of rules) {
		const { rule } = live;
		if (rule.kind === 'session') {
			const action = rule.decide(connection, name, line);
			if (action) return action;
			continue;
		}
		if (rule.kind === 'response' || !rule.commands.includes(name)) continue;
		if ((rule.kind === 'refuse' || rule.kind === 'hold') && rule.when && !rule.when(line)) continue;
		live.seen++;
		if (rule.kind === 'rewrite') {
			live.fired++;
			return { kind: 'rewrite', prefix: rule.prefix };
		}
		if (rule.kind === 'hold') {
			if (live.fired++ > 0) continue;
			return { kind: 'hold', run: rule.run };
		}
		const fires =
			rule.kind === 'refuse'
				? live.seen > rule.after &&
					(live.seen - rule.after) % rule.every === 0 &&
					live.fired < rule.times
				: live.seen === rule.count && live.fired === 0;
		if (!fires) continue;
		live.fired++;
		const response = respond(rule.code, rule.text);
		return rule.kind === 'refuse'
			? { kind: 'refuse', response }
			: { kind: 'bye', response, abrupt: rule.abrupt };
	}
	return { kind: 'forward' };
}
