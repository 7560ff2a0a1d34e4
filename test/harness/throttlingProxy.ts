/**
 * An IMAP-aware TCP proxy on 127.0.0.1 in front of a server, for tests of what clients do when a server says
 * "not now". It forwards everything, but follows client commands (tags, literals, MULTIAPPEND) and server responses
 * well enough that a rule script can answer chosen commands itself (`TAG NO [THROTTLED] ...`, never forwarded) or
 * end the session with `* BYE [UNAVAILABLE] ...` in place of a command, the way Exchange and Gmail shed load.
 *
 *   const proxy = services.add(await startThrottlingProxy(target.port, [
 *     refuse({ command: 'APPEND', every: 5, times: 3, code: 'THROTTLED', text: 'Suggested Backoff Time: 200 milliseconds' }),
 *   ]));
 *
 * Rules are asked in order for each client command; the first that acts takes it, and rules after it do not see it.
 * Their counters run over all connections, so a client that reconnects meets the same script. `rewriteAppends`
 * makes the server behind it one that rewrites what it is given (as Exchange-class servers do): the server stores,
 * reports and numbers a message that is not byte for byte what the client sent.
 */
import net from 'node:net';

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

/**
 * One piece of the byte stream of a command (client → server) or response (server → client): a whole line, or a
 * piece of a literal. Lines are held until complete so a decision can be taken on the first line of a command
 * before any of it is forwarded; literal bytes pass as they come.
 */
export interface Segment {
	bytes: Buffer;
	/** The first line of a command or response. */
	first: boolean;
	/** The command or response ends with these bytes. */
	last: boolean;
	/** A complete line (latin1, CRLF included), or null for literal bytes. */
	line: string | null;
	/** The line announces a literal: its size, and whether the sender waits for "+" before sending it ({n}). */
	literal: { size: number; synchronizing: boolean } | null;
}

/** `{12}`, `{12+}` (LITERAL+ and LITERAL-) and `~{12}` (BINARY literal8) at the end of a line. */
const LITERAL_AT_END = /\{(\d+)(\+)?\}\r\n$/;

/** Splits an IMAP byte stream (either direction) into lines and literals: RFC 3501's grammar, nothing more. */
export class ImapFramer {
	private partialLine: Buffer[] = [];
	private literalLeft = 0;
	private atStart = true;

	feed(chunk: Buffer): Segment[] {
		const segments: Segment[] = [];
		let offset = 0;
		while (offset < chunk.length) {
			if (this.literalLeft > 0) {
				const take = Math.min(this.literalLeft, chunk.length - offset);
				this.literalLeft -= take;
				segments.push({
					bytes: chunk.subarray(offset, offset + take),
					first: false,
					last: false,
					line: null,
					literal: null,
				});
				offset += take;
				continue;
			}
			const lineFeed = chunk.indexOf(0x0a, offset);
			if (lineFeed < 0) {
				this.partialLine.push(chunk.subarray(offset));
				break;
			}
			const bytes = Buffer.concat([...this.partialLine, chunk.subarray(offset, lineFeed + 1)]);
			this.partialLine = [];
			offset = lineFeed + 1;
			const line = bytes.toString('latin1');
			const match = LITERAL_AT_END.exec(line);
			const literal = match ? { size: Number(match[1]), synchronizing: !match[2] } : null;
			segments.push({ bytes, first: this.atStart, last: literal === null, line, literal });
			this.atStart = literal === null;
			this.literalLeft = literal?.size ?? 0;
		}
		return segments;
	}
}

/** Tag and command name of a command's first line; `UID FETCH` for UID commands. */
export function commandOf(line: string): { tag: string; name: string } | null {
	const words = line.replace(LITERAL_AT_END, '').trimEnd().split(' ');
	if (words.length < 2 || !words[0] || !words[1]) return null;
	const name = words[1].toUpperCase();
	return {
		tag: words[0],
		name: name === 'UID' && words[2] ? `UID ${words[2].toUpperCase()}` : name,
	};
}

