/**
 * The core of an IMAP session (ImapSession.ts is its public face, `commands/` its verbs): one socket, the tagged
 * commands in flight, the receiver that hands every response to the command it belongs to (pausing the socket
 * while a consumer is busy), and the watchdog (silenceWatchdog.ts) that ends a silent session. connectSequence.ts
 * opens it (greeting, STARTTLS, authentication); commandWriter.ts puts commands on the wire, in call order.
 */
import type net from 'node:net';

import type { CommandPart } from './commandEncoding';
import { stringArg } from './commandEncoding';
import { writeCommand, writeCorked } from './commandWriter';
import type { CommandOptions, CommandOutput, CommandResult, PendingCommand } from './commandWriter';
import type { ImapEndpoint } from './endpoint';
import { ImapError, isTokenExpiry, socketFailure } from './imapErrors';
import type { ImapErrorKind } from './imapErrors';
import { MailboxTracker } from './mailboxTracker';
import { noteTokenExpired } from './oauthToken';
import { parseResponse, ResponseFramer } from './responseParser';
import type { ImapResponse, ImapValue } from './responseParser';
import { text } from './responseValues';
import { startTls } from './sessionSocket';
import { SilenceWatchdog } from './silenceWatchdog';
import type { SocketAddress } from './socketErrors';

export interface ImapSessionLogger {
	debug(message: string, meta?: Record<string, unknown>): void;
	warn(message: string, meta?: Record<string, unknown>): void;
}

export interface ImapSessionOptions {
	/** Longest silence (nothing received, nothing drained) tolerated while commands are pending. */
	commandTimeoutMs?: number;
	logger?: ImapSessionLogger;
	/** Largest literal (message body) accepted; a larger announcement ends the session with kind protocol. */
	maxLiteralBytes?: number;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

export class ImapConnection implements CommandOutput {
	private socket: net.Socket;
	/** Owns the socket's chunks: each is freed as soon as it is read to its end (see drainInput). */
	private framer: ResponseFramer;
	private readonly pending: PendingCommand[] = [];
	private tagCounter = 0;
	private writeChain: Promise<void> = Promise.resolve();
	private caps = new Set<string>();
	/** APPENDLIMIT parsed from `caps` (undefined: not parsed since they last changed); read for every APPEND. */
	private appendLimitOfCaps: number | null | undefined;
	/** Capabilities turned on by ENABLE. */
	readonly enabled = new Set<string>();
	/** The selected mailbox, as the untagged responses describe it. */
	readonly mailbox = new MailboxTracker();
	private closedError: ImapError | null = null;
	private byeText: string | null = null;

	/** Response code of the BYE, e.g. UNAVAILABLE when the server sheds load: callers then back off. */
	private byeCode: string | undefined;
	private readonly watchdog: SilenceWatchdog;
	private greetingWaiter: {
		resolve: (r: ImapResponse) => void;
		reject: (e: ImapError) => void;
	} | null = null;
	readonly server: SocketAddress;
	/** `host:port`, for messages. */
	readonly where: string;
	private readonly logger?: ImapSessionLogger;
	private readonly maxLiteralBytes?: number;
	private readonly onData = (chunk: Buffer) => this.receive(chunk);
	private readonly onActivity = () => this.watchdog.noteActivity();
	private readonly closedReason = () => this.closedError;
	private readonly onError = (error: Error) =>
		this.fail(
			// After a BYE the server hung up on purpose (a write racing its close fails with EPIPE): say what it said.
			this.byeText !== null
				? this.closedByServer()
				: this.established
					? new ImapError(
							`IMAP: the connection to ${this.where} broke (${(error as { code?: string }).code ?? error.message})`,
							{ kind: 'closed', systemCode: (error as { code?: string }).code, cause: error },
						)
					: socketFailure(error, this.server, this.tlsStage),
		);
	private readonly onClose = () => this.fail(this.closedByServer());
	private closedByServer(): ImapError {
		return new ImapError(
			`IMAP: ${this.where} closed the connection${this.byeText ? ` (${this.byeText})` : ''}`,
			{ kind: 'closed', code: this.byeCode, serverText: this.byeText ?? undefined },
		);
	}
	private tlsStage: 'tcp' | 'tls';
	/** The bearer token this session logged in with (OAuth logins), reported expired when the server says so. */
	private loginToken: string | null = null;
	/** Set once authenticated: later socket errors end the session with kind 'closed'. */
	private established = false;
	/** A consumer is busy with a claimed response: the socket is paused and the framer is not drained. */
	private readPaused = false;
	/** After STARTTLS's OK nothing more may be read as plaintext. */
	private inputHalted = false;

