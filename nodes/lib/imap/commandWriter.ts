/**
 * One tagged command in flight, and the writer that puts it on the wire: text and non-synchronizing literals
 * (LITERAL+, or LITERAL- up to 4096 bytes) in one corked write, synchronizing literals after the server's `+`,
 * each write waiting for the socket to drain when it is full. The connection (ImapConnection.ts) chains the
 * writes, so commands go out in call order and pipeline.
 */
import type net from 'node:net';

import type { CommandPart } from './commandEncoding';
import type { ImapError, ImapErrorKind } from './imapErrors';
import type { ImapResponse, ImapValue } from './responseParser';

export interface CommandResult {
	code?: string;
	codeArgs?: ImapValue[];
	text: string;
	/** The untagged responses this command claimed. */
	untagged: ImapResponse[];
}

export interface CommandOptions {
	claims?: (response: ImapResponse) => boolean;
	/** Receives claimed responses one by one; while a returned promise is pending, reading stops (backpressure). */
	onUntagged?: (response: ImapResponse) => void | Promise<void>;
	/** Kind of the error for a tagged NO (auth commands report 'auth'). */
	errorKindOnNo?: ImapErrorKind;
}

export interface PendingCommand {
	tag: string;
	name: string;
	claims?: (response: ImapResponse) => boolean;
	onUntagged?: (response: ImapResponse) => void | Promise<void>;
	untagged: ImapResponse[];
	resolve: (result: CommandResult) => void;
	reject: (error: ImapError) => void;
	settled: boolean;
	/** Resolves once the command is answered or failed. */
	finished: Promise<void>;
	/** Set while the writer waits for a `+` on behalf of this command. */
	continuation?: { resolve: (text: string) => void; reject: (error: ImapError) => void };
	errorKindOnNo: ImapErrorKind;
}

/** Where the writer's bytes go: one corked socket write (writeCorked), resolved once the socket can take more. */
export interface CommandOutput {
	write(chunks: Buffer[]): Promise<void>;
}

function awaitContinuation(command: PendingCommand): Promise<string> {
	return new Promise<string>((resolve, reject) => {
		command.continuation = { resolve, reject };
	});
}

/**
 * Writes one command. At a synchronizing literal (no LITERAL+, or LITERAL- above 4096 bytes) the writer waits
 * for the server's `+`, and every later command waits with it, since the server would read their bytes as
 * this literal.
 */
export async function writeCommand(
	output: CommandOutput,
	command: PendingCommand,
	parts: CommandPart[],
	literalPlus: boolean,
	literalMinus: boolean,
): Promise<void> {
	let chunks: Buffer[] = [];
	let line = `${command.tag} `;
	try {
		for (const part of parts) {
			if (typeof part === 'string') {
				line += part;
				continue;
			}
			if (Buffer.isBuffer(part) && (literalPlus || (literalMinus && part.length <= 4096))) {
				chunks.push(Buffer.from(`${line}{${part.length}+}\r\n`, 'utf8'), part);
				line = '';
				continue;
			}
			const head = Buffer.isBuffer(part) ? `${line}{${part.length}}\r\n` : `${line}\r\n`;
			chunks.push(Buffer.from(head, 'utf8'));
			// A command the server already answered gets no `+`: stop, or the rest would be read as a new command.
			if (command.settled) return;
			const continued = awaitContinuation(command);
			await output.write(chunks);
			chunks = [];
			await continued;
			if (Buffer.isBuffer(part)) {
				chunks.push(part);
				line = '';
			} else {
				line = part.afterContinuation;
			}
		}
		// Non-synchronizing literals are written in full even when the server already refused the command:
		// it must read them (RFC 7888), and stopping would desynchronise the stream.
		chunks.push(Buffer.from(`${line}\r\n`, 'utf8'));
		await output.write(chunks);
	} catch {
		// The command already failed (NO instead of `+`, or the connection ended): its promise carries the error.
	}
}

/**
 * One corked write of `chunks`: resolves at once, or once the socket drained what it buffered (backpressure).
 * `onActivity` runs when bytes left or drained; `closedReason` says whether the session ended meanwhile.
 */
export function writeCorked(
	socket: net.Socket,
	chunks: Buffer[],
	onActivity: () => void,
	closedReason: () => ImapError | null,
): Promise<void> {
	socket.cork();
	let flushed = true;
	chunks.forEach((chunk, index) => {
		flushed =
			index === chunks.length - 1
				? socket.write(chunk, (error) => {
						if (!error) onActivity();
					})
				: socket.write(chunk);
	});
	socket.uncork();
	if (flushed) return Promise.resolve();
	return new Promise<void>((resolve, reject) => {
		const done = () => {
			socket.off('drain', done);
			socket.off('close', done);
			onActivity();
			const closed = closedReason();
			if (closed) reject(closed);
			else resolve();
		};
		socket.on('drain', done);
		socket.on('close', done);
	});
}