/** After these, client lines answer the server's "+" (SASL, DONE) until the command's tagged response. */
const EXCHANGE_COMMANDS = new Set(['AUTHENTICATE', 'IDLE']);
/** After these the stream is TLS or deflate: nothing left to parse, only bytes to pass. */
const OPAQUE_AFTER = new Set(['STARTTLS', 'COMPRESS']);
/** Longest a BYE waits for the server to answer the commands forwarded before it. */
const BYE_WAIT_MS = 2000;

export interface ThrottleCounts {
	/** Connections accepted so far. */
	connections: number;
	/** Commands passed to the server, by name. */
	forwarded: Record<string, number>;
	/** Commands answered NO by the proxy, by name. */
	refused: Record<string, number>;
	/** Connections ended with a BYE by the proxy. */
	byes: number;
	/** Every command in arrival order: to check the pauses a client took between attempts. */
	log: { at: number; connection: number; command: string; action: Action['kind'] }[];
}

export interface ThrottlingProxy {
	name: string;
	port: number;
	/** Live counters (read them after the run). */
	readonly counts: ThrottleCounts;
	/** Connections open right now. */
	readonly activeConnections: number;
	/** Replaces the rule script; counting starts again. Open connections follow the new script from their next command. */
	setRules(rules: readonly ThrottleRule[]): void;
	close(): Promise<void>;
	/** Same as close(): lets TestServices own it. */
	stop(): Promise<void>;
}

export type Action =
	| { kind: 'forward' }
	| { kind: 'rewrite'; prefix: Buffer }
	| { kind: 'refuse'; response: string }
	| { kind: 'bye'; response: string; abrupt: boolean }
	| { kind: 'hold'; run: () => Promise<void> };

/** A rule with its counters. */
interface LiveRule {
	rule: ThrottleRule;
	seen: number;
	fired: number;
}

function respond(code: string | null, text: string): string {
	return `${code ? `[${code}] ` : ''}${text}`;
}