	/** Wraps a socket just opened; openConnection (connectSequence.ts) then greets and logs in on it. */
	constructor(socket: net.Socket, endpoint: ImapEndpoint, options: ImapSessionOptions) {
		this.server = { host: endpoint.host, port: endpoint.port };
		this.where = `${endpoint.host}:${endpoint.port}`;
		const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
		this.watchdog = new SilenceWatchdog(
			commandTimeoutMs,
			() => (this.pending.length === 0 ? 'idle' : this.readPaused ? 'paused' : 'waiting'),
			() => {
				const names = [...new Set(this.pending.map((command) => command.name))].join(', ');
				this.fail(
					new ImapError(
						`Timeout: ${this.where} did not answer ${names} within ${commandTimeoutMs} ms`,
						{ kind: 'timeout' },
					),
				);
			},
		);
		this.logger = options.logger;
		this.maxLiteralBytes = options.maxLiteralBytes;
		this.framer = this.newFramer();
		this.tlsStage = endpoint.security === 'tls' ? 'tls' : 'tcp';
		this.socket = socket;
		this.attach(socket);
	}

	get capabilities(): ReadonlySet<string> {
		return this.caps;
	}

	has(capability: string): boolean {
		return this.caps.has(capability.toUpperCase());
	}

	/** APPENDLIMIT from CAPABILITY, in bytes; null when the server names none. */
	get appendLimit(): number | null {
		if (this.appendLimitOfCaps !== undefined) return this.appendLimitOfCaps;
		let limit: number | null = null;
		for (const cap of this.caps) {
			const match = /^APPENDLIMIT=(\d+)$/.exec(cap);
			if (match) {
				limit = Number(match[1]);
				break;
			}
		}
		this.appendLimitOfCaps = limit;
		return limit;
	}

	/** Replaces the capabilities (every change goes through here, so the parsed APPENDLIMIT stays in step). */
	setCapabilities(caps: Iterable<ImapValue>): void {
		this.caps = new Set(Array.from(caps, (cap) => text(cap).toUpperCase()));
		this.appendLimitOfCaps = undefined;
	}

	get isClosed(): boolean {
		return this.closedError !== null;
	}

	/** A mailbox name as a command argument: quoted or a literal, UTF-8 once UTF8=ACCEPT is enabled. */
	mailboxArg(name: string): string | Buffer {
		return stringArg(name, this.enabled.has('UTF8=ACCEPT'));
	}

	/** Resolves once every command sent so far is answered or failed. */
	settled(): Promise<unknown> {
		return Promise.all(this.pending.map((command) => command.finished));
	}

	// ---- connection lifecycle -------------------------------------------------------------------------------

	private attach(socket: net.Socket): void {
		socket.setNoDelay(true);
		socket.on('data', this.onData);
		socket.on('error', this.onError);
		socket.on('close', this.onClose);
	}

	private detach(socket: net.Socket): void {
		socket.off('data', this.onData);
		socket.off('error', this.onError);
		socket.off('close', this.onClose);
	}

	/** Resolves with the server's first response (its greeting). */
	greeting(): Promise<ImapResponse> {
		return new Promise<ImapResponse>((resolve, reject) => {
			this.greetingWaiter = { resolve, reject };
		});
	}

	/** Still waiting for the greeting: a timeout then says the server never spoke. */
	get awaitingGreeting(): boolean {
		return this.greetingWaiter !== null;
	}

	/** The login is done (`loginToken`: the bearer token of an OAuth login, else null); the session is established. */
	markAuthenticated(loginToken: string | null): void {
		this.loginToken = loginToken;
		this.established = true;
	}

	/** After STARTTLS's OK: the rest of the session runs over TLS. */
	async upgradeToTls(endpoint: ImapEndpoint): Promise<void> {
		const plain = this.socket;
		this.detach(plain);
		this.tlsStage = 'tls';
		// Bytes after STARTTLS's OK but before the handshake would be plaintext injected into the TLS session.
		if (this.framer.bufferedBytes > 0) {
			throw new ImapError(`IMAP: ${this.where} sent plaintext after STARTTLS`, {
				kind: 'protocol',
				command: 'STARTTLS',
			});
		}
		this.framer = this.newFramer();
		this.inputHalted = false;
		const secure = await startTls(plain, endpoint);
		this.socket = secure;
		this.attach(secure);
	}

