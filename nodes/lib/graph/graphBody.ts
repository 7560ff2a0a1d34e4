/**
 * The message body as Graph's itemBody: the HTML when the message has any (cid: links kept, so inline attachments
 * render), the plain text otherwise, already decoded from its charset and transfer encoding by mailparser.
 */
import type { ParsedMail } from 'mailparser';

export interface GraphItemBody {
	contentType: 'html' | 'text';
	content: string;
}

export function graphBody(mail: ParsedMail): GraphItemBody {
	if (typeof mail.html === 'string' && mail.html.length > 0) {
		return { contentType: 'html', content: mail.html };
	}
	return { contentType: 'text', content: mail.text ?? '' };
}

/** The `cid:` references of an HTML body (RFC 2392: URL-encoded Content-IDs), decoded and lower-cased. */
export function referencedContentIds(body: GraphItemBody): Set<string> {
	const ids = new Set<string>();
	if (body.contentType !== 'html') return ids;
	for (const match of body.content.matchAll(/\bcid:([^"'\s)>]+)/gi)) {
		ids.add(match[1].toLowerCase());
		try {
			ids.add(decodeURIComponent(match[1]).toLowerCase());
		} catch {
			// a malformed %-escape: the reference is only usable as written
		}
	}
	return ids;
}