function decide(rules: LiveRule[], connection: number, name: string, line: string): Action {
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

const bump = (counter: Record<string, number>, name: string) =>
	(counter[name] = (counter[name] ?? 0) + 1);

/** One client connection and its server connection, with what the proxy follows of the conversation. */
class ProxiedSession {
	private readonly commands = new ImapFramer();
	private readonly responses = new ImapFramer();
	/** The command whose bytes are coming from the client, and what was decided for it. */
	private current: { tag: string; name: string; action: Action } | null = null;
	/** The next literal bytes start a message being rewritten: its prefix goes first. */
	private prefixNext: Buffer | null = null;
	/** AUTHENTICATE or IDLE under way: client lines are answers to "+", not commands. */
	private exchangeTag: string | null = null;
	private opaque = false;
	/** Client bytes kept back while a hold rule runs; null when none does. */
	private held: Buffer[] | null = null;
	/** Dropping a server response a response rule matched, up to its last segment. */
	private dropping = false;
	/** Everything written to the client so far ends between two responses: our own lines may go in. */
	private betweenResponses = true;
	private readonly ownLines: string[] = [];
	/** Tags forwarded and not yet answered by the server. */
	private readonly unanswered = new Set<string>();
	/**
	 * A BYE is decided: the client is no longer listened to; the BYE goes out once the server has answered what it
	 * was sent (a real server answers in order before it sheds the connection), then the connection ends.
	 */
	private bye: { line: string; abrupt: boolean; sent: boolean } | null = null;
	private byeTimer: NodeJS.Timeout | null = null;
	private ended = false;

	constructor(
		private readonly connection: number,
		private readonly client: net.Socket,
		private readonly server: net.Socket,
		private readonly rules: () => LiveRule[],
		private readonly counts: ThrottleCounts,
		private readonly onEnd: () => void,
	) {
		client.on('data', (chunk: Buffer) => this.fromClient(chunk));
		server.on('data', (chunk: Buffer) => this.fromServer(chunk));
		for (const socket of [client, server]) {
			socket.on('close', () => this.end());
			socket.on('error', () => this.end());
		}
	}

	end(): void {
		if (this.ended) return;
		this.ended = true;
		if (this.byeTimer) clearTimeout(this.byeTimer);
		this.client.destroy();
		this.server.destroy();
		this.onEnd();
	}

	private fromClient(chunk: Buffer): void {
		if (this.bye !== null || this.ended) return;
		if (this.held !== null) {
			this.held.push(chunk);
			return;
		}
		if (this.opaque) {
			this.server.write(chunk);
			return;
		}
		this.forwardSegments(this.commands.feed(chunk), false);
	}

	/** `begun`: the first segment's command was already decided (it was held). */
	private forwardSegments(segments: Segment[], begun: boolean): void {
		for (const [index, segment] of segments.entries()) {
			if (this.exchangeTag !== null && this.current === null) {
				this.server.write(segment.bytes);
				continue;
			}
			if (segment.first && !(begun && index === 0)) this.begin(segment.line ?? '');
			const current = this.current;
			if (this.bye !== null || current === null) return;
			if (current.action.kind === 'hold') {
				this.hold(current.action.run, segments.slice(index));
				current.action = { kind: 'forward' };
				return;
			}
			if (current.action.kind === 'forward') this.server.write(segment.bytes);
			else if (current.action.kind === 'rewrite') this.rewrite(segment, current.action.prefix);
			// A refused command still has its literals coming: ask for each one the client waits for, and drop them.
			else if (segment.literal?.synchronizing) this.say('+ Ready for literal data');
			if (!segment.last) continue;
			this.current = null;
			if (current.action.kind === 'refuse') {
				this.say(`${current.tag} NO ${current.action.response}`);
			} else if (EXCHANGE_COMMANDS.has(current.name)) {
				this.exchangeTag = current.tag;
			} else if (OPAQUE_AFTER.has(current.name)) {
				this.opaque = true;
			}
		}
	}

	/** Forwards a segment of an APPEND with `prefix` in front of each message literal (not of a mailbox name). */
	private rewrite(segment: Segment, prefix: Buffer): void {
		const line = segment.line;
		if (line === null) {
			if (this.prefixNext) this.server.write(this.prefixNext);
			this.prefixNext = null;
			this.server.write(segment.bytes);
			return;
		}
		const mailboxName = segment.first && /^\S+ APPEND $/i.test(line.replace(LITERAL_AT_END, ''));
		if (!segment.literal || mailboxName || segment.literal.size === 0) {
			this.server.write(segment.bytes);
			return;
		}
		const size = segment.literal.size + prefix.length;
		const plus = segment.literal.synchronizing ? '' : '+';
		this.server.write(Buffer.from(line.replace(LITERAL_AT_END, `{${size}${plus}}\r\n`), 'latin1'));
		this.prefixNext = prefix;
	}

	/** Keeps the client's bytes back from `rest` on until `run` is done, then goes on with them. */
	private hold(run: () => Promise<void>, rest: Segment[]): void {
		this.held = [];
		void run()
			.catch((error: unknown) => console.error('throttling proxy: hold rule failed', error))
			.then(() => {
				const later = this.held ?? [];
				this.held = null;
				if (this.ended) return;
				this.forwardSegments(rest, true);
				for (const chunk of later) this.fromClient(chunk);
			});
	}

	private begin(line: string): void {
		const command = commandOf(line);
		// Not a command we can read: forward it and let the server answer.
		const action: Action = command
			? decide(this.rules(), this.connection, command.name, line)
			: { kind: 'forward' };
		const name = command?.name ?? '?';
		this.current = { tag: command?.tag ?? '*', name, action };
		this.counts.log.push({
			at: Date.now(),
			connection: this.connection,
			command: name,
			action: action.kind === 'hold' ? 'forward' : action.kind,
		});
		if (action.kind === 'forward' || action.kind === 'rewrite' || action.kind === 'hold') {
			bump(this.counts.forwarded, name);
			if (command) this.unanswered.add(command.tag);
		} else if (action.kind === 'refuse') bump(this.counts.refused, name);
		else {
			this.counts.byes++;
			this.bye = { line: `* BYE ${action.response}\r\n`, abrupt: action.abrupt, sent: false };
			// A server that never answers (IDLE...) must not keep the BYE back for ever.
			this.byeTimer = setTimeout(() => this.sayBye(true), BYE_WAIT_MS);
			this.sayBye(false);
		}
	}

	private fromServer(chunk: Buffer): void {
		if (this.ended) return;
		if (this.opaque) {
			this.client.write(chunk);
			return;
		}
		for (const segment of this.responses.feed(chunk)) {
			const tag = segment.first ? (segment.line ?? '').split(' ', 1)[0] : null;
			if (tag !== null && tag === this.exchangeTag) this.exchangeTag = null;
			if (segment.first && tag === '*') this.dropping = this.replaced(segment.line ?? '');
			if (this.dropping) {
				if (segment.last) this.dropping = false;
				continue;
			}
			this.client.write(this.rewritten(segment));
			this.betweenResponses = segment.last;
			if (tag !== null && segment.last) this.unanswered.delete(tag);
			if (this.betweenResponses) this.flushOwnLines();
			if (this.ended) return;
		}
	}

	/** Whether a response rule takes the untagged response starting with `line`; sends its replacement. */
	private replaced(line: string): boolean {
		for (const live of this.rules()) {
			const { rule } = live;
			if (rule.kind !== 'response' || !rule.match?.test(line) || live.fired >= rule.times) continue;
			live.fired++;
			if (rule.replace !== null) this.client.write(`${rule.replace}\r\n`);
			return true;
		}
		return false;
	}

	private rewritten(segment: Segment): Buffer {
		if (segment.line === null) return segment.bytes;
		let line = segment.line;
		for (const { rule } of this.rules()) {
			if (rule.kind === 'response' && rule.rewrite) line = rule.rewrite(line);
		}
		return line === segment.line ? segment.bytes : Buffer.from(line, 'latin1');
	}

	/** Our own response lines go out between the server's responses, never inside one. */
	private say(line: string): void {
		this.ownLines.push(`${line}\r\n`);
		if (this.betweenResponses) this.flushOwnLines();
	}

	private flushOwnLines(): void {
		for (const line of this.ownLines.splice(0)) this.client.write(line);
		this.sayBye(false);
	}

	/** Sends the decided BYE and closes, once the server has answered what it was sent (or `now`). */
	private sayBye(now: boolean): void {
		const bye = this.bye;
		if (bye === null || bye.sent || this.ended) return;
		if (!now && (!this.betweenResponses || this.unanswered.size > 0)) return;
		bye.sent = true;
		this.client.write(bye.line);
		// The server connection goes now; the session ends when the client connection closes.
		this.server.removeAllListeners('close');
		this.server.destroy();
		if (bye.abrupt) {
			this.client.end(() => this.end());
			return;
		}
		// Half-close and keep reading (fromClient drops it) until the client hangs up, at most BYE_WAIT_MS.
		this.client.end();
		if (this.byeTimer) clearTimeout(this.byeTimer);
		this.byeTimer = setTimeout(() => this.end(), BYE_WAIT_MS);
	}
}

export async function startThrottlingProxy(
	targetPort: number,
	rules: readonly ThrottleRule[] = [],
	targetHost = '127.0.0.1',
): Promise<ThrottlingProxy> {
	let live: LiveRule[] = [];
	const setRules = (next: readonly ThrottleRule[]) => {
		live = next.map((rule) => ({ rule, seen: 0, fired: 0 }));
	};
	setRules(rules);
	const counts: ThrottleCounts = { connections: 0, forwarded: {}, refused: {}, byes: 0, log: [] };
	const sessions = new Set<ProxiedSession>();

	const server = net.createServer((client) => {
		counts.connections++;
		const upstream = net.connect({ host: targetHost, port: targetPort });
		const session: ProxiedSession = new ProxiedSession(
			counts.connections,
			client,
			upstream,
			() => live,
			counts,
			() => sessions.delete(session),
		);
		sessions.add(session);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as net.AddressInfo;

	const close = async () => {
		for (const session of [...sessions]) session.end();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	};

	return {
		name: `throttling proxy :${port} → ${targetHost}:${targetPort}`,
		port,
		counts,
		get activeConnections() {
			return sessions.size;
		},
		setRules,
		close,
		stop: close,
	};
}