	private newFramer(): ResponseFramer {
		return new ResponseFramer({
			releaseConsumedInput: true,
			maxLiteralBytes: this.maxLiteralBytes,
		});
	}

	/** Marks the session dead, rejects every waiter and drops the socket. */
	private fail(error: ImapError): void {
		if (this.closedError) return;
		this.closedError = error;
		this.watchdog.stop();
		this.socket.destroy();
		if (this.greetingWaiter) {
			this.greetingWaiter.reject(error);
			this.greetingWaiter = null;
		}
		for (const command of this.pending.splice(0)) {
			command.settled = true;
			const perCommand = new ImapError(error.message, {
				kind: error.kind,
				code: error.code,
				serverText: error.serverText,
				systemCode: error.systemCode,
				command: command.name,
				cause: error.cause,
			});
			command.continuation?.reject(perCommand);
			command.reject(perCommand);
		}
		this.mailbox.forget();
	}

	/** Drops the connection at once; pending commands fail with `reason` (by default of kind 'closed'). */
	destroy(
		reason = new ImapError(`IMAP: the session with ${this.where} was closed`, { kind: 'closed' }),
	): void {
		this.fail(reason);
	}

	// ---- receiving ----------------------------------------------------------------------------------------

	private receive(chunk: Buffer): void {
		this.watchdog.noteActivity();
		this.framer.push(chunk);
		this.drainInput();
	}

	/** Dispatches every complete response, stopping while a consumer's promise is pending. */
	private drainInput(): void {
		try {
			while (!this.readPaused && !this.inputHalted && !this.closedError) {
				// The framed lines point into socket chunks the next framer.next() frees: parse before asking again.
				const framed = this.framer.next();
				if (!framed) return;
				const busy = this.dispatch(parseResponse(framed));
				if (busy) {
					this.readPaused = true;
					this.socket.pause();
					void busy.then(() => {
						this.readPaused = false;
						this.watchdog.noteActivity();
						if (this.closedError) return;
						this.socket.resume();
						this.drainInput();
					});
				}
			}
		} catch (error) {
			if (error instanceof ImapError) {
				this.fail(error);
				return;
			}
			this.fail(
				new ImapError(
					`IMAP: ${this.where} sent a response this client cannot read (${(error as Error).message})`,
					{
						kind: 'protocol',
						cause: error,
					},
				),
			);
		}
	}

	private dispatch(response: ImapResponse): Promise<void> | undefined {
		if (this.greetingWaiter) {
			const waiter = this.greetingWaiter;
			this.greetingWaiter = null;
			waiter.resolve(response);
			return undefined;
		}
		if (response.tag === '+') {
			const waiting = this.pending.find((command) => command.continuation);
			if (!waiting?.continuation) {
				throw new ImapError(`IMAP: ${this.where} sent an unexpected continuation`, {
					kind: 'protocol',
				});
			}
			const { resolve } = waiting.continuation;
			waiting.continuation = undefined;
			resolve(response.text);
			return undefined;
		}
		if (response.tag === '*') return this.untagged(response);
		const index = this.pending.findIndex((command) => command.tag === response.tag);
		if (index < 0) {
			throw new ImapError(`IMAP: ${this.where} answered an unknown tag`, { kind: 'protocol' });
		}
		const [command] = this.pending.splice(index, 1);
		command.settled = true;
		this.takeCapabilityCode(response);
		if (command.name === 'STARTTLS' && response.type === 'OK') this.inputHalted = true;
		if (response.type === 'OK') {
			// A continuation still awaited (a SASL error step that never came) ends with the command.
			command.continuation?.reject(
				new ImapError(`IMAP: ${this.where} completed ${command.name}`, {
					kind: 'protocol',
					command: command.name,
				}),
			);
			command.continuation = undefined;
			command.resolve({
				code: response.code,
				codeArgs: response.codeArgs,
				text: response.text,
				untagged: command.untagged,
			});
		} else if (this.established && isTokenExpiry(response.text)) {
			// The session's token expired: every later command would be refused too, so the session is over.
			this.noteExpiry(response.text);
			this.byeText = response.text;
			this.byeCode = response.code;
			const closed = this.closedByServer();
			this.fail(closed);
			const perCommand = new ImapError(closed.message, {
				kind: 'closed',
				code: closed.code,
				serverText: closed.serverText,
				command: command.name,
			});
			command.continuation?.reject(perCommand);
			command.reject(perCommand);
			return undefined;
		} else {
			const kind: ImapErrorKind = response.type === 'NO' ? command.errorKindOnNo : 'bad';
			const error = new ImapError(
				`IMAP: ${this.where} refused ${command.name}: ${response.type}${response.code ? ` [${response.code}]` : ''} ${response.text}`.trimEnd(),
				{ kind, code: response.code, serverText: response.text, command: command.name },
			);
			command.continuation?.reject(error);
			command.continuation = undefined;
			command.reject(error);
		}
		if (this.pending.length === 0) this.watchdog.stop();
		return undefined;
	}

