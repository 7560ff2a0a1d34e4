/**
 * One connection through the throttling proxy: the client's socket and the server's, with what the proxy follows of
 * the conversation (the command being sent, literals, AUTHENTICATE/IDLE exchanges, STARTTLS), the actions the rules
 * decided carried out on the wire, and the counters tests read.
 */
import type net from 'node:net';

import { commandOf, ImapFramer, LITERAL_AT_END, type Segment } from './imapFraming';
import { decide, type Action, type LiveRule } from './throttleRules';

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

const bump = (counter: Record<string, number>, name: string) =>
	(counter[name] = (counter[name] ?? 0) + 1);

/** One client connection and its server connection, with what the proxy follows of the conversation. */
export class ProxiedSession {
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
