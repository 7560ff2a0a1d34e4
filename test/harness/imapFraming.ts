/**
 * How the throttling proxy follows an IMAP conversation it forwards: the byte stream of either direction split into
 * lines and literals, and the tag and name of a command line. RFC 3501's grammar, nothing more.
 */

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
export const LITERAL_AT_END = /\{(\d+)(\+)?\}\r\n$/;

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