	private noteExpiry(serverText: string): void {
		if (this.loginToken !== null && isTokenExpiry(serverText)) noteTokenExpired(this.loginToken);
	}

	/** Takes the capabilities a response carries in its code (`[CAPABILITY ...]`). */
	takeCapabilityCode(response: ImapResponse): void {
		if (response.code === 'CAPABILITY' && response.codeArgs) {
			this.setCapabilities(response.codeArgs);
		}
	}

	private untagged(response: ImapResponse): Promise<void> | undefined {
		switch (response.type) {
			case 'BYE':
				this.byeText = response.text;
				this.byeCode = response.code;
				this.noteExpiry(response.text);
				return undefined;
			case 'CAPABILITY':
				this.setCapabilities(response.values);
				return undefined;
			case 'OK':
			case 'NO':
			case 'BAD':
				if (response.code === 'CAPABILITY') this.takeCapabilityCode(response);
				else this.mailbox.statusCode(response.code, response.codeArgs?.[0]);
				break;
			case 'EXISTS':
				this.mailbox.exists(response.number ?? 0);
				return undefined;
			case 'EXPUNGE':
				this.mailbox.expunged();
				return undefined;
			case 'FLAGS':
				this.mailbox.flags(response.values[0]);
				return undefined;
			default:
				break;
		}
		for (const command of this.pending) {
			if (command.claims?.(response)) {
				if (!command.onUntagged) {
					command.untagged.push(response);
					return undefined;
				}
				const busy = command.onUntagged(response);
				return busy && typeof busy.then === 'function' ? busy : undefined;
			}
		}
		if (response.type === 'OK' || response.type === 'NO' || response.type === 'BAD') {
			if (response.code === 'ALERT' || response.type !== 'OK') {
				this.logger?.warn(`IMAP ${this.where} says: ${response.type} ${response.text}`);
			}
		}
		return undefined;
	}

	// ---- sending ------------------------------------------------------------------------------------------

	/**
	 * Sends one command. `parts` are raw text, literals (Buffers) and lines sent after a `+`. Resolves on the
	 * tagged OK; rejects with an ImapError on NO/BAD or when the session ends first.
	 */
	command(
		name: string,
		parts: CommandPart[],
		options: CommandOptions = {},
	): Promise<CommandResult> {
		if (this.closedError) {
			return Promise.reject(
				new ImapError(this.closedError.message, {
					kind: this.closedError.kind,
					command: name,
					serverText: this.closedError.serverText,
				}),
			);
		}
		if (parts.some((part) => typeof part === 'string' && /[\r\n]/.test(part))) {
			return Promise.reject(
				new ImapError(`IMAP: ${name} text must not contain CR or LF`, {
					kind: 'bad',
					command: name,
				}),
			);
		}
		this.tagCounter += 1;
		const tag = `M${this.tagCounter}`;
		let command!: PendingCommand;
		const result = new Promise<CommandResult>((resolve, reject) => {
			command = {
				tag,
				name,
				claims: options.claims,
				onUntagged: options.onUntagged,
				untagged: [],
				resolve,
				reject,
				settled: false,
				finished: Promise.resolve(),
				errorKindOnNo: options.errorKindOnNo ?? 'no',
			};
		});
		command.finished = result.then(
			() => undefined,
			() => undefined,
		);
		if (this.pending.length === 0) this.watchdog.noteActivity();
		this.pending.push(command);
		this.watchdog.start();
		this.logger?.debug(`IMAP > ${name}`, { server: this.where, tag });
		this.writeChain = this.writeChain.then(() =>
			writeCommand(this, command, parts, this.has('LITERAL+'), this.has('LITERAL-')),
		);
		return result;
	}

	/** One corked write of `chunks` (the writer's output). */
	write(chunks: Buffer[]): Promise<void> {
		if (this.closedError) return Promise.reject(this.closedError);
		return writeCorked(this.socket, chunks, this.onActivity, this.closedReason);
	}
}
